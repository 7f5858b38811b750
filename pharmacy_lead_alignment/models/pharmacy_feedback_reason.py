# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import feedback


class PharmacyFeedbackReason(models.Model):
    """Why sales reject a lead (and what the rejection does to it), or why the
    desk flags a lead that sales mishandled."""

    _name = "pharmacy.feedback.reason"
    _inherit = ["pharmacy.shared.mixin"]
    _description = "Lead Feedback Reason"
    _order = "direction, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty for a reason every company may use.",
    )
    direction = fields.Selection(
        feedback.DIRECTION_SELECTION,
        required=True,
        default=feedback.DIRECTION_SALES,
        help="Sales → Marketing: sales reject a lead for this reason.\n"
        "Marketing → Sales: the desk flags a lead sales mishandled.",
    )
    action = fields.Selection(
        feedback.ACTION_SELECTION,
        string="Rejection Does",
        help="Recycle: back to nurturing, re-enrolled later.\n"
        "Return: back to the desk in Inquiry, to qualify again.\n"
        "Disqualify: the lead is set aside for good.",
    )
    ask_recycle_date = fields.Boolean(
        string="Ask When to Come Back",
        help="The rejection asks for the day the lead returns to nurturing "
        "(for example when a competitor's contract ends).",
    )
    description = fields.Text(translate=True)

    @api.constrains("direction", "action", "ask_recycle_date")
    def _check_action(self):
        for reason in self:
            if reason.direction == feedback.DIRECTION_SALES and not reason.action:
                raise ValidationError(
                    self.env._(
                        "Rejection reason “%(reason)s”: choose what a rejection "
                        "with it does (recycle, return to the desk or "
                        "disqualify).",
                        reason=reason.name,
                    )
                )
            if reason.direction == feedback.DIRECTION_MARKETING and reason.action:
                raise ValidationError(
                    self.env._(
                        "Reason “%(reason)s” flags a lead sales mishandled: it "
                        "does not move the lead, leave “Rejection Does” empty.",
                        reason=reason.name,
                    )
                )
            if reason.ask_recycle_date and reason.action != feedback.ACTION_RECYCLE:
                raise ValidationError(
                    self.env._(
                        "Reason “%(reason)s”: only a recycling reason can ask "
                        "when the lead comes back.",
                        reason=reason.name,
                    )
                )
