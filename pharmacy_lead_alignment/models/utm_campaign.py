# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools.groups import GROUP_MANAGER


class UtmCampaign(models.Model):
    _name = "utm.campaign"
    _inherit = ["utm.campaign", "pharmacy.cost.mixin"]
    _cost_link = "campaign_id"

    cost_line_ids = fields.One2many(
        "pharmacy.marketing.cost",
        "campaign_id",
        string="Cost Lines",
        groups=GROUP_MANAGER,
    )
