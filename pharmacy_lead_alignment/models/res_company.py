# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import feedback, lifecycle, scoring
from .pharmacy_scoring_settings_mixin import SCORING_FIELDS, SETTINGS_FIELDS

#: Where the versions of the scoring rules are drawn from: a value is never
#: drawn twice, not even when the transaction that drew it rolls back.
RULES_VERSION_SEQUENCE = "pharmacy_lead_alignment_rules_version_seq"


class ResCompany(models.Model):
    _name = "res.company"
    _inherit = ["res.company", "pharmacy.scoring.settings.mixin"]

    lead_desk_team_id = fields.Many2one(
        "crm.team",
        string="Lead Desk",
        domain=f"[('alignment_role', '=', {lifecycle.ROLE_MARKETING!r}), "
        "('company_id', 'in', [id, False])]",
        help="Every new lead of this company that arrives without a sales team "
        "lands in this marketing team, in the Inquiry state.",
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
        default=lifecycle.DEFAULT_WARM_FROM,
        help="Leads with at least this score show as warm, below as cold.",
    )
    lead_hot_threshold = fields.Integer(
        string="Hot from",
        default=lifecycle.DEFAULT_HOT_FROM,
        help="Leads with at least this score show as hot.",
    )
    lead_rules_version = fields.Integer(
        readonly=True,
        copy=False,
        help="Changes whenever a scoring rule of the company (or a shared one) "
        "changes: the key of the cached fit rules.",
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

    @api.constrains(*SETTINGS_FIELDS)
    def _check_lead_settings(self):
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
                feedback.check_settings(
                    company.feedback_min_sample, company.feedback_max_step
                )
            except (scoring.ScoringError, feedback.FeedbackError) as error:
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
                    "min_sample": self.env._(
                        "Feedback of %(company)s: the minimum number of leads per "
                        "verdict must be at least 1 (for example 20).",
                        company=company.display_name,
                    ),
                    "max_step": self.env._(
                        "Feedback of %(company)s: the largest change per "
                        "suggestion must be between 0 and 100 points (for example "
                        "10).",
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
