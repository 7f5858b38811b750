# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lead_desk_team_id = fields.Many2one(
        related="company_id.lead_desk_team_id",
        readonly=False,
    )
    lead_mql_threshold = fields.Integer(
        related="company_id.lead_mql_threshold", readonly=False
    )
    lead_mql_min_grade = fields.Selection(
        related="company_id.lead_mql_min_grade", readonly=False
    )
    lead_grade_a_threshold = fields.Integer(
        related="company_id.lead_grade_a_threshold", readonly=False
    )
    lead_grade_b_threshold = fields.Integer(
        related="company_id.lead_grade_b_threshold", readonly=False
    )
    lead_grade_c_threshold = fields.Integer(
        related="company_id.lead_grade_c_threshold", readonly=False
    )
    lead_engagement_half_life = fields.Float(
        related="company_id.lead_engagement_half_life", readonly=False
    )
