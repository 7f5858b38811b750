# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import scoring

CATEGORY_FIT = "fit"
CATEGORY_ENGAGEMENT = "engagement"
TRIGGER_ACTIVITY = "activity_done"
TRIGGER_EMAIL = "inbound_email"
TRIGGER_CUSTOM = "custom"

#: Fields a fit rule may not read: they are the result of the scoring itself.
SCORE_FIELDS = frozenset(
    {
        "fit_score",
        "engagement_score",
        "lead_score",
        "lead_grade",
        "score_rule_ids",
        "score_summary",
        "score_date",
        "lifecycle_state",
    }
)
#: Rule fields whose change alters fit scores.
FIT_FIELDS = ("domain", "points", "active", "company_id", "category")


class PharmacyScoringRule(models.Model):
    """A qualification rule of the lead desk.

    Fit rules give points to leads matching a domain; engagement rules turn a
    signal (activity done, inbound e-mail, custom code) into dated events.
    """

    _name = "pharmacy.scoring.rule"
    _inherit = ["pharmacy.lead.domain.mixin"]
    _description = "Lead Scoring Rule"
    _order = "category, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty for a rule that applies to every company.",
    )
    category = fields.Selection(
        [(CATEGORY_FIT, "Fit"), (CATEGORY_ENGAGEMENT, "Engagement")],
        required=True,
        default=CATEGORY_FIT,
        help="Fit: who the lead is (segment, function, contact data).\n"
        "Engagement: what the lead did; its points fade with time.",
    )
    domain = fields.Char(
        string="Applies To",
        default="[]",
        help="The leads this fit rule gives its points to.",
    )
    points = fields.Integer(
        required=True,
        default=10,
        aggregator=False,
        help="Between -100 and 100. Negative points lower the score.",
    )
    trigger = fields.Selection(
        [
            (TRIGGER_ACTIVITY, "Activity Done"),
            (TRIGGER_EMAIL, "Inbound E-mail"),
            (TRIGGER_CUSTOM, "Signal from an Integration"),
        ],
        help="What makes an engagement rule log an event on the lead.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        domain="[('res_model', 'in', [False, 'crm.lead'])]",
    )
    code = fields.Char(
        help="Signal code sent by the website, the loyalty program or the POS "
        "through crm.lead.action_log_engagement(code).",
    )
    description = fields.Text(translate=True)

    # ------------------------------------------------------------
    # CONSTRAINTS
    # ------------------------------------------------------------

    @api.constrains("points")
    def _check_points(self):
        for rule in self:
            try:
                scoring.check_points(rule.points)
            except scoring.ScoringError as error:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: %(points)s points are out of range; use "
                        "a value between -100 and 100.",
                        rule=rule.name,
                        points=rule.points,
                    )
                ) from error

    @api.constrains("domain", "category")
    def _check_domain(self):
        for rule in self.filtered(lambda rule: rule.category == CATEGORY_FIT):
            rule._pla_parse_domain()

    @api.constrains("category", "trigger", "activity_type_id", "code")
    def _check_trigger(self):
        for rule in self.filtered(lambda r: r.category == CATEGORY_ENGAGEMENT):
            if not rule.trigger:
                raise ValidationError(
                    self.env._(
                        "Engagement rule “%(rule)s” needs a trigger: an activity "
                        "done, an inbound e-mail or a signal code.",
                        rule=rule.name,
                    )
                )
            if rule.trigger == TRIGGER_ACTIVITY and not rule.activity_type_id:
                raise ValidationError(
                    self.env._(
                        "Engagement rule “%(rule)s” is triggered by an activity: "
                        "choose the activity type.",
                        rule=rule.name,
                    )
                )
            if rule.trigger == TRIGGER_CUSTOM and not (rule.code or "").strip():
                raise ValidationError(
                    self.env._(
                        "Engagement rule “%(rule)s” is triggered by a signal: "
                        "give its code (for example price_list_request).",
                        rule=rule.name,
                    )
                )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._pla_rescore_after_change()
        return rules

    def write(self, vals):
        touches_fit = any(fname in vals for fname in FIT_FIELDS)
        before = self.filtered(lambda r: r.category == CATEGORY_FIT)
        result = super().write(vals)
        self.env.registry.clear_cache()  # names, fit rules, signal types
        if touches_fit:
            (before | self)._pla_rescore_after_change()
        return result

    def unlink(self):
        fit_companies = self.filtered(lambda r: r.category == CATEGORY_FIT)
        scope = fit_companies._pla_company_scope()
        result = super().unlink()
        self.env.registry.clear_cache()  # fit rules are cached per company
        if fit_companies:
            self.env["crm.lead"]._pla_rescore_companies(scope)
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _pla_domain_error(self, error):
        return self.env._(
            "Rule “%(rule)s”: its condition is not a valid filter on leads "
            "(%(error)s). Edit it with the domain editor.",
            rule=self.name,
            error=error,
        )

    def _pla_parse_domain(self):
        """The rule's domain as a list, checked against crm.lead.

        :raise ValidationError: naming the rule and what is wrong
        """
        domain = self._pla_lead_domain()
        read = self._pla_domain_fields(domain)
        if read & SCORE_FIELDS:
            raise ValidationError(
                self.env._(
                    "Rule “%(rule)s” cannot filter on %(fields)s: scores are the "
                    "result of the rules. Filter on what the lead is or did.",
                    rule=self.name,
                    fields=", ".join(sorted(read & SCORE_FIELDS)),
                )
            )
        return domain

    @api.model
    def _pla_domain_fields(self, domain):
        """First-level crm.lead fields a domain reads."""
        return {
            leaf[0].split(".")[0]
            for leaf in domain
            if isinstance(leaf, list | tuple)
            and len(leaf) == 3
            and isinstance(leaf[0], str)
        }

    def _pla_company_scope(self):
        """Companies whose leads these rules score (all for shared rules)."""
        if not self or any(not rule.company_id for rule in self):
            return self.env["res.company"].sudo().search([])
        return self.company_id

    def _pla_rescore_after_change(self):
        fit = self.filtered(lambda rule: rule.category == CATEGORY_FIT)
        self.env.registry.clear_cache()  # fit rules are cached per company
        if fit:
            self.env["crm.lead"]._pla_rescore_companies(fit._pla_company_scope())

    @api.model
    @tools.ormcache("company_id")
    def _pla_fit_rules_data(self, company_id):
        """``(rule_id, domain, points, name)`` of the company's active fit
        rules, cached until a rule changes."""
        rules = (
            self.sudo()
            .with_context(active_test=True, lang="en_US")
            .search(
                [
                    ("category", "=", CATEGORY_FIT),
                    ("company_id", "in", [company_id, False]),
                ]
            )
        )
        return tuple(
            (
                rule.id,
                tuple(
                    tuple(leaf) if isinstance(leaf, list) else leaf
                    for leaf in rule._pla_parse_domain()
                ),
                rule.points,
            )
            for rule in rules
        )

    @api.model
    def _pla_fit_fields(self, company_id):
        """crm.lead fields read by the company's fit rules."""
        fnames = set()
        for _rule_id, domain, _points in self._pla_fit_rules_data(company_id):
            fnames |= self._pla_domain_fields(domain)
        return fnames

    @api.model
    @tools.ormcache("lang")
    def _pla_rule_names(self, lang):
        """Names of all rules in ``lang``, cached until a rule changes."""
        rules = self.sudo().with_context(active_test=False, lang=lang).search([])
        return {rule.id: rule.name for rule in rules}

    @api.model
    @tools.ormcache()
    def _pla_activity_signal_types(self):
        """Activity types that an active engagement rule listens to."""
        rules = self.sudo().search(
            [("category", "=", CATEGORY_ENGAGEMENT), ("trigger", "=", TRIGGER_ACTIVITY)]
        )
        return frozenset(rules.activity_type_id.ids)
