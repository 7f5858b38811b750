# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Feedback between sales and the desk, in both directions.

Sales accept a handed-off lead, or reject it with a reason and a quality
rating; the reason decides whether it is recycled to nurturing, returned to
the desk or disqualified. Every lead that leaves "handed off", and every
marketing lead lost downstream, gets a review (``pharmacy.lead.feedback``)
that tunes the scoring. The desk flags accepted leads that sales mishandled.
Once a week each desk member gets the feedback on the leads they handed off.
"""

from collections import defaultdict
from datetime import datetime

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import feedback, lifecycle
from ..tools.groups import GROUP_DESK
from .crm_lead import _logger
from .pharmacy_activity import schedule_activities
from .pharmacy_audit_mixin import trusted
from .pharmacy_notification import date_label, deadline_label, lead_names, notification
from .pharmacy_rpc_args import RpcArgs

#: Where the weekly desk digest stands: the first day of the last week sent.
DIGEST_PARAM = "pharmacy_lead_alignment.feedback_digest_week"
#: Moves out of "handed off" that are a sales decision on the lead.
REVIEW_MOVES = (lifecycle.ACCEPTED, *lifecycle.REJECTED_TO)


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    feedback_ids = fields.One2many("pharmacy.lead.feedback", "lead_id", readonly=True)

    # ------------------------------------------------------------
    # THE LIFECYCLE HOOK
    # ------------------------------------------------------------

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        # before super(): the review is written first, before Odoo's own won
        # or lost moves the lead (see crm_lead._pla_on_lifecycle_change)
        self._pla_feedback_from_events(events, review=review)
        return super()._pla_on_lifecycle_change(
            events, new_state, direct=direct, review=review
        )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_accept(self):
        """Sales: accept leads handed off to them, without a rating."""
        return self.action_review_accept()

    @api.readonly  # opens a view: a replica may answer
    def action_open_review(self):
        """Sales: the review wizard (accept or reject) for these leads."""
        self._pla_check_reviewable()
        return self._pla_wizard_action("crm_lead_review_action")

    @api.readonly  # opens a view: a replica may answer
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
        :return: a notification of what happened (with the deadline of the
            contact SLA, if one started), then a reload of the view
        """
        args = RpcArgs(self.env)
        rating = args.rating("rating", rating)
        comment = args.text("comment", comment)
        self._pla_check_reviewable()
        rating = self._pla_review_rating(rating, required=False)
        queued = self._pla_queue_if_many(
            "action_review_accept", rating=rating, comment=comment
        )
        if queued:
            return queued
        names = lead_names(self)
        self._pla_transition(
            lifecycle.ACCEPTED, review=(False, rating, comment or False)
        )
        deadlines = [deadline for deadline in self.mapped("sla_deadline") if deadline]
        if deadlines:
            message = self.env._(
                "Accepted: %(leads)s — contact them by %(deadline)s (SLA).",
                leads=names,
                deadline=deadline_label(self.env, min(deadlines)),
            )
        else:
            message = self.env._(
                "Accepted: %(leads)s — now in your pipeline.", leads=names
            )
        return notification(self.env, message)

    def action_review_reject(self, reason_id, rating, comment=None, recycle_date=None):
        """Sales: reject handed-off leads with a reason and a quality rating.

        Public for RPC. The reason decides what happens to the leads: back to
        nurturing (recycle), back to the desk in Inquiry (return) or
        disqualified. Meets the response SLA and writes the review.

        :param int reason_id: a ``pharmacy.feedback.reason`` of sales
        :param int rating: 1 (poor) to 5 (excellent), required
        :param str comment: optional
        :param recycle_date: for a recycling reason, when the leads come back
        :return: a notification of what happened, then a reload of the view
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
        queued = self._pla_queue_if_many(
            "action_review_reject",
            reason_id=reason.id,
            rating=rating,
            comment=comment,
            recycle_date=fields.Date.to_string(when) if when else None,
        )
        if queued:
            return queued
        text = f"{reason.name}: {comment}" if comment else reason.name
        review = (reason.id, rating, comment or False)
        names = lead_names(self)  # the leads go back out of sales' sight
        if reason.action == feedback.ACTION_RECYCLE:
            self._pla_recycle(text, when, review=review)
            return self._pla_recycled_notification(names, when, rejected=True)
        state = (
            lifecycle.INQUIRY
            if reason.action == feedback.ACTION_RETURN
            else lifecycle.DISQUALIFIED
        )
        by_desk = defaultdict(list)
        for lead in self:
            by_desk[lead._pla_home_desk()].append(lead.id)
        for desk, lead_ids in by_desk.items():
            moved = self.browse(lead_ids).sudo()
            moved._pla_transition(
                state,
                reason=text,
                review=review,
                values={"team_id": desk.id, "user_id": False},
            )
            moved.flush_recordset()  # see action_recycle: out of the caller's sight
        if state == lifecycle.INQUIRY:
            message = self.env._(
                "Rejected: %(leads)s — back to the lead desk, in Inquiry.",
                leads=names,
            )
        else:
            message = self.env._("Rejected: %(leads)s — disqualified.", leads=names)
        return notification(self.env, message)

    def _pla_recycled_notification(self, names, when=False, rejected=False):
        """What recycling leads did (a rejection that recycles them, or
        :meth:`action_recycle`), as a notification."""
        params = {"leads": names}
        if when and when > fields.Date.context_today(self):
            params["date"] = date_label(self.env, when)
            message = (
                self.env._(
                    "Rejected: %(leads)s — back to the lead desk's nurturing on "
                    "%(date)s.",
                    **params,
                )
                if rejected
                else self.env._(
                    "Recycled: %(leads)s — back to the lead desk's nurturing on "
                    "%(date)s.",
                    **params,
                )
            )
        else:
            message = (
                self.env._(
                    "Rejected: %(leads)s — back to the lead desk's nurturing.",
                    **params,
                )
                if rejected
                else self.env._(
                    "Recycled: %(leads)s — back to the lead desk's nurturing.",
                    **params,
                )
            )
        return notification(self.env, message)

    def _pla_flagged_notification(self, reason):
        """What flagging leads did, as a notification."""
        return notification(
            self.env,
            self.env._(
                "Flagged as “%(reason)s”: %(leads)s — the sales team leader has "
                "an activity to look into it.",
                reason=reason.name,
                leads=lead_names(self),
            ),
        )

    def action_flag_mishandled(self, reason_id, comment=None):
        """Desk: flag accepted leads that sales mishandled.

        Public for RPC. The team leader gets an activity on each lead and the
        flag counts in the SLA ledger.

        :param int reason_id: a ``pharmacy.feedback.reason`` of marketing
        :param str comment: optional
        :return: a notification of what happened, then a reload of the view
        """
        args = RpcArgs(self.env)
        reason_id = args.record_id("reason_id", reason_id, required=False)
        comment = args.text("comment", comment)
        self._pla_require_desk()
        self._pla_check_flaggable()
        reason = self._pla_feedback_reason(reason_id, feedback.DIRECTION_MARKETING)
        queued = self._pla_queue_if_many(
            "action_flag_mishandled", reason_id=reason.id, comment=comment
        )
        if queued:
            return queued
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
        Feedback.create(
            [
                {
                    **Feedback._snapshot(lead),
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
        schedule_activities(
            activity_type,
            ((lead, leaders[lead.id]) for lead in self),
            summary=self.env._("Flagged by marketing: %(reason)s", reason=reason.name),
            note=comment,
            date_deadline=fields.Date.context_today(self)
            + relativedelta(days=activity_type.delay_count or 1),
            notify=True,  # the team leader hears of the flag at once
        )
        return self._pla_flagged_notification(reason)

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

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
            error = self._pla_attempt(
                template.with_context(pla_digest=summary).send_mail,
                user.id,
                email_layout_xmlid="mail.mail_notification_light",
            )
            if error is not None:
                _logger.exception(
                    "Feedback digest for user %s failed", user.id, exc_info=error
                )
        self._pla_store_param(DIGEST_PARAM, fields.Date.to_string(period_start))
        return True

    # ------------------------------------------------------------
    # REVIEWS AND FLAGS
    # ------------------------------------------------------------

    def _pla_check_reviewable(self):
        """Only handed-off leads, reviewed by their own sales team."""
        if not self:
            raise UserError(self.env._("Select the leads to review."))
        self._pla_check_deciding(
            lambda **names: self.env._(
                "Only handed-off leads can be reviewed; “%(lead)s” is in "
                "the state “%(state)s”.",
                **names,
            )
        )

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

    def _pla_feedback_from_events(self, events, review=None):
        """Write the review of every lead that left "handed off" (accepted or
        rejected by sales) and of every marketing lead lost downstream.

        :param events: ``(lead, from, to, reason, is_override)`` tuples
        :param tuple review: ``(reason_id, rating, comment)`` given by sales,
            ``None`` for a move without a review (a plain write, RPC)
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
        reason_id, rating, comment = review or (False, 0, False)
        leads = self.browse([lead.id for lead, *_rest in moves])
        handoffs = leads._pla_last_handoffs()
        Feedback = trusted(self.env["pharmacy.lead.feedback"].sudo())
        vals_list = []
        for lead, _old, new, text in moves:
            team_id, handoff_user_id = handoffs.get(lead.id, (False, False))
            vals = {
                **Feedback._snapshot(lead),
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
