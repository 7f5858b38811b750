# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools.groups import GROUP_MANAGER


class UtmSource(models.Model):
    _name = "utm.source"
    _inherit = ["utm.source", "pharmacy.cost.mixin"]
    _cost_link = "source_id"

    cost_line_ids = fields.One2many(
        "pharmacy.marketing.cost",
        "source_id",
        string="Cost Lines",
        groups=GROUP_MANAGER,
    )
