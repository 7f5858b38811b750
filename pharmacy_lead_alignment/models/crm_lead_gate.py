# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The gate: every lead passes the lead desk before sales see it.

A new lead without a team, or pushed into a sales team by an automation, is
routed to its company's lead desk, in Inquiry; a sales user may create leads
in their own team, which enter the flow as Accepted. A lead that reaches a
role team without a state enters the flow; the leads already in a team when
it gets its role are adopted. Until it is handed off a lead cannot sit with
a sales team, with a salesperson outside the desk or as an opportunity
(:meth:`CrmLead._pla_check_gate`), nor be merged with leads sales work on.
"""

from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError

from ..tools import lifecycle
from ..tools.groups import GROUP_SALESMAN
from ..tools.lifecycle import LifecycleError
from .pharmacy_audit_mixin import state_checked, trusted

#: How many leads a run of the adoption job takes at a time.
ADOPT_BATCH = 2000


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("user_id", "type")
    def _compute_team_id(self):
        """A desk lead keeps its desk team when the desk reassigns it."""
        desk_leads = self.filtered(
            lambda lead: (
                lead.lifecycle_state in lifecycle.GATED_STATES
                and lead.team_id.alignment_role == lifecycle.ROLE_MARKETING
            )
        )
        return super(CrmLead, self - desk_leads)._compute_team_id()

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    def _merge_opportunity(
        self, user_id=False, team_id=False, auto_unlink=True, max_length=5
    ):
        gated = self.filtered(
            lambda lead: lead.lifecycle_state in lifecycle.GATED_STATES
        )
        if gated and gated != self:
            raise UserError(
                self.env._(
                    "“%(lead)s” is still with the lead desk (%(state)s) and cannot "
                    "be merged with leads that sales already work on. Hand it off "
                    "first, or merge it only with other desk leads.",
                    lead=gated[0].display_name,
                    state=gated[0]._pla_state_label(gated[0].lifecycle_state),
                )
            )
        return super()._merge_opportunity(
            user_id=user_id,
            team_id=team_id,
            auto_unlink=auto_unlink,
            max_length=max_length,
        )

    # ------------------------------------------------------------
    # ROUTING NEW LEADS
    # ------------------------------------------------------------

    @api.model
    def _pla_is_sales_creator(self):
        """A sales user (not a desk member) creating leads in their own team."""
        user = self.env.user
        return (
            not self.env.su
            and user.has_group(GROUP_SALESMAN)
            and not self._pla_is_desk(user)
        )

    @api.model
    def _pla_route_new_leads(self, vals_list):
        """Send every new lead without a team (or pushed into a sales team by
        an automation) to its company's lead desk, in Inquiry."""
        sales_creator = self._pla_is_sales_creator()
        Team = self.env["crm.team"].sudo()
        explicit_teams = Team.browse(
            {vals["team_id"] for vals in vals_list if vals.get("team_id")}
        )
        explicit_teams.mapped("alignment_role")  # prefetch in one query
        for vals in vals_list:
            team = Team.browse(vals.get("team_id"))
            role = team.alignment_role
            if vals.get("lifecycle_state"):
                raise UserError(
                    self.env._(
                        "A new lead cannot be created directly in the state "
                        "“%(state)s”: it enters the flow at Inquiry (lead desk) or "
                        "Accepted (created by sales).",
                        state=self._pla_state_label(vals["lifecycle_state"]),
                    )
                )
            if role == lifecycle.ROLE_MARKETING:
                self._pla_prepare_desk_vals(vals, team)
                continue
            if role == lifecycle.ROLE_SALES:
                if sales_creator:
                    if self.env.user not in team.member_ids | team.user_id:
                        raise UserError(
                            self.env._(
                                "You are not a member of the sales team "
                                "“%(team)s”: create your leads in your own team, "
                                "or without a team so that they reach the lead "
                                "desk.",
                                team=team.display_name,
                            )
                        )
                    continue
                desk = self._pla_company_desk(vals, team)
                if self.env.su and desk:
                    self._pla_prepare_desk_vals(vals, desk)
                    continue
                if not self.env.su:
                    raise UserError(
                        self.env._(
                            "A new lead cannot go straight to the sales team "
                            "“%(team)s”: every lead passes the lead desk first. "
                            "Create it without a sales team (it lands in the lead "
                            "desk), qualify it and hand it off.",
                            team=team.display_name,
                        )
                    )
                continue
            if team or sales_creator:
                continue
            desk = self._pla_company_desk(vals, team)
            if desk:
                self._pla_prepare_desk_vals(vals, desk)

    @api.model
    def _pla_company_desk(self, vals, team):
        company = (
            self.env["res.company"].browse(vals["company_id"])
            if vals.get("company_id")
            else team.company_id or self.env.company
        )
        return company.sudo().lead_desk_team_id

    @api.model
    def _pla_prepare_desk_vals(self, vals, desk):
        vals.update(
            team_id=desk.id,
            type="lead",
            lifecycle_state=lifecycle.INQUIRY,
            lead_origin=lifecycle.ORIGIN_MARKETING,
        )
        if desk.company_id and not vals.get("company_id"):
            vals["company_id"] = desk.company_id.id
        if "user_id" not in vals:
            default_uid = self.env.context.get("default_user_id", self.env.uid)
            user = self.env["res.users"].browse(default_uid)
            vals["user_id"] = (
                user.id
                if user and not self.env.su and self._pla_is_desk(user)
                else False
            )
        elif self.env.su and vals["user_id"]:
            user = self.env["res.users"].browse(vals["user_id"])
            if not self._pla_is_desk(user):
                vals["user_id"] = False

    # ------------------------------------------------------------
    # ENTERING THE FLOW
    # ------------------------------------------------------------

    def _pla_enter_flow(self, initial=False):
        """Give a state to leads that reached a role team without one, and
        log the first event of every lead that enters the flow."""
        sales_creator = self._pla_is_sales_creator()
        already = self.filtered("lifecycle_state") if initial else self.browse()
        pending = self.filtered(
            lambda lead: not lead.lifecycle_state and lead.team_id.alignment_role
        )
        by_values = defaultdict(lambda: self.browse())
        for lead in pending:
            try:
                state, origin = lifecycle.initial_state(
                    lead.team_id.alignment_role,
                    sales_creator=sales_creator or self.env.su,
                )
            except LifecycleError as error:
                raise UserError(
                    self.env._(
                        "“%(lead)s” cannot join the sales team “%(team)s” directly: "
                        "every lead passes the lead desk first. Qualify it in the "
                        "lead desk and hand it off.",
                        lead=lead.display_name,
                        team=lead.team_id.display_name,
                    )
                ) from error
            by_values[(state, origin)] |= lead
        for (state, origin), leads in by_values.items():
            values = {"lifecycle_state": state, "lead_origin": origin}
            if state == lifecycle.INQUIRY:
                values["type"] = "lead"
            # the first state of the flow, no transition: logged below
            state_checked(leads).write(values)
        entered = already | pending
        self._pla_log_events(
            [(lead, False, lead.lifecycle_state, False, False) for lead in entered]
        )
        entered._pla_gated()._pla_withdraw_from_sales(new=initial)
        return entered

    def _pla_adopt(self):
        """Describe leads that were in a team before it got its role: state
        and origin from what they are (won, lost, opportunity, lead), a first
        event dated when they were created (or closed), and no salesperson
        outside the desk on a desk inquiry. Nothing else of the lead moves."""
        by_values = defaultdict(list)
        events = []
        desk_users = self.user_id.filtered(lambda user: self._pla_is_desk(user))
        for lead in self:
            state, origin = lifecycle.adopted_state(
                lead.team_id.alignment_role,
                result=lifecycle.outcome(
                    lead.active, lead.stage_id.is_won, lead.probability
                ),
                is_opportunity=lead.type == "opportunity",
            )
            if not state:
                continue
            clear_user = (
                state == lifecycle.INQUIRY
                and lead.user_id
                and lead.user_id not in desk_users
            )
            by_values[(state, origin, clear_user)].append(lead.id)
            closed = state in (lifecycle.WON, lifecycle.LOST) and lead.date_closed
            events.append(
                {
                    "lead_id": lead.id,
                    "from_state": False,
                    "to_state": state,
                    "date": closed or lead.create_date,
                    "user_id": self.env.uid,
                    "reason": self.env._(
                        "Already in the team when it joined the alignment flow."
                    ),
                    "team_id": lead.team_id.id,
                    "company_id": (lead.company_id or self.env.company).id,
                }
            )
        for (state, origin, clear_user), ids in by_values.items():
            values = {"lifecycle_state": state, "lead_origin": origin}
            if clear_user:
                values["user_id"] = False
            leads = self.browse(ids).with_context(tracking_disable=True)
            # the state they are in already, no transition: logged below
            state_checked(leads).write(values)
        trusted(self.env["pharmacy.lead.event"].sudo()).create(events)
        self._pla_gated()._pla_withdraw_from_sales()
        return True

    @api.model
    def _cron_adopt_leads(self, batch_size=ADOPT_BATCH):
        """Adopt a batch of the leads of teams that got a role with too many
        leads to adopt at once (``crm.team._pla_adopt_leads``), with progress.
        Each batch locks its leads (``SKIP LOCKED``): a run beside it takes
        other leads, and an adopted lead has a state, so it is never adopted
        twice."""
        teams = (
            self.env["crm.team"]
            .sudo()
            .with_context(active_test=False)
            .search([("alignment_role", "!=", False)])
        )
        Lead = self.sudo().with_context(active_test=False)
        domain = teams._pla_unadopted_domain()
        ids = Lead._pla_claim_leads(domain, batch_size, active_test=False)
        leads = Lead.browse(ids or [])
        if leads:
            leads._pla_adopt()
        remaining = Lead.search_count(domain)  # the batch has a state now
        self.env["ir.cron"]._notify_progress(done=len(leads), remaining=remaining)
        return True

    # ------------------------------------------------------------
    # THE GATE CHECK
    # ------------------------------------------------------------

    def _pla_check_gate(self):
        """Refuse any lead that sits before hand-off with a sales team, a
        salesperson outside the desk, or as an opportunity."""
        flow = self.filtered("lifecycle_state")
        if not flow:
            return
        users = flow.user_id
        desk_users = users.filtered(lambda user: self._pla_is_desk(user))
        for lead in flow:
            if (
                lead.lifecycle_state == lifecycle.HANDED_OFF
                and lead.team_id.alignment_role != lifecycle.ROLE_SALES
            ):
                raise UserError(
                    self.env._(
                        "“%(lead)s” is handed off but its team “%(team)s” is not a "
                        "sales team. Use Hand Off and choose the sales team.",
                        lead=lead.display_name,
                        team=lead.team_id.display_name or self.env._("no team"),
                    )
                )
            codes = lifecycle.gate_violations(
                lead.lifecycle_state,
                team_role=lead.team_id.alignment_role,
                user_is_desk=(lead.user_id in desk_users) if lead.user_id else None,
                is_opportunity=lead.type == "opportunity",
            )
            if not codes:
                continue
            params = {
                "lead": lead.display_name,
                "state": self._pla_state_label(lead.lifecycle_state),
                "team": lead.team_id.display_name,
                "user": lead.user_id.display_name,
            }
            messages = {
                "sales_team": self.env._(
                    "“%(lead)s” is in the state “%(state)s” and stays in the lead desk "
                    "until it "
                    "is handed off: it cannot be given to the sales team "
                    "“%(team)s”. Qualify it and use Hand Off.",
                    **params,
                ),
                "salesperson": self.env._(
                    "“%(lead)s” is in the state “%(state)s” and stays in the lead desk "
                    "until it "
                    "is handed off: %(user)s is not a member of the Marketing "
                    "Desk and cannot be its salesperson. Qualify it and use Hand "
                    "Off to give it to sales.",
                    **params,
                ),
                "opportunity": self.env._(
                    "“%(lead)s” is in the state “%(state)s” and cannot become an "
                    "opportunity "
                    "before sales accept it. Qualify it and hand it off first.",
                    **params,
                ),
            }
            raise UserError(messages[codes[0]])
