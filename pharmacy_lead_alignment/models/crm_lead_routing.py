# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing: the hand-off suggests the sales team, one click hands off.

A desk lead that is Marketing Qualified gets a suggested sales team, and,
when that team uses Odoo's lead assignment, a suggested salesperson, from
the routing rules marketing sets on the sales teams: Odoo's own
``assignment_domain`` of the team and of its members (see
:mod:`..tools.routing` for the choice, ``crm_team`` for the rules' checks).
The suggestion is computed for a whole batch of leads (a kanban column, a
selection) with one search per team and per taking-part member, never per
lead. :meth:`CrmLead.action_handoff_suggested` hands each lead off to its
own suggestion through :meth:`CrmLead.handoff_to`; every hand-off says what
happened in a notification (:meth:`CrmLead._pla_handoff_notification`).
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..tools import lifecycle, routing, sla
from .pharmacy_notification import deadline_label, lead_names, notification


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    suggested_team_id = fields.Many2one(
        "crm.team",
        string="Suggested Sales Team",
        compute="_compute_suggested_handoff",
        help="The first sales team, in the routing order, whose routing rule "
        "matches this qualified lead.",
    )
    suggested_user_id = fields.Many2one(
        "res.users",
        string="Suggested Salesperson",
        compute="_compute_suggested_handoff",
        help="When the suggested team uses Odoo's lead assignment: the member "
        "whose rule matches the lead, with capacity left and the fewest leads "
        "assigned in the last 30 days.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("lifecycle_state", "team_id", "company_id")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_suggested_handoff(self):
        """From the saved lead (a form being edited shows the suggestion of
        what is saved): see :meth:`_pla_routing_suggestions`."""
        origins = self.env["crm.lead"].browse(
            [lead._origin.id for lead in self if lead._origin.id]
        )
        suggestions = origins._pla_routing_suggestions()
        Users = self.env["res.users"]
        for lead in self:
            team, user = suggestions.get(lead._origin.id, (False, Users))
            lead.suggested_team_id = team
            lead.suggested_user_id = user

    def _pla_routing_suggestions(self):
        """``{lead id: (team, user)}`` for the desk's qualified leads of
        ``self`` that a routing rule matches (``user`` may be empty).

        One search of leads per sales team with a routing rule, among the
        leads no earlier team took, and one per member taking part in the
        assignment of a suggested team: never a query per lead.
        """
        leads = self.filtered(
            lambda lead: lead.lifecycle_state == lifecycle.MQL and lead.is_desk_lead
        )
        if not leads:
            return {}
        teams = self.env["crm.team"].search(
            [
                ("alignment_role", "=", lifecycle.ROLE_SALES),
                ("assignment_domain", "!=", False),
                ("company_id", "in", [*leads.company_id.ids, False]),
            ],
            order="sequence, id",
        )
        taken = {}
        remaining = leads
        for team in teams:
            if not remaining:
                break
            domain = team._pla_routing_rule_or_none()
            if not routing.is_routing_rule(domain):
                continue
            eligible = remaining.filtered(
                lambda lead, team=team: (
                    not team.company_id
                    or not lead.company_id
                    or lead.company_id == team.company_id
                )
            )
            if not eligible:
                continue
            matched = self.search(
                expression.AND([[("id", "in", eligible.ids)], domain])
            )
            for lead in matched:
                taken[lead.id] = team
            remaining -= matched
        users = self._pla_routing_users(taken)
        return {
            lead_id: (team, users.get(lead_id, self.env["res.users"]))
            for lead_id, team in taken.items()
        }

    def _pla_routing_users(self, taken):
        """``{lead id: salesperson}`` for the leads of ``taken`` (``{lead id:
        team}``) whose team uses Odoo's lead assignment (see
        :func:`tools.routing.pick_member`)."""
        leads_by_team = defaultdict(list)
        for lead_id, team in taken.items():
            leads_by_team[team].append(lead_id)
        teams = self.env["crm.team"].union(*leads_by_team)
        teams = teams.filtered(
            lambda team: team.assignment_enabled and not team.assignment_optout
        )
        members = teams.crm_team_member_ids.filtered(
            lambda member: not member.assignment_optout and member.assignment_max > 0
        )
        if not members:
            return {}
        window_start = fields.Datetime.now() - timedelta(
            days=routing.ASSIGNMENT_WINDOW_DAYS
        )
        assigned = members._get_lead_from_date(window_start)
        result = {}
        for team in teams:
            team_members = members.filtered(lambda m, team=team: m.crm_team_id == team)
            lead_ids = leads_by_team[team]
            matching = {}
            for member in team_members:
                domain = member._pla_routing_rule_or_none()
                if domain is None:
                    continue
                matching[member] = (
                    set(lead_ids)
                    if not domain
                    else set(
                        self.search(
                            expression.AND([[("id", "in", lead_ids)], domain])
                        ).ids
                    )
                )
            for lead_id in lead_ids:
                loads = [
                    routing.MemberLoad(
                        member.id,
                        assigned.get((member.user_id.id, team.id), 0),
                        member.assignment_max,
                    )
                    for member, matched in matching.items()
                    if lead_id in matched
                ]
                picked = routing.pick_member(loads)
                if picked:
                    result[lead_id] = members.browse(picked).user_id
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_handoff_suggested(self):
        """Desk: hand each lead off to its suggested sales team (and
        salesperson), in one click from its card or form, or for a
        selection. Public for RPC.

        Every lead needs a suggestion (a Marketing Qualified desk lead that a
        routing rule matches): when one has none, none is handed off.

        :return: a notification of what happened, then a reload of the view
        """
        self._pla_require_desk()
        if not self:
            return True
        self.check_access("write")
        queued = self._pla_queue_if_many("action_handoff_suggested")
        if queued:
            return queued
        self.invalidate_recordset(["suggested_team_id", "suggested_user_id"])
        missing = self.filtered(lambda lead: not lead.suggested_team_id)
        if missing:
            raise UserError(
                self.env._(
                    "No sales team is suggested for %(leads)s: only a Marketing "
                    "Qualified lead that a sales team's routing rule matches "
                    "gets one. Hand it off with “Hand Off” and choose the team, "
                    "or ask for a routing rule that covers it.",
                    leads=lead_names(missing),
                )
            )
        groups = defaultdict(lambda: self.browse())
        for lead in self:
            groups[lead.suggested_team_id, lead.suggested_user_id] |= lead
        for (team, user), leads in groups.items():
            leads.handoff_to(team.id, user_id=user.id)
        return self._pla_handoff_notification()

    # ------------------------------------------------------------
    # THE NOTIFICATION
    # ------------------------------------------------------------

    def _pla_handoff_notification(self):
        """What a hand-off did, as a notification (then a reload of the
        view): the team(s) and, when a response clock started, its earliest
        deadline, in the user's time zone and language."""
        clock = self.env["pharmacy.lead.sla"].search(
            [
                ("lead_id", "in", self.ids),
                ("kind", "=", sla.KIND_RESPONSE),
                ("state", "=", sla.RUNNING),
            ],
            order="deadline",
            limit=1,
        )
        params = {
            "team": ", ".join(self.team_id.mapped("display_name")),
            "count": len(self),
        }
        if clock:
            params["deadline"] = deadline_label(self.env, clock.deadline)
            if len(self) == 1:
                message = self.env._(
                    "Handed off to %(team)s — they have until %(deadline)s", **params
                )
            else:
                message = self.env._(
                    "%(count)s leads handed off to %(team)s — they have until "
                    "%(deadline)s",
                    **params,
                )
        elif len(self) == 1:
            message = self.env._("Handed off to %(team)s", **params)
        else:
            message = self.env._("%(count)s leads handed off to %(team)s", **params)
        return notification(self.env, message)
