# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PharmacyMarketingCost(models.Model):
    """What a campaign or a lead source cost a company, in its currency,
    as one total or month by month."""

    _name = "pharmacy.marketing.cost"
    _description = "Marketing Cost"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Description")
    campaign_id = fields.Many2one("utm.campaign", index=True, ondelete="cascade")
    source_id = fields.Many2one("utm.source", index=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Month",
        help="The month the money was spent in; leave empty for a total.",
    )
    amount = fields.Monetary(required=True, currency_field="currency_id")

    @api.constrains("campaign_id", "source_id", "amount")
    def _check_target(self):
        for cost in self:
            if bool(cost.campaign_id) == bool(cost.source_id):
                raise ValidationError(
                    self.env._(
                        "A marketing cost belongs to a campaign or to a source: "
                        "choose exactly one of them."
                    )
                )
            if cost.amount < 0:
                raise ValidationError(
                    self.env._(
                        "A marketing cost cannot be negative (%(amount)s): enter "
                        "what was spent.",
                        amount=cost.amount,
                    )
                )
