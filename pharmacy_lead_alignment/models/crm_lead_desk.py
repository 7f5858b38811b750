# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lead desk's buttons: qualify, disqualify, reopen, hand off.

What the desk does by hand to the leads it holds, each a public method that
integrations may call over RPC too: qualify (an Alignment Manager below the
lowest grade, with a reason: :meth:`CrmLead.action_open_qualify` opens the
wizard), disqualify, reopen a disqualified lead, and hand off to a sales team
(:meth:`CrmLead.handoff_to`, which the hand-off wizard and the one-click
hand-off of ``crm_lead_routing`` call). Each moves the leads through the
lifecycle of ``crm_lead`` (``write`` or ``_pla_transition``: the transition
table, the grade and the guards apply), and answers with a notification of
what it did (``pharmacy_notification``).
"""

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from ..tools import lifecycle
from ..tools.groups import GROUP_MANAGER
from .pharmacy_audit_mixin import is_trusted
from .pharmacy_notification import lead_names, notification
from .pharmacy_rpc_args import RpcArgs


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_qualify(self, reason=None):
        """Desk: mark leads as Marketing Qualified by hand.

        Public for RPC. A lead below the company's lowest grade to qualify is
        qualified only by an Alignment Manager, with ``reason``; the override
        is logged in its event log.

        :param str reason: why, mandatory below the lowest grade
        :return: a notification of what happened, then a reload of the view
        """
        reason = RpcArgs(self.env).text("reason", reason)
        self._pla_require_desk()
        queued = self._pla_queue_if_many("action_qualify", reason=reason)
        if queued:
            return queued
        names = lead_names(self)
        overrides = self.filtered(
            lambda lead: (
                lead.lifecycle_state in lifecycle.QUALIFY_FROM
                and lead.below_qualify_grade
            )
        )
        self._pla_transition(lifecycle.MQL, reason=reason or False)
        if overrides:
            message = self.env._(
                "Marketing Qualified below the lowest grade, by override: "
                "%(leads)s — your reason is in the event log.",
                leads=names,
            )
        else:
            message = self.env._(
                "Marketing Qualified: %(leads)s — ready to hand off to sales.",
                leads=names,
            )
        return notification(self.env, message)

    @api.readonly  # opens a view: a replica may answer
    def action_open_qualify(self):
        """Alignment Manager: qualify leads below the lowest grade, with a
        written reason (the qualify wizard)."""
        if not is_trusted(self) and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._(
                    "Only an Alignment Manager may qualify a lead below the "
                    "lowest grade to qualify, with a written reason."
                )
            )
        return self._pla_wizard_action("crm_lead_qualify_action")

    def action_disqualify(self):
        """Desk: set aside leads that will never buy (spam, not our segment).

        :return: a notification of what happened, then a reload of the view
        """
        return self._pla_desk_move(
            "action_disqualify",
            lifecycle.DISQUALIFIED,
            lambda names: self.env._("Disqualified: %(leads)s.", leads=names),
        )

    def action_reopen(self):
        """Desk: bring disqualified leads back to the desk, in Inquiry.

        :return: a notification of what happened, then a reload of the view
        """
        return self._pla_desk_move(
            "action_reopen",
            lifecycle.INQUIRY,
            lambda names: self.env._(
                "Back to Inquiry: %(leads)s — with the desk again.", leads=names
            ),
        )

    @api.readonly  # opens a view: a replica may answer
    def action_open_handoff(self):
        """Desk: hand leads off to a sales team (the hand-off wizard)."""
        self._pla_require_desk()
        return self._pla_wizard_action("crm_lead_handoff_action")

    def handoff_to(self, team_id, user_id=False, reason=False):
        """Hand leads over from the desk to a sales team.

        Public so that integrations can call it over RPC. Leads must be
        Marketing Qualified; an Alignment Manager may hand off an Inquiry or
        Nurturing lead with a written ``reason``, which is logged.

        :param int team_id: the sales-role team that receives the leads
        :param int user_id: optional salesperson, a member of that team
        :param str reason: why, mandatory for an override
        :return: a notification of what happened (with the response
            deadline), then a reload of the view
        """
        args = RpcArgs(self.env)
        team_id = args.record_id("team_id", team_id)
        user_id = args.record_id("user_id", user_id, required=False)
        reason = args.text("reason", reason)
        self._pla_require_desk()
        team = self.env["crm.team"].browse(team_id).exists()
        if not team:
            raise UserError(
                self.env._("The sales team to hand off to does not exist any more.")
            )
        if team.alignment_role != lifecycle.ROLE_SALES:
            raise UserError(
                self.env._(
                    "Leads can only be handed off to a team with the role “Sales”; "
                    "“%(team)s” has another role. Choose a sales team.",
                    team=team.display_name,
                )
            )
        user = self.env["res.users"].browse(user_id).exists() if user_id else None
        if user_id and not user:
            raise UserError(
                self.env._("The salesperson to hand off to does not exist any more.")
            )
        if user and user not in team.member_ids | team.user_id:
            raise UserError(
                self.env._(
                    "%(user)s is not a member of the sales team “%(team)s”: choose "
                    "one of its members, or leave the salesperson empty for the "
                    "team to assign.",
                    user=user.display_name,
                    team=team.display_name,
                )
            )
        for lead in self:
            if team.company_id and lead.company_id not in (team.company_id, False):
                raise UserError(
                    self.env._(
                        "“%(lead)s” belongs to %(company)s but the team “%(team)s” "
                        "to %(team_company)s: choose a team of the lead's company.",
                        lead=lead.display_name,
                        company=lead.company_id.display_name,
                        team=team.display_name,
                        team_company=team.company_id.display_name,
                    )
                )
        queued = self._pla_queue_if_many(
            "handoff_to",
            team_id=team.id,
            user_id=user.id if user else False,
            reason=reason or False,
        )
        if queued:
            return queued
        self._pla_transition(
            lifecycle.HANDED_OFF,
            reason=reason or False,
            values={"team_id": team.id, "user_id": user.id if user else False},
        )
        return self._pla_handoff_notification()

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _pla_desk_move(self, method, new_state, message):
        """What the desk button ``method`` that moves leads does: check the
        user is of the desk, write ``new_state`` as the user (the guards and
        the transition table apply), answer with ``message(names)``; on many
        leads, queue ``method`` instead."""
        self._pla_require_desk()
        queued = self._pla_queue_if_many(method)
        if queued:
            return queued
        names = lead_names(self)  # before they may leave the user's sight
        self.write({"lifecycle_state": new_state})
        return notification(self.env, message(names))
