# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.pharmacy_notification import in_wizard


class CrmLeadQualify(models.TransientModel):
    """An Alignment Manager qualifies leads below the company's lowest grade
    to qualify, with a written reason (logged as an override)."""

    _name = "crm.lead.qualify"
    _inherit = ["pharmacy.lead.wizard.mixin"]
    _description = "Qualify Leads with a Reason"

    below_grade = fields.Boolean(compute="_compute_below_grade")
    reason = fields.Text(
        help="Mandatory for a lead below the lowest grade to qualify; kept in the "
        "lead's event log, where the move shows as an override."
    )

    @api.depends("lead_ids.below_qualify_grade")
    def _compute_below_grade(self):
        for wizard in self:
            wizard.below_grade = any(wizard.lead_ids.mapped("below_qualify_grade"))

    def action_confirm(self):
        self.ensure_one()
        return in_wizard(self.lead_ids.action_qualify(reason=self.reason or None))
