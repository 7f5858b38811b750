# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import feedback, lifecycle, scoring

#: Company settings of the qualification scoring (re-score on change). A list
#: of this model's ORM fields, so it lives here, not in tools/ (the scoring
#: settings wizard imports it).
SCORING_FIELDS = (
    "lead_mql_threshold",
    "lead_mql_min_grade",
    "lead_grade_a_threshold",
    "lead_grade_b_threshold",
    "lead_grade_c_threshold",
    "lead_engagement_half_life",
)
#: Where the versions of the scoring rules are drawn from: a value is never
#: drawn twice, not even when the transaction that drew it rolls back.
RULES_VERSION_SEQUENCE = "pharmacy_lead_alignment_rules_version_seq"


class ResCompany(models.Model):
    _inherit = "res.company"

    lead_desk_team_id = fields.Many2one(
        "crm.team",
        string="Lead Desk",
        domain=f"[('alignment_role', '=', {lifecycle.ROLE_MARKETING!r}), "
        "('company_id', 'in', [id, False])]",
        help="Every new lead of this company that arrives without a sales team "
        "lands in this marketing team, in the Inquiry state.",
    )

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

    sla_sales_manager_id = fields.Many2one(
        "res.users",
        string="SLA: Sales Manager",
        help="Second level of escalation of a breached sales SLA.",
    )
    alignment_head_id = fields.Many2one(
        "res.users",
        string="Head of the Pharmacy",
        help="Last level of escalation of a breached sales SLA.",
    )
    lead_warm_threshold = fields.Integer(
        string="Warm from",
        default=25,
        help="Leads with at least this score show as warm, below as cold.",
    )
    lead_hot_threshold = fields.Integer(
        string="Hot from",
        default=40,
        help="Leads with at least this score show as hot.",
    )
    lead_rules_version = fields.Integer(
        readonly=True,
        copy=False,
        help="Changes whenever a scoring rule of the company (or a shared one) "
        "changes: the key of the cached fit rules.",
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

    @api.constrains("feedback_min_sample", "feedback_max_step")
    def _check_feedback_settings(self):
        for company in self:
            if company.feedback_min_sample < 1:
                raise ValidationError(
                    self.env._(
                        "Feedback of %(company)s: the minimum number of leads per "
                        "verdict must be at least 1 (for example 20).",
                        company=company.display_name,
                    )
                )
            if not 0 <= company.feedback_max_step <= feedback.POINTS_MAX:
                raise ValidationError(
                    self.env._(
                        "Feedback of %(company)s: the largest change per "
                        "suggestion must be between 0 and 100 points (for example "
                        "10).",
                        company=company.display_name,
                    )
                )

    @api.constrains("lead_warm_threshold", "lead_hot_threshold")
    def _check_temperature_thresholds(self):
        for company in self:
            if company.lead_warm_threshold >= company.lead_hot_threshold:
                raise ValidationError(
                    self.env._(
                        "Lead temperature of %(company)s: “hot” must start above "
                        "“warm” (now warm from %(warm)s, hot from %(hot)s).",
                        company=company.display_name,
                        warm=company.lead_warm_threshold,
                        hot=company.lead_hot_threshold,
                    )
                )

    @api.constrains("lead_desk_team_id")
    def _check_lead_desk_team_id(self):
        self.filtered("lead_desk_team_id")._pla_check_lead_desk()

    def _pla_check_lead_desk(self):
        """The one check that each company's lead desk is a "Lead Desk" team
        of that company; run when the desk is chosen and when its team
        changes (see ``crm.team``)."""
        for company in self:
            team = company.lead_desk_team_id
            violation = lifecycle.desk_violation(
                team.alignment_role, team.company_id.id, company.id
            )
            if violation == "role":
                raise ValidationError(
                    self.env._(
                        "The lead desk of %(company)s must be a team with the "
                        "role “Lead Desk”; “%(team)s” has another role. Set the "
                        "role on the team first.",
                        company=company.display_name,
                        team=team.display_name,
                    )
                )
            if violation == "company":
                raise ValidationError(
                    self.env._(
                        "The lead desk of %(company)s must belong to that company; "
                        "“%(team)s” belongs to %(other)s.",
                        company=company.display_name,
                        team=team.display_name,
                        other=team.company_id.display_name,
                    )
                )

    @api.constrains(*SCORING_FIELDS)
    def _check_lead_scoring_settings(self):
        for company in self:
            try:
                scoring.check_settings(
                    company.lead_mql_threshold,
                    company.lead_mql_min_grade,
                    company.lead_grade_a_threshold,
                    company.lead_grade_b_threshold,
                    company.lead_grade_c_threshold,
                    company.lead_engagement_half_life,
                )
            except scoring.ScoringError as error:
                messages = {
                    "grade_order": self.env._(
                        "Lead scoring of %(company)s: the grade thresholds must "
                        "go down from A to C (now A from %(a)s, B from %(b)s, C "
                        "from %(c)s). Raise A or lower C.",
                        company=company.display_name,
                        a=company.lead_grade_a_threshold,
                        b=company.lead_grade_b_threshold,
                        c=company.lead_grade_c_threshold,
                    ),
                    "half_life": self.env._(
                        "Lead scoring of %(company)s: the engagement half-life "
                        "must be more than 0 days (for example 30).",
                        company=company.display_name,
                    ),
                    "min_grade": self.env._(
                        "Lead scoring of %(company)s: choose the lowest grade "
                        "allowed to qualify (A, B, C or D).",
                        company=company.display_name,
                    ),
                    "mql_threshold": self.env._(
                        "Lead scoring of %(company)s: the MQL threshold must be "
                        "more than 0 (for example 50).",
                        company=company.display_name,
                    ),
                }
                raise ValidationError(messages[error.code]) from error

    def init(self):
        result = super().init()
        self.env.cr.execute(
            SQL(
                "CREATE SEQUENCE IF NOT EXISTS %s",
                SQL.identifier(RULES_VERSION_SEQUENCE),
            )
        )
        return result

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        # Every company moves on, the new ones included: a shared rule changed
        # by a transaction that cannot see the new company yet updates these
        # same rows, so one of the two transactions is retried.
        self._pla_bump_rules_version()
        return companies

    @api.model
    def _pla_bump_rules_version(self, company_ids=None):
        """Give the companies (by default every one, archived too) a new
        version of their scoring rules, which keys the cached fit rules
        (``pharmacy.scoring.rule._fit_rules_data``).

        The version is a column: another worker reads it with the rules, in
        the same snapshot, so it sees the new version exactly when it sees
        the changed rules, and misses the cache then. Drawn from a sequence,
        a version is never given twice: what a rolled back transaction
        cached under its versions is never read again.
        """
        if company_ids is not None and not company_ids:
            return
        self.flush_model(["lead_rules_version"])
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET lead_rules_version = nextval(%s)%s",
                RULES_VERSION_SEQUENCE,
                SQL("")
                if company_ids is None
                else SQL(" WHERE id IN %s", tuple(company_ids)),
            )
        )
        self.invalidate_model(["lead_rules_version"], flush=False)

    def write(self, vals):
        result = super().write(vals)
        if any(fname in vals for fname in SCORING_FIELDS):
            self.env["crm.lead"]._pla_rescore_companies(self)
        return result

    def _pla_scoring_settings(self):
        self.ensure_one()
        return {
            "mql_threshold": self.lead_mql_threshold,
            "mql_min_grade": self.lead_mql_min_grade,
            "grade_a": self.lead_grade_a_threshold,
            "grade_b": self.lead_grade_b_threshold,
            "grade_c": self.lead_grade_c_threshold,
            "half_life": self.lead_engagement_half_life,
        }
