# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lead desk's scoring rules: what each rule is, and what changing it does.

A fit rule gives its points to the leads its filter matches; an engagement
rule turns a signal into dated events on the lead. This file holds the rule,
its checks (points in range, a filter that reads no score, a confirmed
wildcard, a trigger for an engagement rule), the re-scoring that a created,
changed, archived or deleted rule starts, and the cached fit rules of each
company that the scoring engine (``crm_lead_scoring``) reads. What saving a
rule would do is previewed in ``pharmacy_scoring_rule_preview``; what sales'
reviews say of a rule, and the points they suggest, is in
``pharmacy_scoring_rule_effectiveness``.
"""

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import scoring
from ..tools.scoring import (
    CATEGORY_ENGAGEMENT,
    CATEGORY_FIT,
    TRIGGER_ACTIVITY,
    TRIGGER_CUSTOM,
)

# The field lists below name fields of the ORM (of crm.lead and of the rule):
# they stay beside the models they describe; the other constants are in tools/.

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
        "mql_by_hand",
        "engagement_since_recycle",
    }
)
#: Nor any field of these prefixes, along any relation path.
SCORE_PREFIXES = ("score_",)
#: Rule fields whose change alters scores (fit scores, and engagement scores:
#: events count with their rule's current points).
FIT_FIELDS = ("domain", "points", "active", "company_id", "category")
#: Rule fields the cached fit rules hold (their order follows the sequence).
CACHED_FIELDS = (*FIT_FIELDS, "sequence")


class PharmacyScoringRule(models.Model):
    """A qualification rule of the lead desk.

    Fit rules give points to leads matching a domain; engagement rules turn a
    signal (activity done, inbound e-mail, custom code) into dated events.

    Both kinds score with their *current* points: creating, changing,
    archiving or deleting a rule re-scores the leads it scores (at once for a
    few, else through the daily scoring action), so that removing a rule
    undoes exactly what adding it did. A fit rule without a filter must be
    confirmed (``applies_to_all``); the form previews what saving a fit rule
    does before it is saved, and sales' reviews suggest its points.
    """

    _name = "pharmacy.scoring.rule"
    _inherit = ["pharmacy.lead.domain.mixin", "pharmacy.shared.mixin"]
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
        scoring.CATEGORY_SELECTION,
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
    applies_to_all = fields.Boolean(
        string="Applies to Every Lead",
        help="A fit rule without a filter gives its points to every open lead: "
        "tick this to confirm it. A new filter asks for the confirmation again.",
    )
    points = fields.Integer(
        required=True,
        default=10,
        aggregator=False,
        help="Between -100 and 100. Negative points lower the score. Leads score "
        "with the rule's current points, engagement rules too: changing them "
        "re-scores every lead the rule scores, the leads that earned an "
        "engagement signal before included.",
    )
    trigger = fields.Selection(
        scoring.TRIGGER_SELECTION,
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
            domain = rule._parse_domain()
            rule._check_domain_paths(
                domain, forbidden=SCORE_FIELDS, forbidden_prefixes=SCORE_PREFIXES
            )

    # named to run after the points and trigger checks (constraints run in the
    # order of their names): the most basic error is told first
    @api.constrains("domain", "category", "applies_to_all", "active")
    def _check_wildcard_confirmed(self):
        for rule in self.filtered(
            lambda rule: (
                rule.category == CATEGORY_FIT
                and rule.active
                and not rule.applies_to_all
            )
        ):
            if scoring.matches_every_lead(rule._parse_domain()):
                raise ValidationError(
                    self.env._(
                        "Fit rule “%(rule)s” has no filter: it would give "
                        "%(points)s points to every open lead. Add a filter, or "
                        "tick “Applies to Every Lead” to confirm it.",
                        rule=rule.name,
                        points=rule.points,
                    )
                )

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

    # The cached fit rules are keyed on their companies' rules version: each
    # change of a fit rule bumps it before (what is cached while the rule
    # changes is never read under a version other workers see) and after
    # (what is cached from now on holds the change).

    @api.model_create_multi
    def create(self, vals_list):
        Company = self.env["res.company"]
        if any(
            vals.get("category", CATEGORY_FIT) == CATEGORY_FIT for vals in vals_list
        ):
            Company._pla_bump_rules_version()  # their companies are not known yet
        rules = super().create(vals_list)
        fit = rules.filtered(lambda rule: rule.category == CATEGORY_FIT)
        if fit:
            Company._pla_bump_rules_version(fit._version_scope())
        rules._rescore_after_change()
        return rules

    def write(self, vals):
        if "domain" in vals and "applies_to_all" not in vals:
            # a new filter: an empty one must be confirmed again
            vals = {**vals, "applies_to_all": False}
        touches = any(fname in vals for fname in FIT_FIELDS)
        before = self._rescore_scope() if touches else None
        version_scope = []
        if any(fname in vals for fname in CACHED_FIELDS) and (
            self.filtered(lambda r: r.category == CATEGORY_FIT)
            or vals.get("category") == CATEGORY_FIT
        ):
            version_scope = self._version_scope(vals)
        Company = self.env["res.company"]
        Company._pla_bump_rules_version(version_scope)
        result = super().write(vals)
        Company._pla_bump_rules_version(version_scope)
        if touches and not self.env.context.get("pla_defer_rescore"):
            self._rescore_after_change(before)
        return result

    def unlink(self):
        fit_companies = self.filtered(lambda r: r.category == CATEGORY_FIT)
        scope = fit_companies._company_scope()
        version_scope = fit_companies._version_scope() if fit_companies else []
        Company = self.env["res.company"]
        Company._pla_bump_rules_version(version_scope)
        result = super().unlink()
        Company._pla_bump_rules_version(version_scope)
        if fit_companies:
            self.env["crm.lead"]._pla_rescore_companies(scope)
        return result

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _domain_error(self, error):
        return self.env._(
            "Rule “%(rule)s”: its condition is not a valid filter on leads "
            "(%(error)s). Edit it with the domain editor.",
            rule=self.name,
            error=error,
        )

    def _domain_path_error(self, error):
        if error.code == "forbidden":
            return self.env._(
                "Rule “%(rule)s” cannot filter on %(fields)s: scores are the "
                "result of the rules. Filter on what the lead is or did.",
                rule=self.name,
                fields=error.path,
            )
        return super()._domain_path_error(error)

    def _parse_domain(self):
        """The rule's domain as a list, checked against crm.lead.

        :raise ValidationError: naming the rule and what is wrong
        """
        domain = self._lead_domain()
        read = self._domain_fields(domain)
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
    def _domain_fields(self, domain):
        """First-level crm.lead fields a domain reads."""
        return {
            leaf[0].split(".")[0]
            for leaf in domain
            if isinstance(leaf, list | tuple)
            and len(leaf) == 3
            and isinstance(leaf[0], str)
        }

    def _company_scope(self):
        """Companies whose leads these rules score (all for shared rules)."""
        if not self or any(not rule.company_id for rule in self):
            return self.env["res.company"].sudo().search([])
        return self.company_id

    def _version_scope(self, vals=None):
        """Ids of the companies whose fit rules hold these rules, now and once
        ``vals`` are written; ``None`` (every company) for a shared rule."""
        company_ids = set()
        for rule in self.sudo():
            if not rule.company_id:
                return None
            company_ids.add(rule.company_id.id)
        if vals and "company_id" in vals:
            if not vals["company_id"]:
                return None
            company_ids.add(vals["company_id"])
        return company_ids

    def _rescore_scope(self):
        """What these rules score now: ``(companies whose leads the fit
        rules score, ids of the engagement rules)``, kept before a change
        so that the leads they scored before it are re-scored too."""
        fit = self.filtered(lambda rule: rule.category == CATEGORY_FIT)
        return (
            fit._company_scope() if fit else self.env["res.company"],
            set((self - fit).ids),
        )

    def _rescore_after_change(self, before=None):
        """Re-score what these rules score, and scored before the change
        (``before``, from :meth:`_rescore_scope`), with their current
        points: the open leads of the companies of the fit rules, the leads
        that earned an engagement rule. At once for a few leads, else
        through the daily scoring action (``crm.lead._pla_rescore_companies``).
        """
        companies, engagement_ids = self._rescore_scope()
        if before:
            companies |= before[0]
            engagement_ids |= before[1]
        Lead = self.env["crm.lead"]
        if companies:
            Lead._pla_rescore_companies(companies)
        if engagement_ids:
            Lead._pla_rescore_companies(
                self.env["res.company"].sudo().search([]),
                [("engagement_ids.rule_id", "in", sorted(engagement_ids))],
            )

    @api.model
    def _fit_rules_data(self, company_id):
        """``(rule_id, domain, points)`` of the company's active fit rules
        (its own and the shared ones), cached per version of its rules: the
        version comes with the company record, most often already loaded."""
        company = self.env["res.company"].sudo().browse(company_id)
        return self._fit_rules_cached(company_id, company.lead_rules_version)

    @api.model
    @tools.ormcache("company_id", "version")
    def _fit_rules_cached(self, company_id, version):
        """:meth:`_fit_rules_data` of a version of the company's rules,
        which is only part of the cache key."""
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
                    for leaf in rule._parse_domain()
                ),
                rule.points,
            )
            for rule in rules
        )

    @api.model
    def _fit_fields(self, company_id):
        """crm.lead fields read by the company's fit rules."""
        fnames = set()
        for _rule_id, domain, _points in self._fit_rules_data(company_id):
            fnames |= self._domain_fields(domain)
        return fnames

    @api.model
    def _rule_names(self, rule_ids, lang):
        """``{rule id: name in lang}`` of these rules, archived ones too: one
        query per batch of leads, nothing cached, so a renamed rule (or a
        new translation) shows at once."""
        if not rule_ids:
            return {}
        rules = (
            self.sudo()
            .with_context(active_test=False, lang=lang)
            .search_fetch([("id", "in", list(rule_ids))], ["name"])
        )
        return {rule.id: rule.name for rule in rules}

    @api.model
    def _activity_signal_types(self):
        """Activity types that an active engagement rule listens to: one
        small query per batch of activities done, nothing cached."""
        rules = (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch(
                [
                    ("category", "=", CATEGORY_ENGAGEMENT),
                    ("trigger", "=", TRIGGER_ACTIVITY),
                ],
                ["activity_type_id"],
            )
        )
        return frozenset(rules.activity_type_id.ids)
