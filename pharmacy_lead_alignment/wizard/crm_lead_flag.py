# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..models.pharmacy_notification import in_wizard
from ..tools import feedback


class CrmLeadFlag(models.TransientModel):
    """The desk flags leads that sales accepted and then mishandled."""

    _name = "crm.lead.flag"
    _inherit = ["pharmacy.lead.wizard.mixin"]
    _description = "Flag Mishandled Leads"

    reason_id = fields.Many2one(
        "pharmacy.feedback.reason",
        required=True,
        domain=f"[('direction', '=', {feedback.DIRECTION_MARKETING!r}), "
        "('company_id', 'in', [company_id, False])]",
    )
    comment = fields.Text()

    def action_confirm(self):
        self.ensure_one()
        return in_wizard(
            self.lead_ids.action_flag_mishandled(
                self.reason_id.id, comment=self.comment
            )
        )
