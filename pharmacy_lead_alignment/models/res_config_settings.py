# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lead_desk_team_id = fields.Many2one(
        related="company_id.lead_desk_team_id",
        readonly=False,
    )
