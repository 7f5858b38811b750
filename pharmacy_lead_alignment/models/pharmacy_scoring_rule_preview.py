# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What saving a fit rule would do, shown in its form before it is saved.

The open leads the rule, as it stands in the form, matches, the grades that
change, the leads that qualify or fall back, counted with the scoring
engine's own arithmetic (``tools/scoring.py``) over a few grouped queries
(:data:`PREVIEW_GROUPBY`), never a loop over leads. For Alignment Managers.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..tools import scoring
from ..tools.groups import GROUP_MANAGER
from ..tools.scoring import CATEGORY_FIT

#: What the preview of a fit rule groups the open leads by: everything the
#: scoring decision reads (``scoring.rescore``), so that leads alike share a
#: group and the preview runs a few grouped queries, never a loop over leads.
PREVIEW_GROUPBY = (
    "company_id",
    "lifecycle_state",
    "fit_score",
    "lead_score",
    "lead_grade",
    "mql_by_hand",
    "engagement_since_recycle",
    "recycled_at:year",
)


class PharmacyScoringRule(models.Model):
    """What saving a fit rule as it stands in the form does, shown before it
    is saved: the open leads it matches, the grades that change, the leads
    that qualify or fall back (the engine's own arithmetic)."""

    # one concern per file, on one model
    _inherit = "pharmacy.scoring.rule"  # pylint: disable=consider-merging-classes-inherited

    preview_matched = fields.Integer(
        string="Open Leads Matched",
        compute="_compute_preview",
        groups=GROUP_MANAGER,
        help="Open leads of the rule's company that the rule, as it stands in the "
        "form, gives its points to.",
    )
    preview_grade = fields.Integer(
        string="Grades That Change",
        compute="_compute_preview",
        groups=GROUP_MANAGER,
        help="Open leads whose grade (A to D) changes on saving.",
    )
    preview_up = fields.Integer(
        string="Leads That Qualify",
        compute="_compute_preview",
        groups=GROUP_MANAGER,
        help="Inquiry and Nurturing leads that reach the MQL threshold on saving; "
        "each gets a “Ready for hand-off” activity for the desk.",
    )
    preview_down = fields.Integer(
        string="Leads That Fall Back",
        compute="_compute_preview",
        groups=GROUP_MANAGER,
        help="Leads qualified by their score that fall back below the MQL "
        "threshold on saving, to the state they were qualified from.",
    )

    # ------------------------------------------------------------
    # PREVIEW
    # ------------------------------------------------------------

    @api.depends(
        "domain", "points", "active", "category", "company_id", "applies_to_all"
    )
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_preview(self):
        for rule in self:
            effect = rule._preview_effect()
            rule.preview_matched = effect["matched"]
            rule.preview_grade = effect["grade"]
            rule.preview_up = effect["up"]
            rule.preview_down = effect["down"]

    def _preview_effect(self):
        """What saving this rule as it stands (in the form: ``self`` is the
        edited copy, ``self._origin`` the rule as saved) does to the open
        leads: how many it matches, change grade, reach the MQL threshold or
        fall back below it.

        Grouped counts over the leads the rule changes (those it matches
        now and those it matched before, each gaining or losing points), with
        the scoring's own arithmetic (``scoring.change_effect``): exactly what
        the scoring does on saving, for scores as they stand today. A few
        queries whatever the number of leads.
        """
        self.ensure_one()
        new = self._preview_terms(self)
        old = self._preview_terms(self._origin) if self._origin else None
        if not new and not old:
            return dict.fromkeys(scoring.PREVIEW_KEYS, 0)
        parts = []  # (lead domain, matched, delta)
        if new and old and new[0] == old[0]:
            parts.append((new[0], True, new[1] - old[1]))
        else:
            if new and old:
                parts.append((expression.AND([new[0], old[0]]), True, new[1] - old[1]))
            if new:
                parts.append(
                    (
                        expression.AND([new[0], self._not(old[0]) if old else []]),
                        True,
                        new[1],
                    )
                )
            if old:
                parts.append(
                    (
                        expression.AND([old[0], self._not(new[0]) if new else []]),
                        False,
                        -old[1],
                    )
                )
        Lead = self.env["crm.lead"].sudo().with_context(active_test=True)
        scoring_domain = Lead._pla_scoring_domain()
        groups, companies = [], set()
        for domain, matched, delta in parts:
            for company, *key, count in Lead._read_group(
                expression.AND([scoring_domain, domain]),
                list(PREVIEW_GROUPBY),
                ["__count"],
            ):
                state, fit, score, grade, by_hand, fresh, recycled = key
                company_id = company.id or self.env.company.id
                companies.add(company_id)
                groups.append(
                    (
                        count,
                        matched,
                        delta,
                        company_id,
                        state,
                        fit,
                        score,
                        grade,
                        by_hand,
                        fresh if recycled else None,
                    )
                )
        settings_of = {
            company.id: company._pla_scoring_settings()
            for company in self.env["res.company"].sudo().browse(sorted(companies))
        }
        return scoring.change_effect(groups, settings_of)

    def _preview_terms(self, rule):
        """``(lead domain, points)`` of the leads ``rule`` gives its points
        to, within the companies it scores; ``None`` when it gives none (not
        an active fit rule, or a filter being edited that is not valid
        yet)."""
        if not rule or rule.category != CATEGORY_FIT or not rule.active:
            return None
        try:
            domain = rule._parse_domain()
        except ValidationError:
            return None
        if rule.company_id:
            # a lead without a company is scored with the current company
            scope = [rule.company_id.id]
            if rule.company_id == self.env.company:
                scope.append(False)
            domain = expression.AND([[("company_id", "in", scope)], domain])
        return expression.normalize_domain(domain), rule.points

    @api.model
    def _not(self, domain):
        return ["!", *expression.normalize_domain(domain)]
