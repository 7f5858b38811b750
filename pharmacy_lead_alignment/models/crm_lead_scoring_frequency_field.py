# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .res_config_settings import PLS_FIELDS


class CrmLeadScoringFrequencyField(models.Model):
    _inherit = "crm.lead.scoring.frequency.field"

    @api.model
    def _pla_alignment_fields(self):
        """Frequency fields of the lead grade and segment, created if missing."""
        fields_ = self.env["ir.model.fields"]._get_ids("crm.lead")
        ids = [fields_[name] for name in PLS_FIELDS]
        existing = self.sudo().search([("field_id", "in", ids)])
        missing = set(ids) - set(existing.field_id.ids)
        if missing:
            existing |= self.sudo().create([{"field_id": fid} for fid in missing])
        return existing
