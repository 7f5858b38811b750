# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

#: Our fields that Odoo's predictive lead scoring may learn from.
PLS_FIELDS = ("lead_grade", "pharmacy_segment")
#: Where Odoo's CRM keeps the fields its predictive lead scoring learns from.
PLS_FIELDS_PARAM = "crm.pls_fields"


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
    feedback_min_sample = fields.Integer(
        related="company_id.feedback_min_sample", readonly=False
    )
    feedback_max_step = fields.Integer(
        related="company_id.feedback_max_step", readonly=False
    )
    pla_pls_alignment = fields.Boolean(
        string="Predictive Scoring Learns Grade and Segment",
        help="Add the lead grade and the pharmacy segment to the fields Odoo's "
        "predictive lead scoring learns from.",
    )

    @api.model
    def _pla_pls_fields(self):
        param = self.env["ir.config_parameter"].sudo().get_param(PLS_FIELDS_PARAM)
        return [name for name in (param or "").split(",") if name]

    @api.model
    def get_values(self):
        values = super().get_values()
        values["pla_pls_alignment"] = set(PLS_FIELDS) <= set(self._pla_pls_fields())
        return values

    @api.onchange("pla_pls_alignment")
    def _onchange_pla_pls_alignment(self):
        ours = self.env["crm.lead.scoring.frequency.field"]._pla_alignment_fields()
        if self.pla_pls_alignment:
            self.predictive_lead_scoring_fields |= ours
        else:
            self.predictive_lead_scoring_fields -= ours

    def set_values(self):
        result = super().set_values()
        names = self._pla_pls_fields()
        if self.pla_pls_alignment:
            names += [name for name in PLS_FIELDS if name not in names]
        else:
            names = [name for name in names if name not in PLS_FIELDS]
        self.env["ir.config_parameter"].sudo().set_param(
            PLS_FIELDS_PARAM, ",".join(names)
        )
        return result
