# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools import feedback, scoring

#: The settings of the qualification scoring (the company re-scores its
#: leads when one changes). Lists of this mixin's ORM fields, so they live
#: here, not in tools/.
SCORING_FIELDS = (
    "lead_mql_threshold",
    "lead_mql_min_grade",
    "lead_grade_a_threshold",
    "lead_grade_b_threshold",
    "lead_grade_c_threshold",
    "lead_engagement_half_life",
)
#: The settings of the feedback loop (verdicts and suggested weights).
FEEDBACK_FIELDS = ("feedback_min_sample", "feedback_max_step")
#: Every field of the mixin.
SETTINGS_FIELDS = SCORING_FIELDS + FEEDBACK_FIELDS


class PharmacyScoringSettingsMixin(models.AbstractModel):
    """The lead scoring and feedback settings, declared once: stored on the
    company (``res.company``), edited by Alignment Managers in the scoring
    settings wizard (``pharmacy.scoring.settings``), which holds a copy until
    it saves it. The checks of the values stay with the company."""

    _name = "pharmacy.scoring.settings.mixin"
    _description = "Lead Scoring Settings"

    lead_mql_threshold = fields.Integer(
        string="MQL Threshold",
        default=scoring.DEFAULTS["mql_threshold"],
        help="A desk lead whose score (fit + engagement) reaches this value, with "
        "an allowed grade, becomes Marketing Qualified on its own.",
    )
    lead_mql_min_grade = fields.Selection(
        scoring.GRADE_SELECTION,
        string="Lowest Grade to Qualify",
        default=scoring.DEFAULTS["mql_min_grade"],
        required=True,
    )
    lead_grade_a_threshold = fields.Integer(
        string="Grade A from", default=scoring.DEFAULTS["grade_a"]
    )
    lead_grade_b_threshold = fields.Integer(
        string="Grade B from", default=scoring.DEFAULTS["grade_b"]
    )
    lead_grade_c_threshold = fields.Integer(
        string="Grade C from", default=scoring.DEFAULTS["grade_c"]
    )
    lead_engagement_half_life = fields.Float(
        string="Engagement Half-Life (days)",
        default=scoring.DEFAULTS["half_life"],
        help="Number of days after which engagement points are worth half.",
    )
    feedback_min_sample = fields.Integer(
        string="Minimum Leads per Verdict",
        default=feedback.DEFAULT_MIN_SAMPLE,
        help="A fit rule gets a verdict and a suggested weight only when at least "
        "this many reviewed leads matched it, and as many did not.",
    )
    feedback_max_step = fields.Integer(
        string="Largest Change per Suggestion",
        default=feedback.DEFAULT_MAX_STEP,
        help="How many points a suggestion may add to or take from a rule at once.",
    )

    def _pla_settings_values(self):
        """The settings as ``{field: value}``, to copy them to another
        holder (the wizard from the company, and back)."""
        self.ensure_one()
        return {fname: self[fname] for fname in SETTINGS_FIELDS}

    def _pla_scoring_settings(self):
        """The scoring settings as ``tools.scoring`` takes them."""
        self.ensure_one()
        return {
            "mql_threshold": self.lead_mql_threshold,
            "mql_min_grade": self.lead_mql_min_grade,
            "grade_a": self.lead_grade_a_threshold,
            "grade_b": self.lead_grade_b_threshold,
            "grade_c": self.lead_grade_c_threshold,
            "half_life": self.lead_engagement_half_life,
        }
