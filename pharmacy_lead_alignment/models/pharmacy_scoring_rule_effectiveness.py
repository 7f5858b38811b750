# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What sales' reviews say of each fit rule, and the points they suggest.

Over a period of the context (by default the last 90 days), the first sales
review of each lead handed off tells whether the leads a fit rule matched
were accepted, won and rated better than the others (``eff_*``, computed by
:func:`tools.feedback.rule_effectiveness`): the lift, and the points it
suggests within a step (:func:`tools.feedback.suggested_points`). An
Alignment Manager applies the suggestions (:meth:`action_apply_suggestion`),
each logged as a revision (``pharmacy.scoring.rule.revision``) that can be
reverted; either way the rules' leads are re-scored once.
"""

from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import feedback, lifecycle
from ..tools.feedback import DEFAULT_PERIOD_DAYS, PERIOD_FROM_KEY, PERIOD_TO_KEY
from ..tools.groups import GROUP_MANAGER
from ..tools.scoring import CATEGORY_FIT
from .pharmacy_rpc_args import RpcArgs


class PharmacyScoringRule(models.Model):
    """The effectiveness of a fit rule, from sales' reviews."""

    # one concern per file, on one model
    _inherit = "pharmacy.scoring.rule"  # pylint: disable=consider-merging-classes-inherited

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
    # COMPUTES
    # ------------------------------------------------------------

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
            scope = self._reviews_judging(reviews, company)
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

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

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

    # ------------------------------------------------------------
    # HELPERS
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

    @api.model
    def _reviews_judging(self, reviews, company_id):
        """The reviews (of :meth:`_reviews`) a rule of ``company_id`` is
        judged on: its company's, every company's for a shared rule."""
        if company_id:
            return reviews.get(company_id, [])
        return [row for rows in reviews.values() for row in rows]

    def _others_count(self):
        """Reviewed leads in the period that this rule did not match."""
        self.ensure_one()
        date_from, date_to = self._period()
        reviews = self._reviews(self.env.companies.ids, date_from, date_to)
        scope = self._reviews_judging(reviews, self.company_id.id)
        return sum(1 for row in scope if self.id not in row[3])

    @api.model
    def _set_points(self, points_of):
        """Write new points on several rules, then re-score once."""
        rules = self.browse([rule.id for rule in points_of])
        for rule, points in points_of.items():
            rule.with_context(pla_defer_rescore=True).write({"points": points})
        rules._rescore_after_change()
