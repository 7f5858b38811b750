# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.feedback import DEFAULT_PERIOD_DAYS, PERIOD_FROM_KEY, PERIOD_TO_KEY


class PharmacyRuleEffectiveness(models.TransientModel):
    """Choose the period over which sales' reviews judge the fit rules."""

    _name = "pharmacy.rule.effectiveness"
    _description = "Fit Rule Effectiveness"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: (
            fields.Date.context_today(self)
            - relativedelta(days=DEFAULT_PERIOD_DAYS - 1)
        ),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._(
                        "The period starts on %(start)s, after it ends on "
                        "%(end)s: swap the dates.",
                        start=fields.Date.to_string(wizard.date_from),
                        end=fields.Date.to_string(wizard.date_to),
                    )
                )

    def action_open(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pharmacy_lead_alignment.pharmacy_scoring_rule_effectiveness_action"
        )
        action["name"] = self.env._(
            "Fit Rule Effectiveness, %(start)s – %(end)s",
            start=fields.Date.to_string(self.date_from),
            end=fields.Date.to_string(self.date_to),
        )
        action["context"] = {
            PERIOD_FROM_KEY: fields.Date.to_string(self.date_from),
            PERIOD_TO_KEY: fields.Date.to_string(self.date_to),
        }
        return action
