# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SLA clocks: a hand-off starts a two-sided promise.

Handing leads off starts their response clock (sales accept or reject them in
time); accepting them meets it and starts the contact clock (sales reach the
customer: a call or meeting marked done, a message sent to them, a meeting
held); leaving the flow closes the running clocks
(:meth:`CrmLead._pla_sla_follow_state`). The policy of each clock
(``pharmacy.sla.policy``) is picked by team and grade; the lead shows its
most urgent open clock. A job every 15 minutes records the meetings held,
marks the breaches and escalates them, level by level.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import lifecycle, sla
from .crm_lead import _logger
from .pharmacy_activity import automatic_activities, close_activities

#: The states in which a breached clock still escalates: the lead is with sales.
ESCALATED_STATES = (lifecycle.HANDED_OFF, lifecycle.ACCEPTED, lifecycle.OPPORTUNITY)


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    sla_ids = fields.One2many("pharmacy.lead.sla", "lead_id", string="SLA Clocks")
    sla_state = fields.Selection(
        sla.LEAD_STATE_SELECTION,
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

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("sla_state", "sla_deadline", "sla_risk_date")
    def _compute_sla_colour(self):
        """The colour of the most urgent open clock, as
        :func:`tools.sla.colour` decides."""
        now = fields.Datetime.now()
        for lead in self:
            lead.sla_colour = (
                sla.colour(
                    lead.sla_deadline, lead.sla_risk_date, now, state=lead.sla_state
                )
                or False
            )
            lead.sla_at_risk = lead.sla_colour in (sla.AMBER, sla.RED) and (
                lead.sla_state == sla.RUNNING
            )

    def _search_sla_at_risk(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        domain = [
            ("sla_state", "=", sla.RUNNING),
            ("sla_risk_date", "<=", fields.Datetime.now()),
        ]
        return domain if (operator == "=") == value else ["!", "&", *domain]

    # ------------------------------------------------------------
    # THE LIFECYCLE HOOK, MESSAGES
    # ------------------------------------------------------------

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        result = super()._pla_on_lifecycle_change(
            events, new_state, direct=direct, review=review
        )
        self._pla_sla_follow_state(new_state)
        return result

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

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

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
            sla.OPEN_STATES,
            now,
        )
        breach = SQL("clock.state = %s AND clock.deadline < %s", sla.RUNNING, now)
        # a breach stays a breach, but a lead that left sales (lost, won,
        # disqualified, sent back to the desk) is no longer escalated
        escalate = SQL(
            "clock.state = %s AND clock.reached_date IS NULL"
            " AND clock.escalation_level < %s AND (clock.escalation_level = 0"
            " OR clock.deadline + interval '1 hour'"
            " * COALESCE(policy.escalation_delay, 0) * clock.escalation_level <= %s)"
            " AND EXISTS (SELECT 1 FROM crm_lead escalated"
            " WHERE escalated.id = clock.lead_id"
            " AND escalated.lifecycle_state IN %s)",
            sla.BREACHED,
            sla.MAX_LEVEL,
            now,
            ESCALATED_STATES,
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
    def _pla_sla_safely(self, clocks, work, set_aside, now):
        """``work(clocks, now)``; when it fails, lead by lead. A lead that
        still fails gets ``set_aside(clocks, now)`` (its clocks are marked as
        handled, so that no run tries them again) and a note on its chatter;
        the other leads go on (see :meth:`_pla_attempt`)."""
        if self._pla_attempt(work, clocks, now) is None:
            return
        _logger.warning("SLA batch failed; retrying lead by lead")
        for lead, lead_clocks in clocks.grouped("lead_id").items():
            error = self._pla_attempt(work, lead_clocks, now)
            if error is None:
                continue
            _logger.exception("SLA check failed on lead %s", lead.id, exc_info=error)
            failed = self._pla_attempt(
                lead._pla_sla_set_aside_noted, set_aside, lead_clocks, now, str(error)
            )
            if failed is not None:  # retried by the next run
                _logger.exception(
                    "SLA clocks of lead %s left as they are", lead.id, exc_info=failed
                )

    def _pla_sla_set_aside_noted(self, set_aside, clocks, now, message):
        """``set_aside(clocks, now)`` for a lead whose clocks failed, with a
        note of ``message`` on its chatter."""
        set_aside(clocks, now)
        self._message_log(
            body=self.env._(
                "The SLA check could not process this lead and skipped it: %(error)s",
                error=message,
            )
        )

    # ------------------------------------------------------------
    # THE CLOCKS
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
            deadline = policy._deadline(now).replace(tzinfo=None, microsecond=0)
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
            ("state", "in", sla.OPEN_STATES),
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
                    "hours_taken": clock._working_hours(clock.start, now),
                }
            )
        clocks.lead_id._pla_sla_refresh()
        clocks.filtered("escalation_level").lead_id._pla_sla_escalations_done()
        return clocks

    def _pla_sla_close(self):
        """The lead left the flow: running clocks stop without a breach, and
        the escalations of its breached ones no longer apply."""
        clocks = (
            self.env["pharmacy.lead.sla"]
            .sudo()
            .search([("lead_id", "in", self.ids), ("state", "=", sla.RUNNING)])
        )
        clocks.write({"state": sla.CLOSED})
        clocks.lead_id._pla_sla_refresh()
        close_activities(self._pla_sla_escalations())
        return clocks

    def _pla_sla_escalations_done(self):
        """What the escalations of these leads asked for happened: the
        clocks they warned about are reached (accepted or rejected in time
        or late, first contact made). Marked done, as Odoo's "Mark Done"."""
        close_activities(
            self._pla_sla_escalations(),
            done=True,
            feedback=self.env._("Done: the breached SLA clock is now reached."),
        )

    def _pla_sla_escalations(self):
        """The open escalations of these leads' breached clocks (see
        ``pharmacy.lead.sla._escalate``): automated to-dos of the leads for the
        people their escalated clocks warned (team leader, sales manager, head
        of the pharmacy). Two searches, whatever the number of leads."""
        Activity = self.env["mail.activity"].sudo()
        clocks = (
            self.env["pharmacy.lead.sla"]
            .sudo()
            .search([("lead_id", "in", self.ids), ("escalation_level", ">", 0)])
        )
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        if not clocks or not todo:
            return Activity
        warned = defaultdict(set)
        for clock in clocks:
            people = (
                clock.team_id.user_id
                | clock.company_id.sla_sales_manager_id
                | clock.company_id.alignment_head_id
            )
            warned[clock.lead_id.id].update(people.ids)
        return automatic_activities(clocks.lead_id, todo).filtered(
            lambda activity: activity.user_id.id in warned[activity.res_id]
        )

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
                    sla.risk_date(clock.start, clock.deadline) if clock else None,
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

    # ------------------------------------------------------------
    # THE CRON'S WORK ON CLOCKS
    # ------------------------------------------------------------

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
                values["hours_taken"] = clock._working_hours(clock.start, start)
            clock.write(values)
        if with_hours:
            clocks.lead_id._pla_sla_refresh()
            reached = clocks.filtered(lambda clock: clock.id in held)
            reached.filtered("escalation_level").lead_id._pla_sla_escalations_done()

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
            level_clocks._escalate(level)

    @api.model
    def _pla_sla_set_aside_escalation(self, clocks, now):
        for level, level_clocks in self._pla_sla_levels_due(clocks, now).items():
            level_clocks.write({"escalation_level": level})
