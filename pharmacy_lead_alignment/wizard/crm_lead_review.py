# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models.pharmacy_notification import in_wizard
from ..tools import feedback


class CrmLeadReview(models.TransientModel):
    """Sales' review of one or several handed-off leads: accept (with an
    optional rating) or reject (reason and rating required)."""

    _name = "crm.lead.review"
    _inherit = ["pharmacy.lead.wizard.mixin"]
    _description = "Review Handed-off Leads"

    verdict = fields.Selection(
        [
            (feedback.VERDICT_ACCEPT, "Accept"),
            (feedback.VERDICT_REJECT, "Reject"),
        ],
        required=True,
        default=feedback.VERDICT_ACCEPT,
    )
    reason_id = fields.Many2one(
        "pharmacy.feedback.reason",
        domain=f"[('direction', '=', {feedback.DIRECTION_SALES!r}), "
        "('company_id', 'in', [company_id, False])]",
    )
    reason_action = fields.Selection(related="reason_id.action")
    ask_recycle_date = fields.Boolean(related="reason_id.ask_recycle_date")
    rating = fields.Selection(
        # the star widget shows the first value as "no star"
        [("0", "Not Rated"), *feedback.RATING_SELECTION],
        string="Lead Quality",
        default="0",
        help="1 star: poor, 5 stars: excellent. Required to reject.",
    )
    comment = fields.Text()
    recycle_date = fields.Date(
        string="Back to Nurturing On",
        help="The day the lead returns to nurturing (for example when the "
        "competitor's contract ends).",
    )

    def action_confirm(self):
        self.ensure_one()
        rating = int(self.rating or 0) or None
        if self.verdict == feedback.VERDICT_ACCEPT:
            done = self.lead_ids.action_review_accept(
                rating=rating, comment=self.comment
            )
        else:
            done = self.lead_ids.action_review_reject(
                self.reason_id.id,
                rating,
                comment=self.comment,
                recycle_date=self.recycle_date,
            )
        return in_wizard(done)
