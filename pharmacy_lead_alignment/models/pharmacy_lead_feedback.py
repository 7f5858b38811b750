# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import feedback, lifecycle, scoring
from .pharmacy_audit_mixin import is_trusted

#: What the author may still change after writing a review.
EDITABLE_FIELDS = frozenset({"rating", "comment"})


class PharmacyLeadFeedback(models.Model):
    """One review of a lead, in either direction, with a snapshot of what
    marketing sent so that later analysis does not depend on how the lead
    changed afterwards.

    Written by the lead (accept, reject, lost, flag); both teams read every
    review, only its author may still correct its rating and comment.
    """

    _name = "pharmacy.lead.feedback"
    _inherit = ["pharmacy.audit.mixin"]
    _description = "Lead Feedback"
    _pla_user_write_fields = EDITABLE_FIELDS
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_name = "lead_name"

    lead_id = fields.Many2one(
        "crm.lead",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    lead_name = fields.Char(readonly=True)
    direction = fields.Selection(
        feedback.DIRECTION_SELECTION, required=True, readonly=True, index=True
    )
    verdict = fields.Selection(
        feedback.VERDICT_SELECTION, required=True, readonly=True, index=True
    )
    reason_id = fields.Many2one(
        "pharmacy.feedback.reason",
        readonly=True,
        index=True,
        check_company=True,
    )
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    rating = fields.Integer(
        string="Quality Rating",
        aggregator="avg",
        help="How good the lead was, from 1 (poor) to 5 (excellent); 0 when not rated.",
    )
    comment = fields.Text()
    user_id = fields.Many2one(
        "res.users",
        string="By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now, index=True
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        readonly=True,
        index=True,
        help="The sales team the lead was handed off to.",
    )
    handoff_user_id = fields.Many2one(
        "res.users",
        string="Handed Off By",
        readonly=True,
        index=True,
        help="The desk member who handed the lead off.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    # What marketing sent, as it was when the lead was reviewed
    lead_score = fields.Integer(string="Score", readonly=True, aggregator="avg")
    lead_grade = fields.Selection(
        scoring.GRADE_SELECTION, string="Grade", readonly=True
    )
    pharmacy_segment = fields.Selection(
        lifecycle.SEGMENT_SELECTION, string="Segment", readonly=True
    )
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    rule_ids = fields.Many2many(
        "pharmacy.scoring.rule",
        "pharmacy_lead_feedback_rule_rel",
        "feedback_id",
        "rule_id",
        string="Matched Fit Rules",
        readonly=True,
    )

    @api.constrains("rating", "verdict", "reason_id", "direction")
    def _check_review(self):
        for review in self:
            try:
                feedback.check_rating(review.rating or None)
            except feedback.FeedbackError as error:
                raise ValidationError(
                    self.env._(
                        "The quality rating of a lead goes from 1 (poor) to 5 "
                        "(excellent), not %(rating)s.",
                        rating=review.rating,
                    )
                ) from error
            if review.reason_id and review.reason_id.direction != review.direction:
                raise ValidationError(
                    self.env._(
                        "“%(reason)s” is not a reason for this kind of feedback: "
                        "choose a reason of the direction “%(direction)s”.",
                        reason=review.reason_id.display_name,
                        direction=dict(
                            self._fields["direction"]._description_selection(self.env)
                        )[review.direction],
                    )
                )

    def write(self, vals):
        if not is_trusted(self):
            if set(vals) - EDITABLE_FIELDS:
                raise UserError(
                    self.env._(
                        "A review keeps what was decided and what marketing sent; "
                        "only its rating and comment can still be corrected."
                    )
                )
            others = self.filtered(lambda review: review.user_id != self.env.user)
            if others:
                raise UserError(
                    self.env._(
                        "The review of “%(lead)s” was written by %(user)s: only "
                        "its author can correct it.",
                        lead=others[0].lead_name,
                        user=others[0].user_id.display_name,
                    )
                )
            if "rating" in vals and not vals["rating"]:
                if any(
                    review.verdict == feedback.VERDICT_REJECT
                    and review.direction == feedback.DIRECTION_SALES
                    for review in self
                ):
                    raise UserError(
                        self.env._(
                            "A rejection keeps its quality rating: choose from 1 "
                            "to 5 stars."
                        )
                    )
        return super().write(vals)

    @api.model
    def _snapshot(self, lead):
        """The values a review copies from its lead at the time it is written."""
        return {
            "lead_id": lead.id,
            "lead_name": lead.name,
            "company_id": (lead.company_id or self.env.company).id,
            "lead_score": lead.lead_score,
            "lead_grade": lead.lead_grade,
            "pharmacy_segment": lead.pharmacy_segment,
            "campaign_id": lead.campaign_id.id,
            "source_id": lead.source_id.id,
            "medium_id": lead.medium_id.id,
            "rule_ids": [fields.Command.set(lead.score_rule_ids.ids)],
        }

    @api.readonly  # opens a view: a replica may answer
    def action_open_lead(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "res_id": self.lead_id.id,
            "view_mode": "form",
        }
