# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lead lifecycle: where a lead stands between the lead desk and sales.

This file owns the lifecycle of a lead (``lifecycle_state``, ``lead_origin``,
``is_desk_lead``, the event log), the transitions between states and the
checks on them, Odoo's won / lost / restore / conversion followed on the
state, and the hook that every move calls. ``create`` and ``write``
orchestrate the whole flow in one place; each step lives in the file of its
concern, all on ``crm.lead``:

* ``crm_lead_guards``: the fields only the module writes, who decides on a
  handed-off lead, the lowest grade to qualify;
* ``crm_lead_desk``: the desk's buttons (qualify, disqualify, reopen, hand
  off) and ``handoff_to``;
* ``crm_lead_batch``: how the scheduled jobs share work, set-based updates;
* ``crm_lead_gate``: new leads reach the desk and enter the flow, the gate;
* ``crm_lead_scoring``: fit and engagement scores, the MQL moves (the daily
  re-scoring in ``crm_lead_scoring_cron``);
* ``crm_lead_scoring_signals``: what a lead did, as engagement events;
* ``crm_lead_nurture``: nurture tracks, recycling, consents;
* ``crm_lead_sla``: the SLA clocks of a hand-off;
* ``crm_lead_feedback``: sales' reviews, the desk's flags, the digest;
* ``crm_lead_confidentiality``: sales never see a desk lead;
* ``crm_lead_merge``: merging and deleting keep the audit records;
* ``crm_lead_activities``: the desk's automatic activities, closed with
  what they asked for;
* ``crm_lead_routing``: the suggested sales team and salesperson.

Every applied transition calls :meth:`CrmLead._pla_on_lifecycle_change` once;
the concern files extend it to follow the new state. The module's own code
moves a lead with :meth:`CrmLead._pla_transition`, the reason and the review
as arguments (never in the context, which any RPC client writes), and writes
through ``write()``, never past it: a module installed after this one sees
every write.
"""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import lifecycle
from ..tools.groups import GROUP_DESK, GROUP_MANAGER
from ..tools.lifecycle import LifecycleError
from .pharmacy_audit_mixin import is_state_checked, is_trusted, state_checked, trusted

#: The logger of the whole ``crm.lead`` extension: its concern files log
#: under this name too, so that one log handler follows all of it.
_logger = logging.getLogger(__name__)

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
    # stock CRM's figure, shown beside the module's Score once sales have the
    # lead: say which is which
    probability = fields.Float(
        help="Sales' estimate of the chance to win this lead, from its stage (or "
        "Odoo's predictive scoring). Not the Score, which is marketing's measure "
        "of fit and engagement that decides qualification."
    )
    lifecycle_event_ids = fields.One2many(
        "pharmacy.lead.event", "lead_id", string="Lifecycle Events", readonly=True
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
        """Refuse values for system fields, route new leads to the desk,
        have them enter the flow and pass the gate (``crm_lead_gate``), score
        them (``crm_lead_scoring``), enrol them in nurturing
        (``crm_lead_nurture``)."""
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
        """A user's write (a button, a form, an import, RPC) or a trusted
        one of the module: see :meth:`_pla_write_flow`; a lifecycle state is
        moved as by :meth:`_pla_transition`, without a reason or a review.

        With the checked-state token (``pharmacy_audit_mixin.state_checked``)
        the values are written as they are: the module's own code checked the
        state, logs it and follows it itself."""
        if not self or is_state_checked(self):
            return super().write(vals)
        return self._pla_write_flow(vals, super().write)

    def _pla_transition(self, new_state, reason=False, review=None, values=None):
        """Move leads to ``new_state``: how the module's own code changes a
        lifecycle state (hand-off, review, recycling), as :meth:`write` does
        for a state a user writes.

        The move is checked against the transition table with ``reason`` (an
        override needs one), written with ``values`` through :meth:`write`
        (the modules installed after this one see it), logged with
        ``reason``, and followed by :meth:`_pla_on_lifecycle_change`, which
        gets ``review``. The guards on what a user may write apply unless
        ``self`` is trusted.

        :param str new_state: the lifecycle state to move to
        :param str reason: why, kept in the event log; mandatory for an
            override
        :param tuple review: ``(reason_id, rating, comment)``, the sales
            review of leads leaving "handed off"
        :param dict values: other values written with the state
        :return: True
        """
        if self:
            self._pla_write_flow(
                {**(values or {}), "lifecycle_state": new_state},
                state_checked(self).write,
                reason=reason,
                review=review,
            )
        return True

    def _pla_write_flow(self, vals, write_through, reason=False, review=None):
        """Refuse values for system fields and deciders outside the
        receiving team; check, write and log a change of lifecycle state, then
        call :meth:`_pla_on_lifecycle_change`; follow a conversion and Odoo's
        won / lost / restore on the state; copy a lost reason onto its review
        (``crm_lead_feedback``); bring leads that reach a role team into the
        flow, check the gate (``crm_lead_gate``); re-score when a field a fit
        rule reads changed (``crm_lead_scoring``).

        :param dict vals: the values to write
        :param write_through: what writes ``vals``: ``super().write`` from
            :meth:`write`, the public ``write()`` with the checked-state token
            from :meth:`_pla_transition`
        :param str reason: the reason of the transition, logged
        :param tuple review: passed on to :meth:`_pla_on_lifecycle_change`
        :return: what ``write_through`` returned
        """
        if not is_trusted(self):
            self._pla_check_system_fields(vals)
            if DECISION_FIELDS.intersection(vals):
                self.filtered(
                    lambda lead: lead.lifecycle_state == lifecycle.HANDED_OFF
                )._pla_check_decider()
        events = []
        if "lifecycle_state" in vals:
            events = self._pla_prepare_transition(vals["lifecycle_state"], reason)
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

        result = write_through(vals)

        if events:
            self._pla_log_events(events)
            self._pla_on_lifecycle_change(
                events, vals["lifecycle_state"], direct=True, review=review
            )
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

    # ------------------------------------------------------------
    # THE LIFECYCLE HOOK
    # ------------------------------------------------------------

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        """Called once per batch of applied transitions, after the new state
        is written and the events are logged: by :meth:`write` and
        :meth:`_pla_transition` for a state written directly (a button, a
        hand-off, a review, RPC), and by :meth:`_pla_apply_transition` for a
        move that follows another change (won, lost, restored, converted,
        scored, enrolled). Concern files extend it through ``super()``.

        ``self``: from ``write()`` and ``_pla_transition()``, every lead
        written, a lead that was in ``new_state`` already included (it has no
        event, but steps 2 to 4 see it); from ``_pla_apply_transition()``, the
        leads that moved.

        The effects run in this order:

        1. the review of the leads that left "handed off" or were lost
           downstream (``crm_lead_feedback``, before ``super()``);
        2. only when ``direct``: Odoo's own won / lost / opportunity follow
           the state (here, :meth:`_pla_apply_side_effects`); a move to won,
           lost or opportunity through ``_pla_apply_transition()`` comes
           from them already;
        3. the nurture graduates or drops (``crm_lead_nurture``);
        4. the SLA clocks start, are met or close (``crm_lead_sla``);
        5. the leads back with the desk take sales with them
           (``crm_lead_confidentiality``);
        6. the automatic activities the move fulfils are marked done, those
           it makes pointless are cancelled (``crm_lead_activities``; an SLA
           escalation follows its clock in step 4).

        Steps 3 to 6 run after ``super()``, in the order in which
        ``models/__init__.py`` imports their files.

        :param events: the ``(lead, from, to, reason, is_override)`` tuples
            just logged
        :param str new_state: the state the leads moved to
        :param bool direct: the state was written by ``write()`` or
            ``_pla_transition()``
        :param tuple review: ``(reason_id, rating, comment)`` given by sales
            to ``_pla_transition()``, else ``None``
        """
        if direct:
            self._pla_apply_side_effects(new_state)
        return True

    # ------------------------------------------------------------
    # TRANSITIONS
    # ------------------------------------------------------------

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
                names = {
                    "lead": lead.display_name,
                    "to": self._pla_state_label(new_state),
                }
                if old == lifecycle.LOST:
                    message = self.env._(
                        "“%(lead)s” is lost: restore it instead of changing its "
                        "lifecycle state to “%(to)s”; it then returns to the state "
                        "it had before.",
                        **names,
                    )
                else:
                    message = self.env._(
                        "“%(lead)s” is won: move it out of the won stage instead "
                        "of changing its lifecycle state to “%(to)s”; it then "
                        "returns to the state it had before.",
                        **names,
                    )
                raise UserError(message)
            kind = lead._pla_check_transition(
                old, new_state, reason=reason, can_override=can_override
            )
            below_grade = lead._pla_check_qualify_grade(
                old, new_state, reason=reason, can_override=can_override
            )
            needs_desk = needs_desk or old in lifecycle.GATED_STATES
            events.append(
                (lead, old, new_state, reason, kind == "override" or below_grade)
            )
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
        (won, lost, restored, converted), checked against the same table,
        written through ``write()`` with the checked-state token."""
        events = []
        for lead in self:
            if lead.lifecycle_state == new_state:
                continue
            lead._pla_check_transition(
                lead.lifecycle_state,
                new_state,
                previous=(previous or {}).get(lead.id),
            )
            # no automatic move qualifies a lead below the grade (no override)
            lead._pla_check_qualify_grade(lead.lifecycle_state, new_state)
            events.append((lead, lead.lifecycle_state, new_state, reason, False))
        if events:
            leads = self.browse([event[0].id for event in events])
            state_checked(leads).write({"lifecycle_state": new_state})
            self._pla_log_events(events)
            leads._pla_on_lifecycle_change(events, new_state)
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

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _pla_home_desk(self):
        """The lead desk a lead goes back to when sales reject it, whatever the
        rejection does: recycle, return or disqualify."""
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

    def _pla_state_label(self, state):
        labels = dict(self._fields["lifecycle_state"]._description_selection(self.env))
        return labels.get(state, state or self.env._("no state"))

    def _pla_wizard_action(self, action_xmlid):
        """The action of one of the module's wizards, on these leads (the
        desk's and sales' buttons open them)."""
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
