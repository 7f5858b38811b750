# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
from collections import defaultdict
from datetime import date, datetime

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, split_every

from ..tools import feedback, lifecycle, scoring, sla
from ..tools.lifecycle import LifecycleError
from .pharmacy_audit_mixin import is_trusted, trusted
from .pharmacy_rpc_args import RpcArgs
from .pharmacy_scoring_rule import (
    CATEGORY_ENGAGEMENT,
    TRIGGER_ACTIVITY,
    TRIGGER_CUSTOM,
    TRIGGER_EMAIL,
)

_logger = logging.getLogger(__name__)

GROUP_DESK = "pharmacy_lead_alignment.group_alignment_desk"
GROUP_MANAGER = "pharmacy_lead_alignment.group_alignment_manager"
GROUP_SALESMAN = "sales_team.group_sale_salesman"
GROUP_SALES_MANAGER = "sales_team.group_sale_manager"

#: Writing any of these fields may move a lead across the gate.
GATE_FIELDS = ("team_id", "user_id", "type", "lifecycle_state", "company_id")
#: Writing any of these fields may make a lead won, lost or open again.
OUTCOME_FIELDS = ("stage_id", "active", "probability")
#: What deciding on a handed-off lead writes: accept or reject it, convert,
#: lose or win it, or give it to someone else (see ``_pla_check_decider``).
DECISION_FIELDS = frozenset(
    {*GATE_FIELDS, *OUTCOME_FIELDS, "lost_reason_id", "date_closed"}
)
#: Fields the module computes or owns: only its own code writes them (a
#: trusted write, see ``pharmacy_audit_mixin``), never a user, an import or
#: an RPC call, whatever a view says.
SYSTEM_FIELDS = frozenset(
    {
        "is_desk_lead",
        "lead_origin",
        "fit_score",
        "engagement_score",
        "lead_score",
        "lead_grade",
        "score_rule_ids",
        "score_reason_data",
        "score_date",
        "engagement_ids",
        "lifecycle_event_ids",
        "feedback_ids",
        "nurture_state",
        "nurture_step_id",
        "nurture_run_ids",
        "recycle_count",
        "recycle_reason",
        "recycle_date",
        "processing_consent",
        "marketing_consent",
        "sla_ids",
        "sla_state",
        "sla_deadline",
        "sla_risk_date",
    }
)
#: Context key carrying the written reason of a transition (hand-off override…).
REASON_KEY = "pla_transition_reason"
#: Leads scored per SQL batch (one query per fit rule per batch).
SCORING_BATCH = 2000
#: Up to this many leads, a rule or threshold change re-scores at once;
#: above, the daily scoring action is triggered to do it in batches.
SYNC_RESCORE_LIMIT = 2000
#: Where the daily scoring action stands: "YYYY-MM-DD:last lead id".
SCORING_CURSOR_PARAM = "pharmacy_lead_alignment.scoring_cursor"
#: How many reasons the kanban card shows on hover.
REASONS_SHOWN = 3
#: Context key carrying a sales review: ``(reason_id, rating, comment)``.
REVIEW_KEY = "pla_review"
#: Where the weekly desk digest stands: the first day of the last week sent.
DIGEST_PARAM = "pharmacy_lead_alignment.feedback_digest_week"
#: Moves out of "handed off" that are a sales decision on the lead.
REVIEW_MOVES = (lifecycle.ACCEPTED, *lifecycle.REJECTED_TO)
#: What PostgreSQL raises on a row or parameter that a concurrent transaction
#: holds or changed (Odoo retries a request on them): never the fault of one
#: record, so a cron batch never skips or notes a record for them.
CONCURRENCY_ERRORS = (
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    lifecycle_state = fields.Selection(
        lifecycle.STATE_SELECTION,
        string="Lifecycle",
        copy=False,
        index=True,
        tracking=True,
        group_expand="_read_group_lifecycle_state",
        help="Where the lead stands between the marketing lead desk and sales. "
        "Empty for leads of teams without an alignment role.",
    )
    is_desk_lead = fields.Boolean(
        string="With the Lead Desk",
        compute="_compute_is_desk_lead",
        store=True,
        index=True,
        help="The lead belongs to the marketing lead desk and is hidden from "
        "sales: it has not been handed off yet, or the desk marked it lost.",
    )
    lead_origin = fields.Selection(
        lifecycle.ORIGIN_SELECTION,
        string="Sourced By",
        copy=False,
        readonly=True,
        help="Marketing: the lead came through the lead desk.\n"
        "Sales: a sales user created it directly in a sales team.",
    )
    alignment_role = fields.Selection(related="team_id.alignment_role", tracking=False)
    lifecycle_event_ids = fields.One2many(
        "pharmacy.lead.event", "lead_id", string="Lifecycle Events", readonly=True
    )
    pharmacy_segment = fields.Selection(
        scoring.SEGMENT_SELECTION,
        string="Segment",
        index=True,
        tracking=True,
        help="Who the lead is for the pharmacy; fit rules usually score it.",
    )
    fit_score = fields.Integer(
        readonly=True,
        copy=False,
        help="Sum of the points of the fit rules this lead matches.",
    )
    engagement_score = fields.Integer(
        readonly=True,
        copy=False,
        help="Points for what the lead did, each worth half after every half-life.",
    )
    lead_score = fields.Integer(
        string="Score",
        readonly=True,
        copy=False,
        help="Fit + engagement; the MQL threshold applies to it.",
    )
    lead_grade = fields.Selection(
        scoring.GRADE_SELECTION,
        string="Grade",
        readonly=True,
        copy=False,
        tracking=True,
        help="From the fit score alone: A (best) to D.",
    )
    score_rule_ids = fields.Many2many(
        "pharmacy.scoring.rule",
        "crm_lead_scoring_rule_rel",
        "lead_id",
        "rule_id",
        string="Matched Fit Rules",
        readonly=True,
        copy=False,
    )
    engagement_ids = fields.One2many(
        "pharmacy.lead.engagement", "lead_id", readonly=True
    )
    score_reason_data = fields.Char(readonly=True, copy=False)
    score_summary = fields.Char(
        string="Top Reasons",
        compute="_compute_score_summary",
        help="The rules that weigh most in the score.",
    )
    nurture_track_id = fields.Many2one(
        "pharmacy.nurture.track",
        copy=False,
        index=True,
        tracking=True,
        check_company=True,
    )
    nurture_step_id = fields.Many2one(
        "pharmacy.nurture.step", string="Next Step", copy=False, readonly=True
    )
    nurture_next_date = fields.Date(string="Next Step On", copy=False, index=True)
    nurture_state = fields.Selection(
        lifecycle.NURTURE_STATE_SELECTION, copy=False, tracking=True, readonly=True
    )
    nurture_run_ids = fields.One2many(
        "pharmacy.nurture.step.run", "lead_id", string="Steps Run", readonly=True
    )
    temperature = fields.Selection(
        lifecycle.TEMPERATURE_SELECTION,
        compute="_compute_temperature",
        help="Cold, warm or hot from the score and the company's thresholds.",
    )
    recycle_count = fields.Integer(string="Times Recycled", copy=False, readonly=True)
    recycle_reason = fields.Char(copy=False, readonly=True)
    recycle_date = fields.Date(
        string="Back to Nurturing On",
        copy=False,
        readonly=True,
        help="Nurturing is paused until this day, then the lead is re-enrolled.",
    )
    consent_ids = fields.One2many("pharmacy.lead.consent", "lead_id", string="Consents")
    processing_consent = fields.Boolean(
        compute="_compute_consents", store=True, string="Data Processing Consent"
    )
    marketing_consent = fields.Boolean(compute="_compute_consents", store=True)
    sla_ids = fields.One2many("pharmacy.lead.sla", "lead_id", string="SLA Clocks")
    sla_state = fields.Selection(
        [("running", "Running"), ("breached", "Breached")],
        string="SLA",
        copy=False,
        readonly=True,
        index=True,
    )
    sla_deadline = fields.Datetime(string="SLA Deadline", copy=False, readonly=True)
    sla_risk_date = fields.Datetime(
        string="SLA at Risk From", copy=False, readonly=True, index=True
    )
    sla_colour = fields.Char(string="SLA Colour", compute="_compute_sla_colour")
    sla_at_risk = fields.Boolean(
        string="SLA at Risk",
        compute="_compute_sla_colour",
        search="_search_sla_at_risk",
        help="A running SLA clock is in its last quarter or past its deadline.",
    )
    feedback_ids = fields.One2many("pharmacy.lead.feedback", "lead_id", readonly=True)
    score_date = fields.Date(
        string="Score Changed On",
        readonly=True,
        copy=False,
        help="The day the score or the matched rules last changed.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("lifecycle_state", "team_id.alignment_role")
    def _compute_is_desk_lead(self):
        for lead in self:
            lead.is_desk_lead = lifecycle.with_desk(
                lead.lifecycle_state, lead.team_id.alignment_role
            )

    @api.depends("lead_score", "company_id")
    def _compute_temperature(self):
        Company = self.env["res.company"]
        for lead in self:
            warm, hot = Company._pla_temperature_thresholds(
                lead.company_id.id or self.env.company.id
            )
            lead.temperature = (
                lifecycle.temperature(lead.lead_score, warm, hot)
                if lead.lifecycle_state
                else False
            )

    @api.depends("sla_state", "sla_deadline", "sla_risk_date")
    def _compute_sla_colour(self):
        now = fields.Datetime.now()
        for lead in self:
            if lead.sla_state == "breached" or (
                lead.sla_state == "running" and lead.sla_deadline < now
            ):
                lead.sla_colour = "red"
            elif lead.sla_state == "running":
                lead.sla_colour = "amber" if lead.sla_risk_date <= now else "green"
            else:
                lead.sla_colour = False
            lead.sla_at_risk = lead.sla_colour in ("amber", "red") and (
                lead.sla_state == "running"
            )

    def _search_sla_at_risk(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        domain = [
            ("sla_state", "=", "running"),
            ("sla_risk_date", "<=", fields.Datetime.now()),
        ]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    @api.depends("consent_ids.kind", "consent_ids.is_valid")
    def _compute_consents(self):
        for lead in self:
            valid = lead.consent_ids.filtered("is_valid").mapped("kind")
            lead.processing_consent = "processing" in valid
            lead.marketing_consent = "marketing" in valid

    @api.depends("score_reason_data")
    @api.depends_context("lang")
    def _compute_score_summary(self):
        names = self.env["pharmacy.scoring.rule"]._pla_rule_names(
            self.env.lang or "en_US"
        )
        for lead in self:
            reasons = json.loads(lead.score_reason_data or "[]")
            lead.score_summary = " · ".join(
                f"{names.get(rule_id, '?')} {points:+d}" for rule_id, points in reasons
            )

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

    @api.model
    def _read_group_lifecycle_state(self, values, domain):
        """Kanban columns: the states an action asks for, else all of them."""
        wanted = self.env.context.get("pla_lifecycle_columns")
        if not wanted:
            return list(lifecycle.STATES)
        return [
            state for state in lifecycle.STATES if state in wanted or state in values
        ]

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]  # never alter the caller's
        if not is_trusted(self):
            for vals in vals_list:
                self._pla_check_system_fields(vals)
        self._pla_route_new_leads(vals_list)
        leads = super().create(vals_list)
        leads._pla_enter_flow(initial=True)
        leads._pla_check_gate()
        leads._pla_rescore(in_memory=True, new=True)
        leads._pla_nurture_auto_enrol()
        return leads

    def write(self, vals):
        if not self:
            return super().write(vals)
        if not is_trusted(self):
            self._pla_check_system_fields(vals)
            if DECISION_FIELDS.intersection(vals):
                self.filtered(
                    lambda lead: lead.lifecycle_state == lifecycle.HANDED_OFF
                )._pla_check_decider()
        events = []
        if "lifecycle_state" in vals:
            events = self._pla_prepare_transition(
                vals["lifecycle_state"], self.env.context.get(REASON_KEY)
            )
        converting = (
            self.filtered(
                lambda lead: (
                    lead.lifecycle_state in (lifecycle.HANDED_OFF, lifecycle.ACCEPTED)
                )
            )
            if vals.get("type") == "opportunity" and "lifecycle_state" not in vals
            else self.browse()
        )
        outcomes = (
            self._pla_outcomes()
            if any(fname in vals for fname in OUTCOME_FIELDS)
            else None
        )
        outside = (
            self.filtered(lambda lead: not lead.lifecycle_state)
            if "team_id" in vals or "user_id" in vals
            else self.browse()
        )

        result = super().write(vals)

        if events:
            self._pla_log_events(events)
            self._pla_feedback_from_events(events)
            self._pla_apply_side_effects(vals["lifecycle_state"])
            self._pla_nurture_follow_state(vals["lifecycle_state"])
            self._pla_sla_follow_state(vals["lifecycle_state"])
            self._pla_leaving_sales(events)._pla_withdraw_from_sales()
        if converting:
            converting._pla_convert_transitions()
        if outcomes is not None:
            self._pla_sync_outcomes(outcomes)
        if vals.get("lost_reason_id"):
            self._pla_feedback_lost_reason()
        if outside:
            outside._pla_enter_flow()
        if any(fname in vals for fname in GATE_FIELDS):
            self._pla_check_gate()
        if outside or self._pla_fit_fields_touched(vals):
            self._pla_rescore(in_memory=True)
        return result

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
    # ACTIONS
    # ------------------------------------------------------------

    def action_qualify(self):
        """Desk: mark leads as Marketing Qualified by hand."""
        self._pla_require_desk()
        self.write({"lifecycle_state": lifecycle.MQL})
        return True

    def action_disqualify(self):
        """Desk: set aside leads that will never buy (spam, not our segment)."""
        self._pla_require_desk()
        self.write({"lifecycle_state": lifecycle.DISQUALIFIED})
        return True

    def action_reopen(self):
        """Desk: bring disqualified leads back to the desk, in Inquiry."""
        self._pla_require_desk()
        self.write({"lifecycle_state": lifecycle.INQUIRY})
        return True

    def action_accept(self):
        """Sales: accept leads handed off to them, without a rating."""
        return self.action_review_accept()

    def action_open_handoff(self):
        self._pla_require_desk()
        return self._pla_wizard_action("crm_lead_handoff_action")

    def _pla_wizard_action(self, action_xmlid):
        """The action of one of the module's wizards, on these leads."""
        self.check_access("write")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            f"pharmacy_lead_alignment.{action_xmlid}"
        )
        action["context"] = {
            "active_model": self._name,
            "active_ids": self.ids,
            "default_lead_ids": self.ids,
        }
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def handoff_to(self, team_id, user_id=False, reason=False):
        """Hand leads over from the desk to a sales team.

        Public so that integrations can call it over RPC. Leads must be
        Marketing Qualified; an Alignment Manager may hand off an Inquiry or
        Nurturing lead with a written ``reason``, which is logged.

        :param int team_id: the sales-role team that receives the leads
        :param int user_id: optional salesperson, a member of that team
        :param str reason: why, mandatory for an override
        :return: True
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
        self.with_context(**{REASON_KEY: reason or False}).write(
            {
                "lifecycle_state": lifecycle.HANDED_OFF,
                "team_id": team.id,
                "user_id": user.id if user else False,
            }
        )
        return True

    @api.model
    def _pla_check_system_fields(self, vals):
        """Refuse values for fields that only the module's own code writes."""
        owned = sorted(SYSTEM_FIELDS.intersection(vals))
        if owned:
            raise UserError(
                self.env._(
                    "%(fields)s: the lead alignment flow computes these fields "
                    "itself; they cannot be set by hand, by an import or over "
                    "the API. Change what they are computed from instead (the "
                    "scoring rules, the lifecycle buttons, the consents).",
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env)
                        for fname in owned
                    ),
                )
            )

    def _pla_check_decider(self):
        """Only the receiving side decides on handed-off leads (accept,
        reject, convert, lose, recycle, reassign), by every path; the desk
        that handed them off never does. The scheduled actions of the server
        itself (assignment, data loading) run as the superuser and pass."""
        if not self or self.env.uid == SUPERUSER_ID:
            return
        user = self.env.user
        is_desk = self._pla_is_desk(user)
        is_sales_manager = user.has_group(GROUP_SALES_MANAGER)
        for lead in self:
            team = lead.sudo().team_id
            receivers = team.member_ids | team.user_id | lead.sudo().user_id
            if lifecycle.may_decide_handoff(
                is_receiver=user in receivers,
                is_sales_manager=is_sales_manager,
                is_desk=is_desk,
            ):
                continue
            if is_desk:
                raise UserError(
                    self.env._(
                        "“%(lead)s” was handed off to the sales team “%(team)s”: "
                        "the desk that handed it off cannot accept, reject, "
                        "convert, lose or reassign it. The sales team decides.",
                        lead=lead.display_name,
                        team=team.display_name,
                    )
                )
            raise UserError(
                self.env._(
                    "“%(lead)s” was handed off to the sales team “%(team)s”: only "
                    "its members or a sales manager may accept, reject, convert, "
                    "lose or reassign it.",
                    lead=lead.display_name,
                    team=team.display_name,
                )
            )

    @api.model
    def _pla_is_desk(self, user=None):
        user = user or self.env.user
        return user.has_group(GROUP_DESK)

    def _pla_require_desk(self):
        if not is_trusted(self) and not self._pla_is_desk():
            raise AccessError(
                self.env._(
                    "Only members of the Marketing Desk can qualify and hand off "
                    "leads. Ask your Alignment Manager for access."
                )
            )

    @api.model
    def _pla_is_sales_creator(self):
        """A sales user (not a desk member) creating leads in their own team."""
        user = self.env.user
        return (
            not self.env.su
            and user.has_group(GROUP_SALESMAN)
            and not self._pla_is_desk(user)
        )

    def _pla_state_label(self, state):
        labels = dict(self._fields["lifecycle_state"]._description_selection(self.env))
        return labels.get(state, state or self.env._("no state"))

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
            super(CrmLead, leads).write(values)
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
            super(CrmLead, leads).write(values)
        trusted(self.env["pharmacy.lead.event"].sudo()).create(events)
        self._pla_gated()._pla_withdraw_from_sales()
        return True

    def _pla_prepare_transition(self, new_state, reason=False):
        """Check a requested state change for every lead of ``self``.

        :return: ``(lead, from, to, reason, is_override)`` tuples to log
        """
        # who may override is a decision about the user, never about sudo()
        can_override = self.env.user.has_group(GROUP_MANAGER)
        events = []
        needs_desk = False
        for lead in self:
            old = lead.lifecycle_state
            if old == new_state:
                continue
            if not old:
                raise UserError(
                    self.env._(
                        "“%(lead)s” is not in the lead alignment flow: its team has "
                        "no alignment role. Move it to the lead desk first.",
                        lead=lead.display_name,
                    )
                )
            if (
                old in lifecycle.RESTORABLE_FROM
                and new_state not in (lifecycle.TRANSITIONS[old])
            ):
                if old == lifecycle.LOST:
                    message = self.env._(
                        "“%(lead)s” is lost: restore it instead of changing its "
                        "lifecycle state to “%(to)s”; it then returns to the state "
                        "it had before.",
                        lead=lead.display_name,
                        to=self._pla_state_label(new_state),
                    )
                else:
                    message = self.env._(
                        "“%(lead)s” is won: move it out of the won stage instead "
                        "of changing its lifecycle state to “%(to)s”; it then "
                        "returns to the state it had before.",
                        lead=lead.display_name,
                        to=self._pla_state_label(new_state),
                    )
                raise UserError(message)
            kind = lead._pla_check_transition(
                old, new_state, reason=reason, can_override=can_override
            )
            needs_desk = needs_desk or old in lifecycle.GATED_STATES
            events.append((lead, old, new_state, reason, kind == "override"))
        if needs_desk and new_state != lifecycle.LOST:
            self._pla_require_desk()
        return events

    def _pla_check_transition(
        self, old, new, reason=False, can_override=False, previous=None
    ):
        try:
            return lifecycle.check_transition(
                old, new, reason=reason, can_override=can_override, previous=previous
            )
        except LifecycleError as error:
            labels = {
                "from": self._pla_state_label(error.from_state),
                "to": self._pla_state_label(error.to_state),
            }
            messages = {
                "unknown": self.env._(
                    "“%(to)s” is not a lifecycle state of a lead.", **labels
                ),
                "same": self.env._(
                    "The lead is already in the state “%(to)s”.", **labels
                ),
                "not_allowed": self.env._(
                    "A lead cannot go from “%(from)s” to “%(to)s”.", **labels
                ),
                "override_manager": self.env._(
                    "A lead cannot go from “%(from)s” to “%(to)s”: it must be "
                    "qualified first. Only an Alignment Manager may skip "
                    "qualification, with a written reason.",
                    **labels,
                ),
                "override_reason": self.env._(
                    "Moving a lead from “%(from)s” to “%(to)s” skips qualification: "
                    "write the reason for doing so.",
                    **labels,
                ),
                "restore_previous": self.env._(
                    "A lead in the state “%(from)s” can only return to the state it "
                    "had before, not to “%(to)s”.",
                    **labels,
                ),
            }
            raise UserError(
                self.env._(
                    "“%(lead)s”: %(message)s",
                    lead=self.display_name,
                    message=messages[error.code],
                )
            ) from error

    def _pla_log_events(self, events):
        """Append rows to the event log, in one ``create``.

        :param events: ``(lead, from, to, reason, is_override)`` tuples
        """
        if not events:
            return
        now = fields.Datetime.now()
        trusted(self.env["pharmacy.lead.event"].sudo()).create(
            [
                {
                    "lead_id": lead.id,
                    "from_state": old or False,
                    "to_state": new,
                    "date": now,
                    "user_id": self.env.uid,
                    "reason": reason or False,
                    "is_override": is_override,
                    "team_id": lead.team_id.id,
                    "company_id": (lead.company_id or self.env.company).id,
                }
                for lead, old, new, reason, is_override in events
            ]
        )

    def _pla_apply_transition(self, new_state, reason=False, previous=None):
        """Move leads to ``new_state`` as a consequence of another change
        (won, lost, restored, converted), checked against the same table."""
        events = []
        for lead in self:
            if lead.lifecycle_state == new_state:
                continue
            lead._pla_check_transition(
                lead.lifecycle_state,
                new_state,
                previous=(previous or {}).get(lead.id),
            )
            events.append((lead, lead.lifecycle_state, new_state, reason, False))
        if events:
            leads = self.browse([event[0].id for event in events])
            super(CrmLead, leads).write({"lifecycle_state": new_state})
            self._pla_log_events(events)
            self._pla_feedback_from_events(events)
            leads._pla_nurture_follow_state(new_state)
            leads._pla_sla_follow_state(new_state)
            self._pla_leaving_sales(events)._pla_withdraw_from_sales()
        return True

    def _pla_apply_side_effects(self, new_state):
        """Keep Odoo's own won / lost / opportunity in step with a state that
        was written directly (buttons, RPC)."""
        if new_state == lifecycle.WON:
            to_win = self.filtered(lambda lead: not lead.stage_id.is_won)
            if to_win:
                to_win.action_set_won()
        elif new_state == lifecycle.LOST:
            to_lose = self.filtered("active")
            if to_lose:
                to_lose.action_set_lost()
        elif new_state == lifecycle.OPPORTUNITY:
            to_convert = self.filtered(lambda lead: lead.type == "lead")
            for lead in to_convert:
                lead.write(lead._convert_opportunity_data(lead.partner_id))

    def _pla_convert_transitions(self):
        """A handed-off or accepted lead converted by sales becomes an
        opportunity; converting a handed-off lead accepts it on the way."""
        reason = self.env._("Converted to an opportunity")
        handed = self.filtered(
            lambda lead: lead.lifecycle_state == lifecycle.HANDED_OFF
        )
        handed._pla_apply_transition(lifecycle.ACCEPTED, reason=reason)
        self._pla_apply_transition(lifecycle.OPPORTUNITY, reason=reason)

    def _pla_outcomes(self):
        return {
            lead.id: lifecycle.outcome(
                lead.active, lead.stage_id.is_won, lead.probability
            )
            for lead in self
            if lead.lifecycle_state
        }

    def _pla_sync_outcomes(self, before):
        """Follow Odoo's won / lost / restore on the lifecycle state."""
        changed = defaultdict(lambda: self.browse())
        reopened = self.browse()
        for lead in self.filtered(lambda lead: lead.id in before):
            after = lifecycle.outcome(
                lead.active, lead.stage_id.is_won, lead.probability
            )
            if after == before[lead.id]:
                continue
            if after:
                changed[after] |= lead
            elif lead.lifecycle_state in lifecycle.RESTORABLE_FROM:
                reopened |= lead
        for state, leads in changed.items():
            leads._pla_apply_transition(state)
        if reopened:
            previous = reopened._pla_previous_states()
            by_target = defaultdict(lambda: self.browse())
            for lead in reopened:
                by_target[previous[lead.id]] |= lead
            for state, leads in by_target.items():
                leads._pla_apply_transition(
                    state, reason=self.env._("Restored"), previous=previous
                )

    def _pla_previous_states(self):
        """For each lead, the state it had before entering its current one."""
        history = defaultdict(list)
        rows = (
            self.env["pharmacy.lead.event"]
            .sudo()
            .search_read(
                [("lead_id", "in", self.ids)],
                ["lead_id", "from_state", "to_state"],
                order="id",
            )
        )
        for row in rows:
            if row["from_state"] == row["to_state"]:
                continue  # a merge, logged in the state the lead stayed in
            history[row["lead_id"][0]].append((row["from_state"], row["to_state"]))
        return {
            lead.id: lifecycle.previous_state(
                history[lead.id],
                lead.lifecycle_state,
                fallback=lifecycle.OPPORTUNITY
                if lead.type == "opportunity"
                else lifecycle.INQUIRY,
            )
            for lead in self
        }

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

    # ------------------------------------------------------------
    # SCORING
    # ------------------------------------------------------------

    def _pla_fit_fields_touched(self, vals):
        """Whether ``vals`` writes a field that a fit rule of these leads reads."""
        flow = self.filtered("lifecycle_state")
        if not flow:
            return False
        Rule = self.env["pharmacy.scoring.rule"]
        company_ids = {lead.company_id.id or self.env.company.id for lead in flow}
        read = set()
        for company_id in company_ids:
            read |= Rule._pla_fit_fields(company_id)
        return bool(read.intersection(vals))

    def _pla_rescore(self, in_memory=False, new=False):
        """Score leads of the flow and apply the automatic MQL moves.

        Per company and batch: one query that decides every fit rule (or
        none: rules are evaluated in memory for small sets already in cache),
        one for the current scores, one for the engagement events, then
        set-based writes of only what changed.

        :param in_memory: evaluate rule domains on the cached records
        :param new: the leads were just created (no engagement yet)
        :return: the leads whose score or grade changed
        """
        if in_memory or len(self) <= 1000:
            leads = self.filtered(
                lambda lead: (
                    lead.lifecycle_state
                    and lead.lifecycle_state not in lifecycle.RESTORABLE_FROM
                    and lead.active
                )
            )
        else:
            leads = self.sudo().search(
                [("id", "in", self.ids)] + self._pla_scoring_domain()
            )
        changed = self.browse()
        if not leads:
            return changed
        today = fields.Date.context_today(self)
        by_company = defaultdict(list)
        for company_id, lead_ids in leads._pla_ids_by_company():
            by_company[company_id or self.env.company.id].extend(lead_ids)
        for company_id, lead_ids in by_company.items():
            company = self.env["res.company"].browse(company_id)
            for batch_ids in split_every(SCORING_BATCH, lead_ids):
                batch = self.browse(batch_ids)
                changed |= batch._pla_rescore_batch(company, today, in_memory, new)
        return changed

    def _pla_ids_by_company(self):
        """``(company_id, [lead ids])`` pairs, without loading the leads."""
        self.flush_recordset(["company_id"])
        self.env.cr.execute(
            SQL(
                "SELECT company_id, array_agg(id ORDER BY id) FROM crm_lead"
                " WHERE id = ANY(%s) GROUP BY company_id",
                self.ids,
            )
        )
        return self.env.cr.fetchall()

    def _pla_rescore_batch(self, company, today, in_memory, new):
        settings = company.sudo()._pla_scoring_settings()
        rules = self.env["pharmacy.scoring.rule"]._pla_fit_rules_data(company.id)
        current = self._pla_current_scores(in_memory)
        matched = self._pla_match_rules(rules, in_memory)
        engagement = {} if new else self._pla_engagement_by_lead(today)
        points_of = {rule_id: points for rule_id, _domain, points in rules}
        rows, rule_links, grade_moves = [], {}, defaultdict(list)
        new_scores = {}
        for lead_id, cur in current.items():
            fit_ids = matched.get(lead_id, [])
            fit = sum(points_of[rule_id] for rule_id in fit_ids)
            events = engagement.get(lead_id, [])
            eng = scoring.engagement_score(
                [(points, age) for _rule, points, age in events],
                settings["half_life"],
            )
            grade = scoring.grade(
                fit, settings["grade_a"], settings["grade_b"], settings["grade_c"]
            )
            reasons = self._pla_reasons(fit_ids, points_of, events, settings)
            values = (fit, eng, fit + eng, reasons)
            old = (cur["fit"], cur["eng"], cur["score"], cur["reasons"] or "[]")
            if values != old or not cur["grade"]:
                rows.append((lead_id, *values, grade, today))
            if cur["grade"] and grade != cur["grade"]:
                grade_moves[grade].append(lead_id)
            if set(fit_ids) != cur["rule_ids"]:
                rule_links[lead_id] = (cur["rule_ids"], set(fit_ids))
            new_scores[lead_id] = (fit + eng, grade)
        self._pla_write_scores(rows, rule_links)
        for grade, lead_ids in grade_moves.items():
            trusted(self.browse(lead_ids)).write({"lead_grade": grade})
        self._pla_apply_mql_moves(settings, current, new_scores)
        changed_ids = {
            row[0] for row in rows if row[1:5] != self._pla_old(current, row[0])
        }
        changed_ids |= set(rule_links)
        changed_ids |= {lead_id for ids in grade_moves.values() for lead_id in ids}
        return self.browse(sorted(changed_ids))

    @api.model
    def _pla_old(self, current, lead_id):
        cur = current[lead_id]
        return (cur["fit"], cur["eng"], cur["score"], cur["reasons"] or "[]")

    def _pla_current_scores(self, in_memory):
        """What is stored now, per lead: from the cache for small sets, else
        in two narrow queries (never the ~100 columns of a full prefetch)."""
        if in_memory:
            return {
                lead.id: {
                    "state": lead.lifecycle_state,
                    "fit": lead.fit_score,
                    "eng": lead.engagement_score,
                    "score": lead.lead_score,
                    "reasons": lead.score_reason_data,
                    "grade": lead.lead_grade,
                    "date": lead.score_date,
                    "rule_ids": set(lead.score_rule_ids.ids),
                }
                for lead in self
            }
        self.flush_recordset(
            [
                "lifecycle_state",
                "fit_score",
                "engagement_score",
                "lead_score",
                "score_reason_data",
                "lead_grade",
                "score_date",
                "score_rule_ids",
            ]
        )
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id, lifecycle_state, fit_score, engagement_score, lead_score,"
                " score_reason_data, lead_grade, score_date FROM crm_lead"
                " WHERE id = ANY(%s)",
                self.ids,
            )
        )
        current = {
            row[0]: {
                "state": row[1],
                "fit": row[2] or 0,
                "eng": row[3] or 0,
                "score": row[4] or 0,
                "reasons": row[5],
                "grade": row[6],
                "date": row[7],
                "rule_ids": set(),
            }
            for row in cr.fetchall()
        }
        cr.execute(
            SQL(
                "SELECT lead_id, rule_id FROM crm_lead_scoring_rule_rel"
                " WHERE lead_id = ANY(%s)",
                self.ids,
            )
        )
        for lead_id, rule_id in cr.fetchall():
            current[lead_id]["rule_ids"].add(rule_id)
        return current

    def _pla_match_rules(self, rules, in_memory):
        """``{lead_id: [rule_id, …]}`` for this batch.

        In memory for small cached sets; else every rule is decided in one
        ``SELECT`` whose columns are the rules' own conditions, as Odoo
        compiles their domains (a rule whose domain needs a join, rare, is
        searched on its own).
        """
        matched = defaultdict(list)
        if not rules:
            return matched
        if in_memory:
            for rule_id, domain, _points in rules:
                for lead_id in self.sudo().filtered_domain(list(domain)).ids:
                    matched[lead_id].append(rule_id)
            return matched
        Lead = self.sudo().with_context(active_test=False)
        columns, column_rules, alone = [], [], []
        for rule_id, domain, _points in rules:
            query = Lead._search(list(domain))
            if query.is_empty():
                continue
            if query._joins:
                alone.append((rule_id, domain))
                continue
            columns.append(SQL("(%s) IS TRUE", query.where_clause or SQL("TRUE")))
            column_rules.append(rule_id)
        if columns:
            self.env.cr.execute(
                SQL(
                    'SELECT "crm_lead".id, %s FROM "crm_lead"'
                    ' WHERE "crm_lead".id = ANY(%s)',
                    SQL(", ").join(columns),
                    self.ids,
                )
            )
            for row in self.env.cr.fetchall():
                for rule_id, hit in zip(column_rules, row[1:], strict=True):
                    if hit:
                        matched[row[0]].append(rule_id)
        for rule_id, domain in alone:
            for lead_id in Lead.search(list(domain) + [("id", "in", self.ids)]).ids:
                matched[lead_id].append(rule_id)
        return matched

    def _pla_engagement_by_lead(self, today):
        """``{lead_id: [(rule_id, points, age_days), …]}`` in one query."""
        rows = (
            self.env["pharmacy.lead.engagement"]
            .sudo()
            .search_read(
                [("lead_id", "in", self.ids)], ["lead_id", "rule_id", "points", "date"]
            )
        )
        result = defaultdict(list)
        for row in rows:
            age = (today - row["date"].date()).days
            result[row["lead_id"][0]].append((row["rule_id"][0], row["points"], age))
        return result

    @api.model
    def _pla_reasons(self, fit_ids, points_of, events, settings):
        """The heaviest rules behind a score, as stored JSON."""
        items = [(rule_id, points_of[rule_id]) for rule_id in fit_ids]
        by_rule = defaultdict(float)
        for rule_id, points, age in events:
            by_rule[rule_id] += scoring.decayed(points, age, settings["half_life"])
        items += [
            (rule_id, scoring.round_half_up(points))
            for rule_id, points in by_rule.items()
            if scoring.round_half_up(points)
        ]
        return json.dumps(scoring.top_reasons(items, REASONS_SHOWN))

    def _pla_write_scores(self, rows, rule_links):
        """Write scores in a few set-based statements (no per-lead UPDATE)."""
        fnames = [
            "fit_score",
            "engagement_score",
            "lead_score",
            "score_reason_data",
            "lead_grade",
            "score_date",
        ]
        self.flush_recordset(fnames + ["score_rule_ids"])
        cr = self.env.cr
        self._pla_update_leads(
            SQL(
                "fit_score = v.fit, engagement_score = v.eng, lead_score = v.score,"
                " score_reason_data = v.reasons,"
                " lead_grade = COALESCE(lead.lead_grade, v.grade),"
                " score_date = v.scored"
            ),
            [
                ("fit", "int"),
                ("eng", "int"),
                ("score", "int"),
                ("reasons", "varchar"),
                ("grade", "varchar"),
                ("scored", "date"),
            ],
            rows,
        )
        removed = [
            (lead_id, rule_id)
            for lead_id, (old, new) in rule_links.items()
            for rule_id in old - new
        ]
        added = [
            (lead_id, rule_id)
            for lead_id, (old, new) in rule_links.items()
            for rule_id in new - old
        ]
        if removed:
            cr.execute(
                SQL(
                    "DELETE FROM crm_lead_scoring_rule_rel AS rel"
                    " USING unnest(%s::int[], %s::int[]) AS v(lead_id, rule_id)"
                    " WHERE rel.lead_id = v.lead_id AND rel.rule_id = v.rule_id",
                    [pair[0] for pair in removed],
                    [pair[1] for pair in removed],
                )
            )
        if added:
            cr.execute(
                SQL(
                    "INSERT INTO crm_lead_scoring_rule_rel (lead_id, rule_id)"
                    " SELECT * FROM unnest(%s::int[], %s::int[])",
                    [pair[0] for pair in added],
                    [pair[1] for pair in added],
                )
            )
        if rows or rule_links:
            self.invalidate_recordset(fnames + ["score_rule_ids", "score_summary"])

    @api.model
    def _pla_update_leads(self, assignments, columns, rows):
        """Set values on many leads with a few ``UPDATE … FROM unnest(…)``
        (one statement per 5,000 leads, not one per lead). The caller
        flushes and invalidates the fields it writes.

        :param assignments: the ``SET`` clause, reading ``v.<column>``
        :param columns: ``(name, SQL type)`` of each value after the lead id
        :param rows: tuples ``(lead_id, value, …)``
        """
        names = SQL(", ").join(
            SQL.identifier(name) for name in ["id", *(name for name, _t in columns)]
        )
        types = ["int", *(sql_type for _n, sql_type in columns)]
        for chunk in split_every(5000, rows):
            arrays = SQL(", ").join(
                SQL("%s::%s[]", list(values), SQL(sql_type))
                for sql_type, values in zip(
                    types, zip(*chunk, strict=True), strict=True
                )
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead AS lead SET %s FROM unnest(%s) AS v(%s)"
                    " WHERE lead.id = v.id",
                    assignments,
                    arrays,
                    names,
                )
            )

    def _pla_apply_mql_moves(self, settings, current, new_scores):
        """Qualify leads that reached the threshold; send back MQLs that
        fell below it. Logged like every transition."""
        moves = defaultdict(list)
        for lead_id, (score, grade) in new_scores.items():
            target = scoring.mql_move(
                current[lead_id]["state"],
                score,
                grade,
                settings["mql_threshold"],
                settings["mql_min_grade"],
                previous_score=current[lead_id]["score"],
            )
            if target:
                moves[target].append(lead_id)
        if moves.get(lifecycle.MQL):
            qualified = self.browse(moves[lifecycle.MQL])
            qualified._pla_apply_transition(
                lifecycle.MQL, reason=self.env._("Score reached the MQL threshold")
            )
            qualified._pla_schedule_ready_activity()
        if moves.get(lifecycle.NURTURING):
            self.browse(moves[lifecycle.NURTURING])._pla_apply_transition(
                lifecycle.NURTURING,
                reason=self.env._("Score fell below the MQL threshold"),
            )

    def _pla_schedule_ready_activity(self):
        """Give the desk a "Ready for hand-off" activity per newly qualified
        lead, created in one batch."""
        activity_type = self.env.ref(
            "pharmacy_lead_alignment.mail_activity_type_ready_handoff",
            raise_if_not_found=False,
        )
        if not activity_type:
            return self.env["mail.activity"]
        model_id = self.env["ir.model"]._get_id(self._name)
        deadline = activity_type._get_date_deadline()
        vals_list = []
        for lead in self:
            user = lead.user_id or lead.team_id.user_id or lead.team_id.member_ids[:1]
            if not user:
                continue
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id,
                    "summary": activity_type.summary,
                    "note": self.env._(
                        "Score %(score)s, grade %(grade)s: ready to hand off to sales.",
                        score=lead.lead_score,
                        grade=(lead.lead_grade or "").upper(),
                    ),
                    "user_id": user.id,
                    "date_deadline": deadline,
                }
            )
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(vals_list)
        )

    @api.model
    def _pla_rescore_companies(self, companies):
        """Re-score the open leads of ``companies`` after a settings or rule
        change: at once when few, else through the scoring action."""
        domain = self._pla_scoring_domain() + [
            ("company_id", "in", companies.ids + [False]),
        ]
        Lead = self.sudo().with_context(active_test=True)
        count = Lead.search_count(domain)
        if not count:
            return
        if count <= SYNC_RESCORE_LIMIT:
            Lead.search(domain)._pla_rescore()
            return
        self._pla_set_scoring_cursor(fields.Date.context_today(self), 0)
        self.env.ref("pharmacy_lead_alignment.ir_cron_rescore_leads")._trigger()

    @api.model
    def _pla_scoring_domain(self):
        """Leads worth scoring: in the flow and still open (a won or lost
        lead keeps the score it had when it closed)."""
        return [
            ("lifecycle_state", "!=", False),
            ("lifecycle_state", "not in", list(lifecycle.RESTORABLE_FROM)),
        ]

    @api.model
    def _pla_claim_rows(self, query):
        """Run ``query``, a ``SELECT id … FOR … SKIP LOCKED`` that locks the
        rows a cron batch is about to process, and return their ids.

        A run of the same job beside this one holds its rows until it
        commits: they are skipped, so the two runs share the work. Rows it
        committed after this transaction began cannot be locked any more
        (Odoo's cursors are REPEATABLE READ): then ``None`` is returned and
        this run leaves the work to the other one, which is at it.
        """
        cr = self.env.cr
        try:
            with cr.savepoint():
                cr.execute(query, log_exceptions=False)
                return [row[0] for row in cr.fetchall()]
        except CONCURRENCY_ERRORS:
            _logger.info("A concurrent run holds this work: left to it")
            return None

    @api.model
    def _pla_claim_leads(self, domain, limit, order="id"):
        """Ids of up to ``limit`` active leads matching ``domain``, locked for
        this transaction; ``None`` as in :meth:`_pla_claim_rows`."""
        query = (
            self.sudo()
            .with_context(active_test=True)
            ._search(domain, order=order, limit=limit)
        )
        return self._pla_claim_rows(
            SQL("%s FOR NO KEY UPDATE OF crm_lead SKIP LOCKED", query.select())
        )

    @api.model
    def _pla_claim_param(self, key, default):
        """Lock the system parameter ``key`` where a scheduled action keeps
        its place, for this transaction, and return its value (the parameter
        is created with ``default`` if missing): one run of the job at a
        time. ``None`` when a concurrent run holds it, or changed it after
        this transaction began: that run does the work."""
        self.env["ir.config_parameter"].flush_model()
        cr = self.env.cr
        row = None
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "SELECT value FROM ir_config_parameter WHERE key = %s"
                        " FOR NO KEY UPDATE NOWAIT",
                        key,
                    ),
                    log_exceptions=False,
                )
                row = cr.fetchone()
                if not row:
                    now = fields.Datetime.now()
                    cr.execute(
                        SQL(
                            "INSERT INTO ir_config_parameter"
                            " (key, value, create_uid, create_date, write_uid,"
                            " write_date) VALUES (%s, %s, %s, %s, %s, %s)"
                            " ON CONFLICT (key) DO NOTHING RETURNING value",
                            key,
                            default,
                            self.env.uid,
                            now,
                            self.env.uid,
                            now,
                        ),
                        log_exceptions=False,
                    )
                    row = cr.fetchone()
        except CONCURRENCY_ERRORS + (psycopg2.errors.UniqueViolation,):
            row = None
        if row is None:
            _logger.info("A concurrent run holds %s: the work is left to it", key)
            return None
        return row[0]

    @api.model
    def _pla_get_scoring_cursor(self, today, value=None):
        """The last lead id the scoring action reached today (0 if none),
        from the cursor ``value`` (default: the stored one)."""
        if value is None:
            Param = self.env["ir.config_parameter"].sudo()
            value = Param.get_param(SCORING_CURSOR_PARAM)
        day, _sep, last_id = (value or "").partition(":")
        if day != fields.Date.to_string(today) or not last_id.isdigit():
            return 0
        return int(last_id)

    @api.model
    def _pla_set_scoring_cursor(self, today, last_id):
        self.env["ir.config_parameter"].sudo().set_param(
            SCORING_CURSOR_PARAM, f"{fields.Date.to_string(today)}:{last_id}"
        )

    @api.model
    def _cron_rescore_leads(self, batch_size=SCORING_BATCH):
        """Daily: decay engagement and re-score every open lead of the flow.

        Works through the leads in id order, a batch per call, and keeps its
        place for the day in a cursor (``ir.cron`` progress tells how many
        remain), so running it twice the same day does nothing twice, and
        only leads whose score changed are written. A batch that fails is
        retried lead by lead; a failing lead is noted on its chatter and
        skipped, the others go on.

        One run works at a time: a batch locks the cursor for its
        transaction. A run started beside it (a second worker, a manual run)
        finds the cursor locked, or moved since its own transaction began,
        and returns at once: it reports what remains and leaves the work to
        the first, instead of scoring the same leads and failing on them.
        """
        today = fields.Date.context_today(self)
        Lead = self.sudo().with_context(active_test=True, tracking_disable=False)
        cursor = self._pla_claim_param(
            SCORING_CURSOR_PARAM, f"{fields.Date.to_string(today)}:0"
        )
        if cursor is None:
            last_id = self._pla_get_scoring_cursor(today)
            remaining = Lead.search_count(
                self._pla_scoring_domain() + [("id", ">", last_id)]
            )
            self.env["ir.cron"]._notify_progress(done=0, remaining=remaining)
            return True
        last_id = self._pla_get_scoring_cursor(today, cursor)
        domain = self._pla_scoring_domain() + [("id", ">", last_id)]
        leads = Lead.search(domain, limit=batch_size, order="id")
        if not leads:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return True
        try:
            with self.env.cr.savepoint():
                leads._pla_rescore()
        except CONCURRENCY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - one bad lead must not stop the rest
            _logger.warning("Lead scoring batch failed; retrying lead by lead")
            for lead in leads:
                lead._pla_rescore_one_safely()
        self._pla_set_scoring_cursor(today, leads[-1].id)
        remaining = Lead.search_count(
            self._pla_scoring_domain() + [("id", ">", leads[-1].id)]
        )
        self.env["ir.cron"]._notify_progress(done=len(leads), remaining=remaining)
        return True

    def _pla_rescore_one_safely(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._pla_rescore()
        except CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001
            _logger.exception("Lead %s could not be scored", self.id)
            self.message_post(
                body=self.env._(
                    "The daily lead scoring skipped this lead: %(error)s",
                    error=str(error),
                ),
                subtype_xmlid="mail.mt_note",
            )

    # ------------------------------------------------------------
    # ENGAGEMENT SIGNALS
    # ------------------------------------------------------------

    def action_log_engagement(self, code, date=None, note=None):
        """Log a custom engagement signal on leads, for integrations (RPC).

        :param str code: the code of an active engagement rule of the lead's
            company, e.g. ``price_list_request``
        :param date: when it happened (datetime or ISO string), default now
        :param str note: free text kept on the event
        :return: ids of the created engagement events
        """
        args = RpcArgs(self.env)
        code = args.code("code", code)
        date = args.past_date("date", date)  # one dated later counts forever
        note = args.text("note", note)
        self.check_access("write")
        when = self._pla_parse_signal_date(date)
        Rule = self.env["pharmacy.scoring.rule"].sudo()
        vals_list = []
        for lead in self:
            rule = Rule.search(
                [
                    ("category", "=", CATEGORY_ENGAGEMENT),
                    ("trigger", "=", TRIGGER_CUSTOM),
                    ("code", "=", code),
                    ("company_id", "in", [lead.company_id.id, False]),
                ],
                limit=1,
            )
            if not rule:
                known = Rule.search(
                    [
                        ("category", "=", CATEGORY_ENGAGEMENT),
                        ("trigger", "=", TRIGGER_CUSTOM),
                        ("company_id", "in", [lead.company_id.id, False]),
                    ]
                ).mapped("code")
                raise UserError(
                    self.env._(
                        "Unknown engagement signal “%(code)s” for “%(lead)s”. "
                        "Known codes: %(known)s. Add an engagement rule with this "
                        "code in CRM › Configuration › Lead Scoring › Scoring Rules.",
                        code=code,
                        lead=lead.display_name,
                        known=", ".join(sorted(known)) or self.env._("none yet"),
                    )
                )
            if not lead.lifecycle_state:
                continue
            vals_list.append(lead._pla_engagement_vals(rule, when, note))
        events = self.env["pharmacy.lead.engagement"].sudo().create(vals_list)
        return events.ids

    @api.model
    def _pla_parse_signal_date(self, value):
        if not value:
            return fields.Datetime.now()
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, datetime.min.time())
        try:
            return fields.Datetime.to_datetime(value)
        except ValueError as error:
            raise UserError(
                self.env._(
                    "“%(value)s” is not a date: send it as YYYY-MM-DD or "
                    "YYYY-MM-DD HH:MM:SS.",
                    value=value,
                )
            ) from error

    def _pla_engagement_vals(self, rule, when, note=False, source=False):
        self.ensure_one()
        return {
            "lead_id": self.id,
            "rule_id": rule.id,
            "points": rule.points,
            "date": when,
            "note": note or False,
            "source_ref": source or False,
            "company_id": (self.company_id or self.env.company).id,
        }

    def _pla_log_trigger(self, trigger, note=False, source=False, activity_type=None):
        """Engagement events for a built-in trigger, in one ``create``."""
        leads = self.filtered("lifecycle_state")
        if not leads:
            return self.env["pharmacy.lead.engagement"]
        domain = [
            ("category", "=", CATEGORY_ENGAGEMENT),
            ("trigger", "=", trigger),
        ]
        if activity_type:
            domain.append(("activity_type_id", "=", activity_type))
        rules = self.env["pharmacy.scoring.rule"].sudo().search(domain)
        now = fields.Datetime.now()
        vals_list = [
            lead._pla_engagement_vals(rule, now, note, source)
            for lead in leads
            for rule in rules
            if rule.company_id in (lead.company_id, self.env["res.company"])
        ]
        return self.env["pharmacy.lead.engagement"].sudo().create(vals_list)

    @api.model
    def _pla_log_activity_signals(self, done):
        """``done``: ``(lead_id, activity_type_id, summary)`` of activities
        just marked done."""
        contact_types = self.env["mail.activity.type"].sudo().search(
            [("category", "in", ["phonecall", "meeting"])]
        ).ids + [
            type_.id
            for type_ in (
                self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False),
                self.env.ref(
                    "mail.mail_activity_data_meeting", raise_if_not_found=False
                ),
            )
            if type_
        ]
        contacted = [
            lead_id for lead_id, type_id, _s in done if type_id in contact_types
        ]
        if contacted:
            self.sudo().browse(contacted).exists()._pla_sla_reach(sla.KIND_CONTACT)
        signal_types = self.env["pharmacy.scoring.rule"]._pla_activity_signal_types()
        for lead_id, type_id, summary in done:
            if type_id not in signal_types:
                continue
            lead = self.sudo().browse(lead_id).exists()
            if lead:
                lead._pla_log_trigger(
                    TRIGGER_ACTIVITY,
                    note=summary,
                    source=f"mail.activity.type,{type_id}",
                    activity_type=type_id,
                )

    def _pla_log_inbound_email(self, subject):
        """An e-mail the mail gateway received for these leads (see
        ``mail.thread._message_route_process``): never reached from RPC, where
        ``message_new`` and ``message_update`` are public."""
        self.sudo()._pla_log_trigger(TRIGGER_EMAIL, note=subject)

    # ------------------------------------------------------------
    # NURTURING
    # ------------------------------------------------------------

    def _pla_nurture_follow_state(self, new_state):
        """Reaching MQL ends the nurture (graduated); leaving the desk flow
        another way drops it."""
        nurtured = self.filtered(
            lambda lead: (
                lead.nurture_state
                in (
                    lifecycle.NURTURE_RUNNING,
                    lifecycle.NURTURE_PAUSED,
                    lifecycle.NURTURE_COMPLETED,
                )
            )
        )
        if not nurtured:
            return
        if new_state == lifecycle.MQL:
            state = lifecycle.NURTURE_GRADUATED
        elif new_state in (
            lifecycle.DISQUALIFIED,
            lifecycle.LOST,
            lifecycle.HANDED_OFF,
            lifecycle.INQUIRY,
        ):
            state = lifecycle.NURTURE_DROPPED
        else:
            return
        super(CrmLead, nurtured).write(
            {
                "nurture_state": state,
                "nurture_step_id": False,
                "nurture_next_date": False,
            }
        )

    def _pla_nurture_auto_enrol(self):
        """Enrol Inquiry leads below the MQL threshold in the first active
        track of their company whose filter they match."""
        leads = self.filtered(
            lambda lead: (
                lead.lifecycle_state in (lifecycle.INQUIRY, lifecycle.NURTURING)
                and not lead.nurture_state
            )
        )
        if not leads:
            return self.browse()
        Track = self.env["pharmacy.nurture.track"].sudo()
        companies = leads.mapped(lambda lead: lead.company_id or self.env.company)
        tracks = Track.search([("company_id", "in", companies.ids)])
        enrolled = self.browse()
        remaining = leads
        for track in tracks:
            candidates = remaining.filtered(
                lambda lead, track=track: (
                    (lead.company_id or self.env.company) == track.company_id
                    and lead.lead_score
                    < (lead.company_id or self.env.company).lead_mql_threshold
                )
            )
            if not candidates:
                continue
            matching = candidates.sudo().filtered_domain(track._pla_parse_domain())
            matching = self.browse(matching.ids)
            if matching:
                matching._pla_nurture_start(track)
                enrolled |= matching
                remaining -= matching
        return enrolled

    def _pla_nurture_start(self, track, reason=False):
        """(Re)start ``track`` from its first step for these leads."""
        first = track._pla_first_step()
        today = fields.Date.context_today(self)
        without_company = self.filtered(lambda lead: not lead.company_id)
        if without_company:
            super(CrmLead, without_company).write({"company_id": track.company_id.id})
        super().write(
            {
                "nurture_track_id": track.id,
                "nurture_step_id": first.id,
                "nurture_next_date": today
                + relativedelta(days=first.wait_days if first else 0),
                "nurture_state": lifecycle.NURTURE_RUNNING,
            }
        )
        to_nurturing = self.filtered(
            lambda lead: lead.lifecycle_state != lifecycle.NURTURING
        )
        if to_nurturing:
            to_nurturing._pla_apply_transition(
                lifecycle.NURTURING,
                reason=reason
                or self.env._(
                    "Enrolled in the nurture track “%(track)s”", track=track.name
                ),
            )
        # _pla_apply_transition does not touch the nurture of a running track
        return True

    def action_nurture_enrol(self):
        """Desk: enrol (or move) leads into the track set on them, or into
        the first matching track."""
        self._pla_require_desk()
        for lead in self:
            if lead.lifecycle_state not in (lifecycle.INQUIRY, lifecycle.NURTURING):
                raise UserError(
                    self.env._(
                        "Only leads in Inquiry or Nurturing can be nurtured; "
                        "“%(lead)s” is in the state “%(state)s”.",
                        lead=lead.display_name,
                        state=lead._pla_state_label(lead.lifecycle_state),
                    )
                )
            if lead.nurture_track_id:
                lead._pla_nurture_start(lead.nurture_track_id)
            else:
                super(CrmLead, lead).write({"nurture_state": False})
                if not lead._pla_nurture_auto_enrol():
                    raise UserError(
                        self.env._(
                            "No active nurture track matches “%(lead)s”: choose a "
                            "track on the lead first.",
                            lead=lead.display_name,
                        )
                    )
        return True

    def action_nurture_pause(self):
        self._pla_require_desk()
        trusted(
            self.filtered(lambda lead: lead.nurture_state == lifecycle.NURTURE_RUNNING)
        ).write({"nurture_state": lifecycle.NURTURE_PAUSED})
        return True

    def action_nurture_resume(self):
        self._pla_require_desk()
        today = fields.Date.context_today(self)
        for lead in trusted(self).filtered(
            lambda lead: lead.nurture_state == lifecycle.NURTURE_PAUSED
        ):
            lead.write(
                {
                    "nurture_state": lifecycle.NURTURE_RUNNING,
                    "nurture_next_date": max(lead.nurture_next_date or today, today),
                }
            )
        return True

    def action_nurture_remove(self):
        self._pla_require_desk()
        trusted(self.filtered("nurture_state")).write(
            {
                "nurture_state": lifecycle.NURTURE_DROPPED,
                "nurture_step_id": False,
                "nurture_next_date": False,
            }
        )
        return True

    def action_recycle(self, reason, recycle_date=None):
        """Send handed-off leads back to the desk as "not ready".

        They return to Nurturing with ``recycle_count + 1`` and the reason;
        with a ``recycle_date`` their nurture is paused until that day, then
        they are re-enrolled; without, they are enrolled at once.

        :param str reason: why the lead is not ready (required)
        :param recycle_date: when to come back (date or ISO string)
        :return: True
        """
        args = RpcArgs(self.env)
        # a rejection recycles with "<reason name>: <comment>"
        reason = args.text("reason", reason, max_length=2 * args.TEXT_MAX)
        recycle_date = args.date("recycle_date", recycle_date)
        if not (reason or "").strip():
            raise UserError(
                self.env._(
                    "To recycle a lead, say why it is not ready (for example: "
                    "their supplier contract ends in March)."
                )
            )
        self.check_access("write")
        when = fields.Date.to_date(recycle_date) if recycle_date else False
        today = fields.Date.context_today(self)
        for lead in self:
            if lead.lifecycle_state != lifecycle.HANDED_OFF:
                raise UserError(
                    self.env._(
                        "Only handed-off leads can be recycled; “%(lead)s” is in "
                        "the state “%(state)s”.",
                        lead=lead.display_name,
                        state=lead._pla_state_label(lead.lifecycle_state),
                    )
                )
            lead._pla_check_decider()
            desk = lead._pla_recycle_desk()
            # checked above: the module writes the recycling fields itself
            lead_sudo = trusted(lead.sudo()).with_context(**{REASON_KEY: reason})
            lead_sudo.write(
                {
                    "lifecycle_state": lifecycle.NURTURING,
                    "team_id": desk.id,
                    "user_id": False,
                    "recycle_count": lead.recycle_count + 1,
                    "recycle_reason": reason,
                    "recycle_date": when,
                    "nurture_step_id": False,
                }
            )
            if when and when > today:
                super(CrmLead, lead_sudo).write(
                    {
                        "nurture_state": lifecycle.NURTURE_PAUSED,
                        "nurture_next_date": when,
                    }
                )
            else:
                super(CrmLead, lead_sudo).write({"nurture_state": False})
                lead_sudo._pla_nurture_auto_enrol()
            # the lead is the desk's now, out of the caller's sight: what its
            # move left to recompute is computed here, not by the caller's
            # end-of-request flush (which may not read it any more)
            lead_sudo.flush_recordset()
        return True

    @api.model
    def _cron_run_nurture_steps(self, batch_size=500):
        """Run the nurture steps that are due, a batch per call.

        Recycled leads whose date has come are re-enrolled first. Each step
        runs once per lead (a unique step-run row is written with it, in the
        same transaction), so a re-run or a crash half-way never sends
        twice; a lead whose step fails is noted on its chatter and moves on.

        A batch locks its leads (``SKIP LOCKED``): a run beside it (a second
        worker, a manual run) takes the next leads, never the same ones.
        """
        today = fields.Date.context_today(self)
        Lead = self.sudo().with_context(tracking_disable=False)
        back_domain = [
            ("lifecycle_state", "=", lifecycle.NURTURING),
            ("nurture_state", "=", lifecycle.NURTURE_PAUSED),
            ("recycle_date", "!=", False),
            ("recycle_date", "<=", today),
        ]
        due_domain = [
            ("nurture_state", "=", lifecycle.NURTURE_RUNNING),
            ("nurture_next_date", "<=", today),
            ("lifecycle_state", "=", lifecycle.NURTURING),
        ]
        back_ids = self._pla_claim_leads(back_domain, batch_size)
        back = Lead.browse(back_ids or [])
        if back:
            super(CrmLead, back).write({"nurture_state": False, "recycle_date": False})
            back._pla_nurture_auto_enrol()
        lead_ids = None
        if back_ids is not None:
            lead_ids = self._pla_claim_leads(
                due_domain, batch_size, order="nurture_next_date, id"
            )
        leads = Lead.browse(lead_ids or [])
        leads._pla_nurture_run_due_steps(today)
        remaining = Lead.search_count(due_domain) + Lead.search_count(back_domain)
        self.env["ir.cron"]._notify_progress(
            done=len(leads | back), remaining=remaining
        )
        return True

    def _pla_nurture_run_due_steps(self, today):
        """Run the current step of every lead, step by step in batches (one
        ``create`` of activities or one batch of e-mails per step), then
        move each lead to its next step."""
        Run = self.env["pharmacy.nurture.step.run"].sudo()
        done = {
            (run.lead_id.id, run.step_id.id)
            for run in Run.search([("lead_id", "in", self.ids)])
        }
        by_step = defaultdict(lambda: self.browse())
        for lead in self.filtered("nurture_step_id"):
            if (lead.id, lead.nurture_step_id.id) not in done:
                by_step[lead.nurture_step_id] |= lead
        for step, leads in by_step.items():
            try:
                with self.env.cr.savepoint():
                    leads._pla_nurture_perform(step)
            except CONCURRENCY_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - retried lead by lead below
                _logger.warning("Nurture step %s failed in batch; one by one", step.id)
                for lead in leads:
                    lead._pla_nurture_perform_one_safely(step)
        self._pla_nurture_advance(today)
        return True

    def _pla_nurture_perform_one_safely(self, step):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._pla_nurture_perform(step)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - one lead must not stop all
            _logger.exception("Nurture step %s failed on lead %s", step.id, self.id)
            self.env["pharmacy.nurture.step.run"].sudo().create(
                {
                    "lead_id": self.id,
                    "step_id": step.id,
                    "result": "failed",
                    "note": str(error)[:200],
                }
            )
            self.message_post(
                body=self.env._(
                    "The nurture step “%(step)s” failed and was skipped: %(error)s",
                    step=step.name,
                    error=str(error),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _pla_nurture_advance(self, today):
        """Move each lead to the step after the one it was on."""
        moves = defaultdict(lambda: self.browse())
        for lead in self.filtered("nurture_step_id"):
            moves[lead.nurture_step_id._pla_next()] |= lead
        for following, leads in moves.items():
            if following:
                super(CrmLead, leads).write(
                    {
                        "nurture_step_id": following.id,
                        "nurture_next_date": today
                        + relativedelta(days=following.wait_days),
                    }
                )
            else:
                super(CrmLead, leads).write(
                    {
                        "nurture_state": lifecycle.NURTURE_COMPLETED,
                        "nurture_step_id": False,
                        "nurture_next_date": False,
                    }
                )
        return True

    def _pla_nurture_perform(self, step):
        """Do ``step`` for these leads at once and write one step-run row per
        lead; leads that must not get it are skipped, with a note."""
        notes = {
            "prescription": self.env._(
                "prescription content goes only to doctors, clinics and care homes"
            ),
            "no_consent": self.env._("no marketing consent"),
            "no_email": self.env._("no usable e-mail address"),
            "blacklisted": self.env._("the address is blacklisted"),
        }
        runs, skipped, todo = [], {}, self.browse()
        for lead in self:
            skip = lifecycle.step_skip_reason(
                step.action == "email",
                step.prescription_content,
                lead.pharmacy_segment,
                lead.marketing_consent,
                lead.is_blacklisted,
                bool(lead.email_normalized),
            )
            if skip:
                skipped[lead.id] = skip
                runs.append(
                    {
                        "lead_id": lead.id,
                        "step_id": step.id,
                        "result": "skipped",
                        "note": notes[skip],
                    }
                )
            else:
                todo |= lead
                runs.append({"lead_id": lead.id, "step_id": step.id, "result": "done"})
        if skipped:
            self.browse(list(skipped))._message_log_batch(
                {
                    lead_id: self.env._(
                        "Nurture step “%(step)s” skipped: %(why)s.",
                        step=step.name,
                        why=notes[why],
                    )
                    for lead_id, why in skipped.items()
                }
            )
        if todo and step.action == "activity":
            model_id = self.env["ir.model"]._get_id(self._name)
            deadline = step.activity_type_id._get_date_deadline()
            # one notification per automatic activity would flood the desk's
            # inbox: the activities show in their activity menu instead
            self.env["mail.activity"].sudo().with_context(
                mail_activity_quick_update=True
            ).create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": lead.id,
                        "activity_type_id": step.activity_type_id.id,
                        "summary": step.summary or step.name,
                        "note": step.note,
                        "user_id": (
                            step.user_id
                            if step.assign_to == "user" and step.user_id
                            else lead.user_id or lead.team_id.user_id or self.env.user
                        ).id,
                        "date_deadline": deadline,
                    }
                    for lead in todo
                ]
            )
        elif todo:
            step.mail_template_id.send_mail_batch(todo.ids, force_send=False)
        self.env["pharmacy.nurture.step.run"].sudo().create(runs)
        return True

    # ------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------

    def _pla_sla_follow_state(self, new_state):
        """Start, meet or close SLA clocks as the lead moves."""
        if new_state == lifecycle.HANDED_OFF:
            self._pla_sla_start(sla.KIND_RESPONSE)
            return
        if new_state in (lifecycle.LOST, lifecycle.DISQUALIFIED, lifecycle.WON):
            self._pla_sla_close()
            return
        self._pla_sla_reach(sla.KIND_RESPONSE)
        if new_state == lifecycle.ACCEPTED:
            self._pla_sla_start(sla.KIND_CONTACT)
        elif new_state in (lifecycle.NURTURING, lifecycle.INQUIRY):
            self._pla_sla_close()

    def _pla_sla_start(self, kind):
        """Start the clock of the policy that applies to each lead (by team and
        grade, see :func:`tools.sla.pick_policy`)."""
        leads = self.filtered("team_id")
        if not leads:
            return self.env["pharmacy.lead.sla"]
        Policy = self.env["pharmacy.sla.policy"].sudo()
        policies = Policy.search(
            [("kind", "=", kind), ("company_id", "in", leads.company_id.ids)]
        )
        data = [
            {
                "id": policy.id,
                "sequence": policy.sequence,
                "team_ids": set(policy.team_ids.ids),
                "min_grade": policy.min_grade or None,
            }
            for policy in policies
        ]
        now = fields.Datetime.now()
        vals_list = []
        for lead in leads:
            picked = sla.pick_policy(data, lead.team_id.id, lead.lead_grade)
            if not picked:
                continue
            policy = Policy.browse(picked["id"])
            deadline = policy._pla_deadline(now).replace(tzinfo=None, microsecond=0)
            vals_list.append(
                {
                    "lead_id": lead.id,
                    "policy_id": policy.id,
                    "kind": kind,
                    "team_id": lead.team_id.id,
                    "start": now,
                    "deadline": deadline,
                    "company_id": policy.company_id.id,
                }
            )
        clocks = self.env["pharmacy.lead.sla"].sudo().create(vals_list)
        clocks.lead_id._pla_sla_refresh()
        return clocks

    def _pla_sla_open_clocks(self, kind=None):
        """Clocks of these leads still waiting for their condition (running,
        or breached and not reached yet), most urgent first."""
        domain = [
            ("lead_id", "in", self.ids),
            ("state", "in", [sla.RUNNING, sla.BREACHED]),
            ("reached_date", "=", False),
        ]
        if kind:
            domain.append(("kind", "=", kind))
        return self.env["pharmacy.lead.sla"].sudo().search(domain, order="deadline")

    def _pla_sla_reach(self, kind):
        """The condition of the running ``kind`` clocks is fulfilled now."""
        clocks = self._pla_sla_open_clocks(kind)
        now = fields.Datetime.now()
        for clock in clocks:
            clock.write(
                {
                    "reached_date": now,
                    "state": sla.reached_state(clock.deadline, now),
                    "hours_taken": clock._pla_working_hours(clock.start, now),
                }
            )
        clocks.lead_id._pla_sla_refresh()
        return clocks

    def _pla_sla_close(self):
        """The lead left the flow: running clocks stop without a breach."""
        clocks = (
            self.env["pharmacy.lead.sla"]
            .sudo()
            .search([("lead_id", "in", self.ids), ("state", "=", sla.RUNNING)])
        )
        clocks.write({"state": sla.CLOSED})
        clocks.lead_id._pla_sla_refresh()
        return clocks

    def _pla_sla_refresh(self):
        """Copy the most urgent open clock onto the lead (kanban, filters)."""
        clocks = self._pla_sla_open_clocks()
        first = {}
        for clock in clocks:
            first.setdefault(clock.lead_id.id, clock)
        rows = []
        for lead in self:
            clock = first.get(lead.id)
            rows.append(
                (
                    lead.id,
                    clock.state if clock else None,
                    clock.deadline if clock else None,
                    clock.start + (clock.deadline - clock.start) * 3 / 4
                    if clock
                    else None,
                )
            )
        fnames = ["sla_state", "sla_deadline", "sla_risk_date"]
        self.flush_recordset(fnames)
        self._pla_update_leads(
            SQL(
                "sla_state = v.state, sla_deadline = v.deadline, sla_risk_date = v.risk"
            ),
            [("state", "varchar"), ("deadline", "timestamp"), ("risk", "timestamp")],
            rows,
        )
        self.invalidate_recordset(fnames + ["sla_colour", "sla_at_risk"])
        return True

    def message_post(self, **kwargs):
        """A message sent to the customer is a first contact; an internal
        note, or a message no one outside the company receives, is not."""
        message = super().message_post(**kwargs)
        if (
            self.sla_state
            and message.message_type == "comment"
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and not self.env.user.share
            and (
                message.sudo().partner_ids | message.sudo().notified_partner_ids
            ).filtered(
                lambda partner: (
                    not partner.user_ids or all(user.share for user in partner.user_ids)
                )
            )
        ):
            self._pla_sla_reach(sla.KIND_CONTACT)
        return message

    @api.model
    def _pla_sla_queues(self, now):
        """SQL conditions on ``clock`` (a ``pharmacy_lead_sla``) and ``policy``
        (its policy) of the clocks with work due ``now``: a meeting held to
        record, a breach to mark, an escalation to send. The escalation is
        due as :func:`~..tools.sla.escalation_due` decides."""
        held = SQL(
            "clock.kind = %s AND clock.state IN %s AND clock.reached_date IS NULL"
            " AND EXISTS (SELECT 1 FROM calendar_event event"
            " WHERE event.opportunity_id = clock.lead_id AND event.active"
            " AND event.stop <= %s AND event.start >= clock.start)",
            sla.KIND_CONTACT,
            (sla.RUNNING, sla.BREACHED),
            now,
        )
        breach = SQL("clock.state = %s AND clock.deadline < %s", sla.RUNNING, now)
        escalate = SQL(
            "clock.state = %s AND clock.reached_date IS NULL"
            " AND clock.escalation_level < %s AND (clock.escalation_level = 0"
            " OR clock.deadline + interval '1 hour'"
            " * COALESCE(policy.escalation_delay, 0) * clock.escalation_level <= %s)",
            sla.BREACHED,
            sla.MAX_LEVEL,
            now,
        )
        return held, breach, escalate

    @api.model
    def _pla_sla_claim(self, condition, limit):
        """Ids of up to ``limit`` clocks meeting ``condition``, most urgent
        first, each locked with its lead for this transaction (``None`` as in
        :meth:`_pla_claim_rows`). All the work on a lead, its chatter, its
        activities and followers included, is done by the run that holds it."""
        self.env.flush_all()
        return self._pla_claim_rows(
            SQL(
                "SELECT clock.id FROM pharmacy_lead_sla clock"
                " JOIN crm_lead lead ON lead.id = clock.lead_id"
                " JOIN pharmacy_sla_policy policy ON policy.id = clock.policy_id"
                " WHERE %s ORDER BY clock.deadline, clock.id LIMIT %s"
                " FOR NO KEY UPDATE OF clock, lead SKIP LOCKED",
                condition,
                limit,
            )
        )

    @api.model
    def _pla_sla_meeting_starts(self, clocks, now):
        """``{clock id: start of its first meeting held}``."""
        self.env["calendar.event"].flush_model(
            ["opportunity_id", "start", "stop", "active"]
        )
        self.env.cr.execute(
            SQL(
                "SELECT clock.id, min(event.start) FROM pharmacy_lead_sla clock"
                " JOIN calendar_event event ON event.opportunity_id = clock.lead_id"
                " WHERE clock.id = ANY(%s) AND event.active"
                " AND event.stop <= %s AND event.start >= clock.start"
                " GROUP BY clock.id",
                clocks.ids,
                now,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _pla_sla_reach_held(self, clocks, now, with_hours=True):
        """A meeting of the lead's calendar held since the clock started is
        a first contact, reached when the meeting began. Set aside (a lead
        that failed), the working hours are not counted."""
        held = self._pla_sla_meeting_starts(clocks, now)
        for clock in clocks.filtered(lambda clock: clock.id in held):
            start = held[clock.id]
            values = {
                "reached_date": start,
                "state": sla.reached_state(clock.deadline, start),
            }
            if with_hours:
                values["hours_taken"] = clock._pla_working_hours(clock.start, start)
            clock.write(values)
        if with_hours:
            clocks.lead_id._pla_sla_refresh()

    @api.model
    def _pla_sla_set_aside_held(self, clocks, now):
        self._pla_sla_reach_held(clocks, now, with_hours=False)

    @api.model
    def _pla_sla_breach(self, clocks, now):
        """Mark the clocks breached, with a note on their leads' chatter."""
        clocks.write({"state": sla.BREACHED})
        notes = defaultdict(list)
        for clock in clocks:
            notes[clock.lead_id.id].append(
                self.env._(
                    "SLA breached: “%(policy)s” was due on %(deadline)s (UTC).",
                    policy=clock.policy_id.name,
                    deadline=fields.Datetime.to_string(clock.deadline),
                )
            )
        if notes:
            clocks.lead_id.mapped("name")  # one prefetch for the batch
            self.sudo().browse(list(notes))._message_log_batch(
                {lead_id: "<br/>".join(bodies) for lead_id, bodies in notes.items()}
            )
        clocks.lead_id._pla_sla_refresh()

    @api.model
    def _pla_sla_set_aside_breach(self, clocks, now):
        clocks.write({"state": sla.BREACHED})

    @api.model
    def _pla_sla_levels_due(self, clocks, now):
        due = defaultdict(lambda: clocks.browse())
        for clock in clocks:
            level = sla.escalation_due(
                clock.escalation_level,
                clock.deadline,
                now,
                clock.policy_id.escalation_delay,
            )
            if level:
                due[level] |= clock
        return due

    @api.model
    def _pla_sla_escalate(self, clocks, now):
        """Warn the next level of each clock (one ``create`` per level)."""
        for level, level_clocks in self._pla_sla_levels_due(clocks, now).items():
            level_clocks._pla_escalate(level)

    @api.model
    def _pla_sla_set_aside_escalation(self, clocks, now):
        for level, level_clocks in self._pla_sla_levels_due(clocks, now).items():
            level_clocks.write({"escalation_level": level})

    @api.model
    def _pla_sla_safely(self, clocks, work, set_aside, now):
        """``work(clocks, now)``; when it fails, lead by lead. A lead that
        still fails gets ``set_aside(clocks, now)`` (its clocks are marked as
        handled, so that no run tries them again) and a note on its chatter;
        the other leads go on."""
        try:
            with self.env.cr.savepoint():
                work(clocks, now)
            return
        except CONCURRENCY_ERRORS:
            raise
        except Exception:  # noqa: BLE001 - retried lead by lead below
            _logger.warning("SLA batch failed; retrying lead by lead")
        for lead, lead_clocks in clocks.grouped("lead_id").items():
            try:
                with self.env.cr.savepoint():
                    work(lead_clocks, now)
                continue
            except CONCURRENCY_ERRORS:
                raise
            except Exception as error:  # noqa: BLE001 - one lead must not stop all
                _logger.exception("SLA check failed on lead %s", lead.id)
                message = str(error)
            try:
                with self.env.cr.savepoint():
                    set_aside(lead_clocks, now)
                    lead._message_log(
                        body=self.env._(
                            "The SLA check could not process this lead and "
                            "skipped it: %(error)s",
                            error=message,
                        )
                    )
            except CONCURRENCY_ERRORS:
                raise
            except Exception:  # noqa: BLE001 - retried by the next run
                _logger.exception("SLA clocks of lead %s left as they are", lead.id)

    @api.model
    def _cron_check_sla(self, batch_size=1000):
        """Every 15 minutes: record meetings held, mark breaches and escalate
        them, level by level.

        A batch locks its clocks with their leads (``SKIP LOCKED``), so a run
        beside it (a second worker, a manual run) takes other leads, never
        the same ones; the level is stored with the warning, so a level is
        never warned twice. ``ir.cron`` progress tells how many clocks still
        have work due, so that a backlog above one batch is worked off at
        once. A lead whose clocks fail is noted on its chatter and set aside,
        the others go on.
        """
        now = fields.Datetime.now()
        Clock = self.env["pharmacy.lead.sla"].sudo()
        held, breach, escalate = self._pla_sla_queues(now)
        done = Clock
        for condition, work, set_aside in (
            (held, self._pla_sla_reach_held, self._pla_sla_set_aside_held),
            (breach, self._pla_sla_breach, self._pla_sla_set_aside_breach),
            (escalate, self._pla_sla_escalate, self._pla_sla_set_aside_escalation),
        ):
            clock_ids = self._pla_sla_claim(condition, batch_size)
            if clock_ids is None:
                break
            clocks = Clock.browse(clock_ids)
            self._pla_sla_safely(clocks, work, set_aside, now)
            done |= clocks
        self.env["ir.cron"]._notify_progress(
            done=len(done), remaining=self._pla_sla_remaining(now)
        )
        return True

    @api.model
    def _pla_sla_remaining(self, now):
        """How many clocks still have SLA work due at ``now``."""
        held, breach, escalate = self._pla_sla_queues(now)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM pharmacy_lead_sla clock"
                " JOIN pharmacy_sla_policy policy ON policy.id = clock.policy_id"
                " WHERE (%s) OR (%s) OR (%s)",
                held,
                breach,
                escalate,
            )
        )
        return self.env.cr.fetchone()[0]

    # ------------------------------------------------------------
    # FEEDBACK
    # ------------------------------------------------------------

    def action_open_review(self):
        """Sales: the review wizard (accept or reject) for these leads."""
        self._pla_check_reviewable()
        return self._pla_wizard_action("crm_lead_review_action")

    def action_open_flag(self):
        """Desk: the wizard to flag leads that sales mishandled."""
        self._pla_require_desk()
        self._pla_check_flaggable()
        return self._pla_wizard_action("crm_lead_flag_action")

    def action_review_accept(self, rating=None, comment=None):
        """Sales: accept handed-off leads, optionally rating their quality.

        Public for RPC. Meets the response SLA and writes the review.

        :param int rating: 1 (poor) to 5 (excellent), optional
        :param str comment: optional
        :return: True
        """
        args = RpcArgs(self.env)
        rating = args.rating("rating", rating)
        comment = args.text("comment", comment)
        self._pla_check_reviewable()
        rating = self._pla_review_rating(rating, required=False)
        self.with_context(**{REVIEW_KEY: (False, rating, comment or False)}).write(
            {"lifecycle_state": lifecycle.ACCEPTED}
        )
        return True

    def action_review_reject(self, reason_id, rating, comment=None, recycle_date=None):
        """Sales: reject handed-off leads with a reason and a quality rating.

        Public for RPC. The reason decides what happens to the leads: back to
        nurturing (recycle), back to the desk in Inquiry (return) or
        disqualified. Meets the response SLA and writes the review.

        :param int reason_id: a ``pharmacy.feedback.reason`` of sales
        :param int rating: 1 (poor) to 5 (excellent), required
        :param str comment: optional
        :param recycle_date: for a recycling reason, when the leads come back
        :return: True
        """
        args = RpcArgs(self.env)
        reason_id = args.record_id("reason_id", reason_id, required=False)
        rating = args.rating("rating", rating)
        comment = args.text("comment", comment)
        recycle_date = args.date("recycle_date", recycle_date)
        self._pla_check_reviewable()
        reason = self._pla_feedback_reason(reason_id, feedback.DIRECTION_SALES)
        rating = self._pla_review_rating(rating, required=True)
        when = fields.Date.to_date(recycle_date) if recycle_date else False
        if reason.action == feedback.ACTION_RECYCLE:
            if reason.ask_recycle_date and not when:
                raise UserError(
                    self.env._(
                        "The reason “%(reason)s” asks when the lead comes back: "
                        "give the date to return it to nurturing.",
                        reason=reason.name,
                    )
                )
            if when and when < fields.Date.context_today(self):
                raise UserError(
                    self.env._(
                        "The lead cannot come back on %(date)s, a day that has "
                        "passed: choose today or a later day.",
                        date=fields.Date.to_string(when),
                    )
                )
        text = f"{reason.name}: {comment}" if comment else reason.name
        leads = self.with_context(**{REVIEW_KEY: (reason.id, rating, comment or False)})
        if reason.action == feedback.ACTION_RECYCLE:
            leads.action_recycle(text, when)
            return True
        state = (
            lifecycle.INQUIRY
            if reason.action == feedback.ACTION_RETURN
            else lifecycle.DISQUALIFIED
        )
        by_desk = defaultdict(list)
        for lead in leads:
            by_desk[lead._pla_recycle_desk()].append(lead.id)
        for desk, lead_ids in by_desk.items():
            moved = leads.browse(lead_ids).sudo().with_context(**{REASON_KEY: text})
            moved.write(
                {"lifecycle_state": state, "team_id": desk.id, "user_id": False}
            )
            moved.flush_recordset()  # see action_recycle: out of the caller's sight
        return True

    def action_flag_mishandled(self, reason_id, comment=None):
        """Desk: flag accepted leads that sales mishandled.

        Public for RPC. The team leader gets an activity on each lead and the
        flag counts in the SLA ledger.

        :param int reason_id: a ``pharmacy.feedback.reason`` of marketing
        :param str comment: optional
        :return: the created ``pharmacy.lead.feedback`` records
        """
        args = RpcArgs(self.env)
        reason_id = args.record_id("reason_id", reason_id, required=False)
        comment = args.text("comment", comment)
        self._pla_require_desk()
        self._pla_check_flaggable()
        reason = self._pla_feedback_reason(reason_id, feedback.DIRECTION_MARKETING)
        Feedback = trusted(self.env["pharmacy.lead.feedback"].sudo())
        already = Feedback.search(
            [
                ("lead_id", "in", self.ids),
                ("reason_id", "=", reason.id),
                ("verdict", "=", feedback.VERDICT_FLAG),
            ],
            limit=1,
        )
        if already:
            raise UserError(
                self.env._(
                    "“%(lead)s” is already flagged as “%(reason)s”.",
                    lead=already.lead_name,
                    reason=reason.name,
                )
            )
        leaders = {}
        for lead in self:
            leader = (
                lead.team_id.user_id
                or (lead.company_id or self.env.company).sudo().sla_sales_manager_id
            )
            if not leader:
                raise UserError(
                    self.env._(
                        "Nobody leads the sales team “%(team)s” of “%(lead)s”: set "
                        "its team leader (or the company's SLA sales manager) so "
                        "that the flag reaches someone.",
                        team=lead.team_id.display_name,
                        lead=lead.display_name,
                    )
                )
            leaders[lead.id] = leader
        handoffs = self._pla_last_handoffs()
        reviews = Feedback.create(
            [
                {
                    **Feedback._pla_snapshot(lead),
                    "direction": feedback.DIRECTION_MARKETING,
                    "verdict": feedback.VERDICT_FLAG,
                    "reason_id": reason.id,
                    "comment": comment or False,
                    "team_id": lead.team_id.id,
                    "handoff_user_id": handoffs.get(lead.id, (False, False))[1],
                    "user_id": self.env.uid,
                }
                for lead in self
            ]
        )
        activity_type = self.env.ref(
            "pharmacy_lead_alignment.mail_activity_type_mishandled"
        )
        model_id = self.env["ir.model"]._get_id(self._name)
        deadline = fields.Date.context_today(self) + relativedelta(
            days=activity_type.delay_count or 1
        )
        self.env["mail.activity"].sudo().create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": lead.id,
                    "activity_type_id": activity_type.id,
                    "user_id": leaders[lead.id].id,
                    "date_deadline": deadline,
                    "summary": self.env._(
                        "Flagged by marketing: %(reason)s", reason=reason.name
                    ),
                    "note": comment or False,
                }
                for lead in self
            ]
        )
        return reviews

    def _pla_recycle_desk(self):
        """The lead desk a rejected lead goes back to."""
        self.ensure_one()
        company = self.company_id or self.env.company
        desk = company.sudo().lead_desk_team_id
        if not desk:
            raise UserError(
                self.env._(
                    "%(company)s has no lead desk to send rejected leads back to: "
                    "choose one in the CRM settings.",
                    company=company.display_name,
                )
            )
        return desk

    def _pla_check_reviewable(self):
        """Only handed-off leads, reviewed by their own sales team."""
        if not self:
            raise UserError(self.env._("Select the leads to review."))
        for lead in self:
            if lead.lifecycle_state != lifecycle.HANDED_OFF:
                raise UserError(
                    self.env._(
                        "Only handed-off leads can be reviewed; “%(lead)s” is in "
                        "the state “%(state)s”.",
                        lead=lead.display_name,
                        state=lead._pla_state_label(lead.lifecycle_state),
                    )
                )
        self._pla_check_decider()

    def _pla_check_flaggable(self):
        if not self:
            raise UserError(self.env._("Select the leads to flag."))
        for lead in self:
            if lead.lead_origin != lifecycle.ORIGIN_MARKETING or (
                lead.lifecycle_state
                not in (lifecycle.ACCEPTED, lifecycle.OPPORTUNITY, lifecycle.LOST)
            ):
                raise UserError(
                    self.env._(
                        "Only leads the desk handed off and sales accepted can be "
                        "flagged as mishandled; “%(lead)s” is in the state "
                        "“%(state)s”.",
                        lead=lead.display_name,
                        state=lead._pla_state_label(lead.lifecycle_state),
                    )
                )

    def _pla_feedback_reason(self, reason_id, direction):
        """The reason given, checked against the direction and the companies."""
        reason = (
            self.env["pharmacy.feedback.reason"]
            .sudo()  # a reason of another company gets a clear error below
            .browse(reason_id)
            .exists()
        )
        if not reason_id or not reason:
            raise UserError(
                self.env._("Choose the reason for this feedback from the list.")
                if direction == feedback.DIRECTION_MARKETING
                else self.env._(
                    "A rejection needs a reason: choose why the lead is not "
                    "right for sales."
                )
            )
        if reason.direction != direction:
            raise UserError(
                self.env._(
                    "“%(reason)s” is not a reason for this kind of feedback: "
                    "choose one from the list.",
                    reason=reason.name,
                )
            )
        for lead in self:
            company = lead.company_id or self.env.company
            if reason.company_id and reason.company_id != company:
                raise UserError(
                    self.env._(
                        "The reason “%(reason)s” belongs to %(other)s, the lead "
                        "“%(lead)s” to %(company)s: choose a reason of the lead's "
                        "company.",
                        reason=reason.name,
                        other=reason.company_id.display_name,
                        lead=lead.display_name,
                        company=company.display_name,
                    )
                )
        return reason

    def _pla_review_rating(self, rating, required):
        try:
            return feedback.check_rating(rating, required=required)
        except feedback.FeedbackError as error:
            if error.code == "rating_required":
                message = self.env._(
                    "A rejection needs a quality rating: give the lead 1 (poor) "
                    "to 5 (excellent) stars."
                )
            else:
                message = self.env._(
                    "The quality rating of a lead goes from 1 (poor) to 5 "
                    "(excellent), not %(rating)s.",
                    rating=rating,
                )
            raise UserError(message) from error

    def _pla_last_handoffs(self):
        """``{lead id: (team id, user id)}`` of each lead's last hand-off."""
        if not self.ids:
            return {}
        self.env["pharmacy.lead.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (lead_id) lead_id, team_id, user_id
                  FROM pharmacy_lead_event
                 WHERE lead_id IN %s AND to_state = %s
                   AND from_state IS DISTINCT FROM to_state
                 ORDER BY lead_id, id DESC
                """,
                tuple(self.ids),
                lifecycle.HANDED_OFF,
            )
        )
        return {lead_id: (team, user) for lead_id, team, user in self.env.cr.fetchall()}

    def _pla_feedback_from_events(self, events):
        """Write the review of every lead that left "handed off" (accepted or
        rejected by sales) and of every marketing lead lost downstream.

        :param events: ``(lead, from, to, reason, is_override)`` tuples
        """
        moves = [
            (lead, old, new, reason)
            for lead, old, new, reason, _override in events
            if (old == lifecycle.HANDED_OFF and new in REVIEW_MOVES)
            or (
                new == lifecycle.LOST
                and old
                in (lifecycle.HANDED_OFF, lifecycle.ACCEPTED, lifecycle.OPPORTUNITY)
                and lead.lead_origin == lifecycle.ORIGIN_MARKETING
            )
        ]
        if not moves:
            return
        review = self.env.context.get(REVIEW_KEY) or (False, 0, False)
        reason_id, rating, comment = review
        leads = self.browse([lead.id for lead, *_rest in moves])
        handoffs = leads._pla_last_handoffs()
        Feedback = trusted(self.env["pharmacy.lead.feedback"].sudo())
        vals_list = []
        for lead, _old, new, text in moves:
            team_id, handoff_user_id = handoffs.get(lead.id, (False, False))
            vals = {
                **Feedback._pla_snapshot(lead),
                "direction": feedback.DIRECTION_SALES,
                "team_id": team_id or lead.team_id.id,
                "handoff_user_id": handoff_user_id,
                "user_id": self.env.uid,
            }
            if new == lifecycle.LOST:
                vals.update(
                    verdict=feedback.VERDICT_LOST,
                    lost_reason_id=lead.lost_reason_id.id,
                )
            else:
                vals.update(
                    verdict=feedback.VERDICT_ACCEPT
                    if new == lifecycle.ACCEPTED
                    else feedback.VERDICT_REJECT,
                    reason_id=reason_id,
                    rating=rating or 0,
                    comment=comment or text or False,
                )
            vals_list.append(vals)
        Feedback.create(vals_list)

    def _pla_feedback_lost_reason(self):
        """Odoo writes the lost reason after archiving the lead: copy it onto
        the lost review written a moment before."""
        Feedback = trusted(self.env["pharmacy.lead.feedback"].sudo())
        reviews = Feedback.search(
            [
                ("lead_id", "in", self.ids),
                ("verdict", "=", feedback.VERDICT_LOST),
                ("lost_reason_id", "=", False),
            ]
        )
        for review in reviews:
            review.lost_reason_id = review.lead_id.lost_reason_id

    @api.model
    def _cron_send_feedback_digest(self):
        """Once a week, e-mail each desk member the feedback on the leads they
        handed off the week before. Running it twice in a week sends nothing
        more; a member whose e-mail fails is logged and skipped.

        The run locks the parameter that marks the week sent: a run started
        beside it finds it locked, or changed since its own transaction
        began, and returns at once without sending."""
        today = fields.Date.context_today(self)
        week_start = today - relativedelta(days=today.weekday())
        period_start = week_start - relativedelta(weeks=1)
        Param = self.env["ir.config_parameter"].sudo()
        sent = self._pla_claim_param(DIGEST_PARAM, "")
        if sent is None or sent == fields.Date.to_string(period_start):
            return False
        start = datetime.combine(period_start, datetime.min.time())
        end = datetime.combine(week_start, datetime.min.time())
        reviews = (
            self.env["pharmacy.lead.feedback"]
            .sudo()
            .search(
                [
                    ("direction", "=", feedback.DIRECTION_SALES),
                    ("date", ">=", start),
                    ("date", "<", end),
                    ("handoff_user_id", "!=", False),
                ]
            )
        )
        template = self.env.ref(
            "pharmacy_lead_alignment.mail_template_feedback_digest"
        ).sudo()
        by_user = defaultdict(lambda: self.env["pharmacy.lead.feedback"].sudo())
        for review in reviews:
            by_user[review.handoff_user_id] |= review
        base_url = self.get_base_url()
        for user, user_reviews in by_user.items():
            if not user.active or not user.has_group(GROUP_DESK):
                continue
            verdicts = dict(
                user_reviews._fields["verdict"]._description_selection(
                    user_reviews.with_context(lang=user.lang).env
                )
            )
            summary = feedback.feedback_summary(
                [
                    {
                        "verdict": review.verdict,
                        "reason": review.reason_id.with_context(lang=user.lang).name
                        or review.lost_reason_id.with_context(lang=user.lang).name
                        or None,
                        "rating": review.rating or None,
                        "lead_id": review.lead_id.id,
                        "lead_name": review.lead_name,
                    }
                    for review in user_reviews
                ]
            )
            summary["verdict_labels"] = verdicts
            summary["period_start"] = period_start
            summary["period_end"] = week_start - relativedelta(days=1)
            summary["lead_url"] = f"{base_url}/odoo/crm.lead/"
            try:
                with self.env.cr.savepoint():
                    template.with_context(pla_digest=summary).send_mail(
                        user.id, email_layout_xmlid="mail.mail_notification_light"
                    )
            except CONCURRENCY_ERRORS:
                raise
            except Exception:
                _logger.exception("Feedback digest for user %s failed", user.id)
        Param.set_param(DIGEST_PARAM, fields.Date.to_string(period_start))
        return True
