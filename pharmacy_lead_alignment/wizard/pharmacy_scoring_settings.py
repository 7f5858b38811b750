# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

# an ORM field list of res.company: it stays with the model it describes
from ..models.res_company import SCORING_FIELDS
from ..tools import scoring
from ..tools.groups import GROUP_MANAGER

#: Settings of the feedback loop, saved with the scoring ones.
FEEDBACK_FIELDS = ("feedback_min_sample", "feedback_max_step")


class PharmacyScoringSettings(models.TransientModel):
    """Lead scoring thresholds of the current company, for Alignment Managers
    who are not Settings administrators."""

    _name = "pharmacy.scoring.settings"
    _description = "Lead Scoring Settings"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    lead_mql_threshold = fields.Integer(string="MQL Threshold", required=True)
    lead_mql_min_grade = fields.Selection(
        scoring.GRADE_SELECTION, string="Lowest Grade to Qualify", required=True
    )
    lead_grade_a_threshold = fields.Integer(string="Grade A from", required=True)
    lead_grade_b_threshold = fields.Integer(string="Grade B from", required=True)
    lead_grade_c_threshold = fields.Integer(string="Grade C from", required=True)
    lead_engagement_half_life = fields.Float(
        string="Engagement Half-Life (days)", required=True
    )
    feedback_min_sample = fields.Integer(
        string="Minimum Leads per Verdict", required=True
    )
    feedback_max_step = fields.Integer(
        string="Largest Change per Suggestion", required=True
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(
            values.get("company_id") or self.env.company.id
        )
        if company not in self.env.user.company_ids:
            company = self.env.company
        for fname in SCORING_FIELDS + FEEDBACK_FIELDS:
            if fname in fields_list:
                values[fname] = company.sudo()[fname]
        return values

    def action_save(self):
        self.ensure_one()
        if not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only an Alignment Manager can change lead scoring.")
            )
        # the company comes from the client: it must be one the user manages
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot change the lead scoring of %(company)s: it is not "
                    "one of your companies.",
                    company=self.company_id.sudo().display_name,
                )
            )
        self.company_id.sudo().write(
            {fname: self[fname] for fname in SCORING_FIELDS + FEEDBACK_FIELDS}
        )
        return {"type": "ir.actions.act_window_close"}
