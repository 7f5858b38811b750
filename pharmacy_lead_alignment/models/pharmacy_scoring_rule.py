# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import feedback, lifecycle, scoring
from ..tools.feedback import DEFAULT_PERIOD_DAYS, PERIOD_FROM_KEY, PERIOD_TO_KEY
from ..tools.groups import GROUP_MANAGER
from ..tools.scoring import (
    CATEGORY_ENGAGEMENT,
    CATEGORY_FIT,
    TRIGGER_ACTIVITY,
    TRIGGER_CUSTOM,
)
from .pharmacy_rpc_args import RpcArgs

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
    does before it is saved.
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
    revision_ids = fields.One2many(
        "pharmacy.scoring.rule.revision", "rule_id", string="Applied Suggestions"
    )

    # What sales' reviews say of the rule, over the period of the context
    eff_matched = fields.Integer(
        string="Leads Matched",
        compute="_compute_effectiveness",
        help="Leads reviewed by sales in the period that matched this rule when "
        "they were handed off.",
    )
    eff_accept_rate = fields.Float(
        string="Accepted (%)", compute="_compute_effectiveness", digits=(16, 1)
    )
    eff_won_rate = fields.Float(
        string="Won (%)", compute="_compute_effectiveness", digits=(16, 1)
    )
    eff_rating_avg = fields.Float(
        string="Average Rating", compute="_compute_effectiveness", digits=(16, 2)
    )
    eff_others_accept_rate = fields.Float(
        string="Others Accepted (%)",
        compute="_compute_effectiveness",
        digits=(16, 1),
        help="Accept rate of the reviewed leads that did not match this rule.",
    )
    eff_lift = fields.Float(
        string="Lift",
        compute="_compute_effectiveness",
        digits=(16, 2),
        help="Accept rate of the matched leads divided by that of the others: "
        "above 1, sales accept these leads more often.",
    )
    eff_has_verdict = fields.Boolean(
        string="Enough Leads",
        compute="_compute_effectiveness",
        help="Both the matched and the other leads reach the minimum sample set "
        "in the scoring settings.",
    )
    eff_suggested_points = fields.Integer(
        string="Suggested Points", compute="_compute_effectiveness"
    )

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

    # ------------------------------------------------------------
    # EFFECTIVENESS
    # ------------------------------------------------------------

    @api.model
    def _period(self):
        """``(first day, last day)`` of the period in the context, by default
        the last 90 days.

        :raise UserError: naming the context key that is not a date, or when
            the period ends before it starts
        """
        args = RpcArgs(self.env)
        context = self.env.context
        date_to = args.date(PERIOD_TO_KEY, context.get(PERIOD_TO_KEY))
        date_from = args.date(PERIOD_FROM_KEY, context.get(PERIOD_FROM_KEY))
        today = fields.Date.context_today(self)
        date_to = fields.Date.to_date(date_to) or today
        date_from = fields.Date.to_date(date_from) or date_to - relativedelta(
            days=DEFAULT_PERIOD_DAYS - 1
        )
        if date_from > date_to:
            raise UserError(
                self.env._(
                    "The period starts on %(start)s, after it ends on "
                    "%(end)s: swap the dates.",
                    start=fields.Date.to_string(date_from),
                    end=fields.Date.to_string(date_to),
                )
            )
        return date_from, date_to

    @api.model
    def _reviews(self, company_ids, date_from, date_to):
        """The first sales review (accept or reject) of each lead reviewed in
        the period, per company: ``{company id: [(accepted, won, rating,
        rule ids)]}``. Two queries, whatever the number of rules."""
        Feedback = self.env["pharmacy.lead.feedback"]
        Feedback.flush_model()
        self.env["crm.lead"].flush_model(["lifecycle_state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT ON (review.lead_id)
                       review.id, review.company_id, review.verdict = %(accept)s,
                       COALESCE(lead.lifecycle_state = %(won)s, FALSE),
                       review.rating
                  FROM pharmacy_lead_feedback review
                  JOIN crm_lead lead ON lead.id = review.lead_id
                 WHERE review.direction = %(sales)s
                   AND review.verdict IN %(verdicts)s
                   AND review.company_id IN %(companies)s
                   AND review.date >= %(start)s AND review.date < %(end)s
                 ORDER BY review.lead_id, review.date, review.id
                """,
                accept=feedback.VERDICT_ACCEPT,
                won=lifecycle.WON,
                sales=feedback.DIRECTION_SALES,
                verdicts=(feedback.VERDICT_ACCEPT, feedback.VERDICT_REJECT),
                companies=tuple(company_ids) or (0,),
                start=datetime.combine(date_from, time.min),
                end=datetime.combine(date_to + relativedelta(days=1), time.min),
            )
        )
        rows = self.env.cr.fetchall()
        rules_of = {}
        if rows:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT feedback_id, array_agg(rule_id)
                      FROM pharmacy_lead_feedback_rule_rel
                     WHERE feedback_id IN %s
                     GROUP BY feedback_id
                    """,
                    tuple(row[0] for row in rows),
                )
            )
            rules_of = dict(self.env.cr.fetchall())
        by_company = {}
        for review_id, company_id, accepted, won, rating in rows:
            by_company.setdefault(company_id, []).append(
                (accepted, won, rating or None, frozenset(rules_of.get(review_id, ())))
            )
        return by_company

    @api.depends_context(PERIOD_FROM_KEY, PERIOD_TO_KEY, "allowed_company_ids")
    def _compute_effectiveness(self):
        date_from, date_to = self._period()
        companies = self.env.companies
        reviews = self._reviews(companies.ids, date_from, date_to)
        settings = self.env.company
        min_sample = settings.feedback_min_sample
        max_step = settings.feedback_max_step
        results = {}
        for company in [False, *companies.ids]:
            rules = self.filtered(
                lambda rule, company=company: (
                    rule.category == CATEGORY_FIT and rule.company_id.id == company
                )
            )
            if not rules:
                continue
            scope = (
                reviews.get(company, [])
                if company
                else [row for rows in reviews.values() for row in rows]
            )
            results.update(
                feedback.rule_effectiveness(scope, rules.ids, min_sample=min_sample)
            )
        for rule in self:
            result = results.get(rule.id)
            rule.eff_matched = result.matched if result else 0
            rule.eff_accept_rate = (result and result.accept_rate) or 0.0
            rule.eff_won_rate = (result and result.won_rate) or 0.0
            rule.eff_rating_avg = (result and result.rating_avg) or 0.0
            rule.eff_others_accept_rate = (result and result.others_accept_rate) or 0.0
            lift = result.lift if result else None
            rule.eff_lift = (
                0.0 if lift is None else (999.0 if lift == float("inf") else lift)
            )
            rule.eff_has_verdict = bool(result and result.has_verdict)
            rule.eff_suggested_points = (
                feedback.suggested_points(rule.points, lift, max_step=max_step)
                if rule.eff_has_verdict
                else rule.points
            )

    def action_apply_suggestion(self):
        """Alignment Manager: set each rule's points to the suggested ones,
        logging every change (which can be reverted). Re-scores once."""
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only an Alignment Manager can apply suggested points.")
            )
        if not self:
            raise UserError(self.env._("Select the rules to apply suggestions to."))
        date_from, date_to = self._period()
        min_sample = self.env.company.feedback_min_sample
        changes = []
        for rule in self:
            if rule.category != CATEGORY_FIT:
                raise UserError(
                    self.env._(
                        "“%(rule)s” is an engagement rule: suggestions are made "
                        "for fit rules only.",
                        rule=rule.name,
                    )
                )
            if not rule.eff_has_verdict:
                raise UserError(
                    self.env._(
                        "“%(rule)s”: too few reviewed leads from %(start)s to "
                        "%(end)s for a suggestion (%(matched)s matched, %(others)s "
                        "others; at least %(minimum)s of each are needed). Choose a "
                        "longer period or wait for more feedback.",
                        rule=rule.name,
                        start=fields.Date.to_string(date_from),
                        end=fields.Date.to_string(date_to),
                        matched=rule.eff_matched,
                        others=rule._others_count(),
                        minimum=min_sample,
                    )
                )
            if rule.eff_suggested_points != rule.points:
                changes.append((rule, rule.points, rule.eff_suggested_points))
        if not changes:
            return False
        self.env["pharmacy.scoring.rule.revision"].sudo().create(
            [
                {
                    "rule_id": rule.id,
                    "old_points": old,
                    "new_points": new,
                    "lift": rule.eff_lift,
                    "matched": rule.eff_matched,
                    "date_from": date_from,
                    "date_to": date_to,
                    "user_id": self.env.uid,
                    "company_id": rule.company_id.id,
                }
                for rule, old, new in changes
            ]
        )
        self.browse()._set_points({rule: new for rule, _old, new in changes})
        return True

    def _others_count(self):
        """Reviewed leads in the period that this rule did not match."""
        self.ensure_one()
        date_from, date_to = self._period()
        reviews = self._reviews(self.env.companies.ids, date_from, date_to)
        scope = (
            reviews.get(self.company_id.id, [])
            if self.company_id
            else [row for rows in reviews.values() for row in rows]
        )
        return sum(1 for row in scope if self.id not in row[3])

    @api.model
    def _set_points(self, points_of):
        """Write new points on several rules, then re-score once."""
        rules = self.browse([rule.id for rule in points_of])
        for rule, points in points_of.items():
            rule.with_context(pla_defer_rescore=True).write({"points": points})
        rules._rescore_after_change()
