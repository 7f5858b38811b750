# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Nurturing: a lead not ready to buy follows a track of steps until it is.

Inquiry leads below the MQL threshold are enrolled in the first active track
of their company whose filter they match (``pharmacy.nurture.track``), and
move to Nurturing. A daily job runs the steps that are due, an activity or
an e-mail, each once per lead; an e-mail only with marketing consent, to a
usable address. Reaching MQL graduates the nurture; leaving the desk flow
another way drops it. Sales send a handed-off lead that is not ready back
here (:meth:`CrmLead.action_recycle`), paused until the day they give: it
then joins a matching track, or the desk is asked to decide, and only what it
does after the recycle can qualify it again (``scoring.qualifying_score``).
The lead's consents, which decide what it may receive, are summed up here
too.
"""

from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import activities, lifecycle, scoring
from .crm_lead import _logger
from .pharmacy_activity import close_activities, schedule_activities
from .pharmacy_audit_mixin import trusted
from .pharmacy_notification import lead_names, nurture_notification
from .pharmacy_rpc_args import RpcArgs


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

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
    recycle_count = fields.Integer(string="Times Recycled", copy=False, readonly=True)
    recycle_reason = fields.Char(copy=False, readonly=True)
    recycle_date = fields.Date(
        string="Back to Nurturing On",
        copy=False,
        readonly=True,
        help="Nurturing is paused until this day, then the lead is re-enrolled.",
    )
    recycled_at = fields.Datetime(
        string="Recycled On",
        copy=False,
        readonly=True,
        help="When sales last sent the lead back as not ready. Until it is handed "
        "off again, only the engagement it earns after this moment (with its fit) "
        "can qualify it on its own; the desk may still qualify it by hand.",
    )
    consent_ids = fields.One2many("pharmacy.lead.consent", "lead_id", string="Consents")
    processing_consent = fields.Boolean(
        compute="_compute_consents", store=True, string="Data Processing Consent"
    )
    marketing_consent = fields.Boolean(compute="_compute_consents", store=True)

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("consent_ids.kind", "consent_ids.is_valid")
    def _compute_consents(self):
        for lead in self:
            valid = lead.consent_ids.filtered("is_valid").mapped("kind")
            lead.processing_consent = lifecycle.CONSENT_PROCESSING in valid
            lead.marketing_consent = lifecycle.CONSENT_MARKETING in valid

    # ------------------------------------------------------------
    # THE LIFECYCLE HOOK
    # ------------------------------------------------------------

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        result = super()._pla_on_lifecycle_change(
            events, new_state, direct=direct, review=review
        )
        self._pla_nurture_follow_state(new_state)
        if new_state == lifecycle.HANDED_OFF:
            # handed off again: a later recycle starts a new count
            recycled = self.filtered("recycled_at")
            if recycled:
                trusted(recycled).write(
                    {"recycled_at": False, "engagement_since_recycle": 0}
                )
        return result

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_nurture_enrol(self):
        """Desk: enrol (or move) leads into the track set on them, or into
        the first matching track."""
        self._pla_require_desk()
        queued = self._pla_queue_if_many("action_nurture_enrol")
        if queued:
            return queued
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
                trusted(lead).write({"nurture_state": False})
                if not lead._pla_nurture_auto_enrol():
                    raise UserError(
                        self.env._(
                            "No active nurture track matches “%(lead)s”: choose a "
                            "track on the lead first.",
                            lead=lead.display_name,
                        )
                    )
        return nurture_notification(self, "enrol")

    def action_nurture_pause(self):
        self._pla_require_desk()
        queued = self._pla_queue_if_many("action_nurture_pause")
        if queued:
            return queued
        trusted(
            self.filtered(lambda lead: lead.nurture_state == lifecycle.NURTURE_RUNNING)
        ).write({"nurture_state": lifecycle.NURTURE_PAUSED})
        return nurture_notification(self, "pause")

    def action_nurture_resume(self):
        self._pla_require_desk()
        queued = self._pla_queue_if_many("action_nurture_resume")
        if queued:
            return queued
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
        return nurture_notification(self, "resume")

    def action_nurture_remove(self):
        """Desk: take leads out of their nurture track; the open activities
        its steps gave them no longer apply and are cancelled."""
        self._pla_require_desk()
        queued = self._pla_queue_if_many("action_nurture_remove")
        if queued:
            return queued
        enrolled = self.filtered("nurture_state")
        if enrolled:
            found = enrolled._pla_classify_activities(
                enrolled._pla_state_activity_types()
            )
            close_activities(found[activities.NURTURE])
        trusted(enrolled).write(
            {
                "nurture_state": lifecycle.NURTURE_DROPPED,
                "nurture_step_id": False,
                "nurture_next_date": False,
            }
        )
        return nurture_notification(self, "remove")

    def action_recycle(self, reason, recycle_date=None):
        """Send handed-off leads back to the desk as "not ready".

        They return to Nurturing with ``recycle_count + 1`` and the reason;
        with a ``recycle_date`` their nurture is paused until that day, then
        they come back; without, they come back at once. Coming back, a
        lead joins the first matching nurture track, or the desk gets an
        activity to decide. Until it is handed off again, the lead qualifies
        on its own only on engagement earned after the recycle (its fit
        alone, or its old engagement, no longer do); the desk may qualify it
        by hand.

        :param str reason: why the lead is not ready (required)
        :param recycle_date: when to come back (date or ISO string)
        :return: a notification of what happened, then a reload of the view
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
        when = fields.Date.to_date(recycle_date) if recycle_date else False
        queued = self._pla_queue_if_many(
            "action_recycle",
            reason=reason,
            recycle_date=fields.Date.to_string(when) if when else None,
        )
        if queued:
            return queued
        names = lead_names(self)  # before they leave sales' sight
        self._pla_recycle(reason, when)
        return self._pla_recycled_notification(names, when)

    def _pla_recycle(self, reason, when=False, review=None):
        """Recycle handed-off leads (see :meth:`action_recycle`).

        :param str reason: why the leads are not ready, logged
        :param date when: when they come back, ``False`` for at once
        :param tuple review: ``(reason_id, rating, comment)`` of the sales
            rejection that recycles them, ``None`` for a plain recycling
        :return: True
        """
        self.check_access("write")
        today = fields.Date.context_today(self)
        self._pla_check_deciding(
            lambda **names: self.env._(
                "Only handed-off leads can be recycled; “%(lead)s” is in "
                "the state “%(state)s”.",
                **names,
            )
        )
        for lead in self:
            desk = lead._pla_home_desk()
            # checked above: the module writes the recycling fields itself
            lead_sudo = trusted(lead.sudo())
            lead_sudo._pla_transition(
                lifecycle.NURTURING,
                reason=reason,
                review=review,
                values={
                    "team_id": desk.id,
                    "user_id": False,
                    "recycle_count": lead.recycle_count + 1,
                    "recycle_reason": reason,
                    "recycle_date": when,
                    "recycled_at": fields.Datetime.now(),
                    "engagement_since_recycle": 0,
                    "nurture_step_id": False,
                },
            )
            if when and when > today:
                lead_sudo.write(
                    {
                        "nurture_state": lifecycle.NURTURE_PAUSED,
                        "nurture_next_date": when,
                    }
                )
            else:
                lead_sudo._pla_recycle_return()
            # the lead is the desk's now, out of the caller's sight: what its
            # move left to recompute is computed here, not by the caller's
            # end-of-request flush (which may not read it any more)
            lead_sudo.flush_recordset()
        return True

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

    @api.model
    def _cron_run_nurture_steps(self, batch_size=500):
        """Run the nurture steps that are due, a batch per call.

        Recycled leads whose date has come return first (see
        :meth:`_pla_recycle_return`). Each step
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
            trusted(back).write({"recycle_date": False})
            back._pla_recycle_return()
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

    # ------------------------------------------------------------
    # ENROLMENT
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
        trusted(nurtured).write(
            {
                "nurture_state": state,
                "nurture_step_id": False,
                "nurture_next_date": False,
                # a paused recycled lead that left nurturing is not due back
                "recycle_date": False,
            }
        )

    def _pla_recycle_return(self):
        """Recycled leads come back to the desk's nurturing: each joins the
        first active track of its company that it matches; for the others
        the desk gets an activity to decide (enrol, qualify or disqualify).

        :return: the leads enrolled in a track
        """
        trusted(self).write({"nurture_state": False})
        enrolled = self._pla_nurture_auto_enrol()
        (self - enrolled)._pla_schedule_recycle_activity()
        return enrolled

    def _pla_schedule_recycle_activity(self):
        """One "Recycled: decide" activity per lead for its desk, in one
        batch."""
        return self._pla_schedule_desk_activity(
            activities.RECYCLE,
            lambda lead: self.env._(
                "Sales sent this lead back as not ready (%(reason)s) and no "
                "nurture track matches it: enrol it in a track, qualify it or "
                "disqualify it.",
                reason=lead.recycle_reason or "",
            ),
        )

    def _pla_nurture_resume(self):
        """Leads whose qualification was undone (their score fell back
        below the threshold) take up their nurture where it stopped: a
        graduated nurture resumes at the first step of its track not run for
        the lead yet (completed when none is left); a lead whose track was
        archived since is enrolled anew, like a new one."""
        graduated = self.filtered(
            lambda lead: (
                lead.lifecycle_state == lifecycle.NURTURING
                and lead.nurture_state == lifecycle.NURTURE_GRADUATED
            )
        )
        if not graduated:
            return
        runs = (
            self.env["pharmacy.nurture.step.run"]
            .sudo()
            .search_read([("lead_id", "in", graduated.ids)], ["lead_id", "step_id"])
        )
        done = {(run["lead_id"][0], run["step_id"][0]) for run in runs}
        today = fields.Date.context_today(self)
        resume = defaultdict(lambda: self.browse())
        anew = self.browse()
        for lead in graduated:
            track = lead.nurture_track_id.sudo()
            if not track.active:
                anew |= lead
                continue
            steps = track.step_ids.sorted(lambda step: (step.sequence, step.id))
            following = next(
                (step for step in steps if (lead.id, step.id) not in done),
                self.env["pharmacy.nurture.step"],
            )
            resume[following] |= lead
        for step, leads in resume.items():
            trusted(leads).write(
                {
                    "nurture_state": lifecycle.NURTURE_RUNNING
                    if step
                    else lifecycle.NURTURE_COMPLETED,
                    "nurture_step_id": step.id,
                    "nurture_next_date": today + relativedelta(days=step.wait_days)
                    if step
                    else False,
                }
            )
        if anew:
            trusted(anew).write({"nurture_state": False})
            anew._pla_nurture_auto_enrol()

    def _pla_below_mql(self):
        """Whether the lead cannot qualify on its own now (the nurture
        tracks take it): its score (a recycled lead: what can qualify it,
        ``scoring.qualifying_score``) is below its company's threshold."""
        self.ensure_one()
        company = self.company_id or self.env.company
        qualifying = scoring.qualifying_score(
            self.lead_score,
            (self.fit_score, self.engagement_since_recycle)
            if self.recycled_at
            else None,
        )
        return qualifying is None or qualifying < company.lead_mql_threshold

    def _pla_nurture_auto_enrol(self):
        """Enrol Inquiry and Nurturing leads below the MQL threshold
        (:meth:`_pla_below_mql`) in the first active track of their company
        whose filter they match."""
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
                    and lead._pla_below_mql()
                )
            )
            if not candidates:
                continue
            matching = candidates.sudo().filtered_domain(track._parse_domain())
            matching = self.browse(matching.ids)
            if matching:
                matching._pla_nurture_start(track)
                enrolled |= matching
                remaining -= matching
        return enrolled

    def _pla_nurture_start(self, track, reason=False):
        """(Re)start ``track`` from its first step for these leads."""
        first = track._first_step()
        today = fields.Date.context_today(self)
        without_company = self.filtered(lambda lead: not lead.company_id)
        if without_company:
            trusted(without_company).write({"company_id": track.company_id.id})
        trusted(self).write(
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

    # ------------------------------------------------------------
    # RUNNING THE STEPS
    # ------------------------------------------------------------

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
            if self._pla_attempt(leads._pla_nurture_perform, step) is not None:
                _logger.warning("Nurture step %s failed in batch; one by one", step.id)
                for lead in leads:
                    lead._pla_nurture_perform_one_safely(step)
        self._pla_nurture_advance(today)
        return True

    def _pla_nurture_perform_one_safely(self, step):
        self.ensure_one()
        error = self._pla_attempt(self._pla_nurture_perform, step)
        if error is None:
            return
        _logger.exception(
            "Nurture step %s failed on lead %s", step.id, self.id, exc_info=error
        )
        self.env["pharmacy.nurture.step.run"].sudo().create(
            {
                "lead_id": self.id,
                "step_id": step.id,
                "result": lifecycle.RUN_FAILED,
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
            moves[lead.nurture_step_id._next()] |= lead
        for following, leads in moves.items():
            if following:
                trusted(leads).write(
                    {
                        "nurture_step_id": following.id,
                        "nurture_next_date": today
                        + relativedelta(days=following.wait_days),
                    }
                )
            else:
                trusted(leads).write(
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
                        "result": lifecycle.RUN_SKIPPED,
                        "note": notes[skip],
                    }
                )
            else:
                todo |= lead
                runs.append(
                    {
                        "lead_id": lead.id,
                        "step_id": step.id,
                        "result": lifecycle.RUN_DONE,
                    }
                )
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
            # one notification per automatic activity would flood the desk's
            # inbox: the activities show in their activity menu instead
            schedule_activities(
                step.activity_type_id,
                (
                    (
                        lead,
                        step.user_id
                        if step.assign_to == "user" and step.user_id
                        else lead.user_id or lead.team_id.user_id or self.env.user,
                    )
                    for lead in todo
                ),
                summary=step.summary or step.name,
                note=step.note,
            )
        elif todo:
            step.mail_template_id.send_mail_batch(todo.ids, force_send=False)
        self.env["pharmacy.nurture.step.run"].sudo().create(runs)
        return True
