# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.groups import GROUP_MANAGER


class PharmacyCostMixin(models.AbstractModel):
    """A cost in the current company's currency, kept as
    ``pharmacy.marketing.cost`` lines; typing a total replaces the lines of
    the current company that have no month."""

    _name = "pharmacy.cost.mixin"
    _description = "Marketing Cost of a Campaign or Source"
    _cost_link = None  # the field of pharmacy.marketing.cost pointing here

    cost = fields.Monetary(
        compute="_compute_cost",
        inverse="_inverse_cost",
        currency_field="cost_currency_id",
        groups=GROUP_MANAGER,
        help="What it cost the current company: the sum of its cost lines.",
    )
    cost_currency_id = fields.Many2one(
        "res.currency", compute="_compute_cost_currency_id"
    )

    @api.depends_context("company")
    def _compute_cost_currency_id(self):
        self.cost_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    def _compute_cost(self):
        groups = (
            self.env["pharmacy.marketing.cost"]
            .sudo()
            ._read_group(
                [
                    (self._cost_link, "in", self.ids),
                    ("company_id", "=", self.env.company.id),
                ],
                [self._cost_link],
                ["amount:sum"],
            )
        )
        totals = {record.id: amount for record, amount in groups}
        for record in self:
            record.cost = totals.get(record.id, 0.0)

    def _inverse_cost(self):
        Cost = self.env["pharmacy.marketing.cost"].sudo()
        company = self.env.company
        wanted = {record: record.cost for record in self}
        for record in self:
            lines = Cost.search(
                [(self._cost_link, "=", record.id), ("company_id", "=", company.id)]
            )
            monthly = sum(lines.filtered("date").mapped("amount"))
            lines.filtered(lambda line: not line.date).unlink()
            total = wanted[record] - monthly
            if company.currency_id.compare_amounts(total, 0) < 0:
                raise ValidationError(
                    self.env._(
                        "“%(name)s” has monthly costs of %(monthly)s: its total "
                        "cannot be less. Edit the monthly lines instead.",
                        name=record.display_name,
                        monthly=monthly,
                    )
                )
            if not company.currency_id.is_zero(total):
                Cost.create(
                    {
                        self._cost_link: record.id,
                        "company_id": company.id,
                        "amount": total,
                        "name": self.env._("Total"),
                    }
                )
