# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class UtmSource(models.Model):
    _name = "utm.source"
    _inherit = ["utm.source", "pharmacy.cost.mixin"]
    _cost_link = "source_id"

    cost_line_ids = fields.One2many(
        "pharmacy.marketing.cost",
        "source_id",
        string="Cost Lines",
        groups="pharmacy_lead_alignment.group_alignment_manager",
    )
