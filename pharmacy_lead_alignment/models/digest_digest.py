# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools import feedback, funnel, lifecycle, sla
from ..tools.groups import GROUP_DESK

#: The events of a hand-off (a merge is logged in the state the lead stays in:
#: no hand-off).
HAND_OFF_EVENTS = (
    ("to_state", "=", lifecycle.HANDED_OFF),
    ("from_state", "!=", lifecycle.HANDED_OFF),
)
#: Average days in a month, to prorate a monthly volume over a digest period.
DAYS_PER_MONTH = 365.25 / 12


class DigestDigest(models.Model):
    """Lead alignment KPIs in Odoo's periodic digest e-mail."""

    _inherit = "digest.digest"

    kpi_pla_handed_off = fields.Boolean(string="MQLs Handed Off")
    kpi_pla_handed_off_value = fields.Integer(
        compute="_compute_kpi_pla_handed_off_value"
    )
    kpi_pla_acceptance = fields.Boolean(string="Lead Acceptance (%)")
    kpi_pla_acceptance_value = fields.Float(compute="_compute_kpi_pla_acceptance_value")
    kpi_pla_sla_sales = fields.Boolean(string="Sales SLA Met (%)")
    kpi_pla_sla_sales_value = fields.Float(compute="_compute_kpi_pla_sla_sales_value")
    kpi_pla_sla_marketing = fields.Boolean(string="Marketing Volume Delivered (%)")
    kpi_pla_sla_marketing_value = fields.Float(
        compute="_compute_kpi_pla_sla_marketing_value"
    )
    kpi_pla_marketing_revenue = fields.Boolean(
        string="Won Revenue from Marketing Leads"
    )
    kpi_pla_marketing_revenue_value = fields.Monetary(
        compute="_compute_kpi_pla_marketing_revenue_value"
    )

    def _pla_check_access(self):
        if not self.env.user.has_group(GROUP_DESK):
            raise AccessError(
                self.env._("Do not have access, skip this data for user's digest email")
            )

    def _pla_window(self):
        start, end, companies = self._get_kpi_compute_parameters()
        return (
            fields.Datetime.to_datetime(start),
            fields.Datetime.to_datetime(end),
            companies,
        )

    def _pla_events(self, start, end, companies, domain):
        return (
            self.env["pharmacy.lead.event"]
            .sudo()
            ._read_group(
                [
                    ("date", ">=", start),
                    ("date", "<", end),
                    ("company_id", "in", companies.ids),
                    *domain,
                ],
                ["company_id"],
                ["__count"],
            )
        )

    def _pla_in_scope(self, companies, values):
        """Sum ``{company: value}`` over the companies of this digest (all
        the computed companies for a digest without a company)."""
        self.ensure_one()
        scope = self.company_id or companies
        return sum(value for company, value in values.items() if company in scope)

    def _pla_counts(self, groups, wanted=None):
        """``{company: count}`` from ``(company, key, count)`` rows, keeping
        the keys in ``wanted`` (all when ``None``)."""
        counts = defaultdict(int)
        for company, key, count in groups:
            if wanted is None or key in wanted:
                counts[company] += count
        return counts

    def _compute_kpi_pla_handed_off_value(self):
        self._pla_check_access()
        start, end, companies = self._pla_window()
        counts = dict(self._pla_events(start, end, companies, HAND_OFF_EVENTS))
        for digest in self:
            digest.kpi_pla_handed_off_value = digest._pla_in_scope(companies, counts)

    def _compute_kpi_pla_acceptance_value(self):
        """Accepted leads among those sales reviewed in the period."""
        self._pla_check_access()
        start, end, companies = self._pla_window()
        groups = (
            self.env["pharmacy.lead.feedback"]
            .sudo()
            ._read_group(
                [
                    ("date", ">=", start),
                    ("date", "<", end),
                    ("company_id", "in", companies.ids),
                    ("direction", "=", feedback.DIRECTION_SALES),
                    (
                        "verdict",
                        "in",
                        [feedback.VERDICT_ACCEPT, feedback.VERDICT_REJECT],
                    ),
                ],
                ["company_id", "verdict"],
                ["__count"],
            )
        )
        accepted = self._pla_counts(groups, {feedback.VERDICT_ACCEPT})
        reviewed = self._pla_counts(groups)
        for digest in self:
            digest.kpi_pla_acceptance_value = (
                funnel.rate(
                    digest._pla_in_scope(companies, accepted),
                    digest._pla_in_scope(companies, reviewed),
                )
                or 0.0
            )

    def _compute_kpi_pla_sla_sales_value(self):
        """Sales clocks of the period met in time, among those decided."""
        self._pla_check_access()
        start, end, companies = self._pla_window()
        groups = (
            self.env["pharmacy.lead.sla"]
            .sudo()
            ._read_group(
                [
                    ("start", ">=", start),
                    ("start", "<", end),
                    ("company_id", "in", companies.ids),
                    ("state", "in", [sla.MET, sla.BREACHED]),
                ],
                ["company_id", "state"],
                ["__count"],
            )
        )
        met = self._pla_counts(groups, {sla.MET})
        decided = self._pla_counts(groups)
        for digest in self:
            digest.kpi_pla_sla_sales_value = (
                funnel.rate(
                    digest._pla_in_scope(companies, met),
                    digest._pla_in_scope(companies, decided),
                )
                or 0.0
            )

    def _compute_kpi_pla_sla_marketing_value(self):
        """Leads handed off in the period against the promised monthly volume,
        prorated to the length of the period."""
        self._pla_check_access()
        start, end, companies = self._pla_window()
        counts = dict(self._pla_events(start, end, companies, HAND_OFF_EVENTS))
        policies = (
            self.env["pharmacy.sla.policy"]
            .sudo()
            .search(
                [("kind", "=", sla.KIND_VOLUME), ("company_id", "in", companies.ids)]
            )
        )
        targets = defaultdict(int)
        for policy in policies:
            targets[policy.company_id] += policy.volume_target
        months = (end - start) / timedelta(days=DAYS_PER_MONTH)
        for digest in self:
            digest.kpi_pla_sla_marketing_value = (
                funnel.rate(
                    digest._pla_in_scope(companies, counts),
                    digest._pla_in_scope(companies, targets) * months,
                )
                or 0.0
            )

    def _compute_kpi_pla_marketing_revenue_value(self):
        """Expected revenue of marketing-sourced leads won in the period."""
        self._pla_check_access()
        start, end, companies = self._pla_window()
        revenue = dict(
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [
                    ("date_closed", ">=", start),
                    ("date_closed", "<", end),
                    ("company_id", "in", companies.ids),
                    ("lead_origin", "=", lifecycle.ORIGIN_MARKETING),
                    ("lifecycle_state", "=", lifecycle.WON),
                ],
                ["company_id"],
                ["expected_revenue:sum"],
            )
        )
        for digest in self:
            digest.kpi_pla_marketing_revenue_value = digest._pla_in_scope(
                companies, revenue
            )

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        dashboard = (
            "pharmacy_lead_alignment.pharmacy_alignment_dashboard_action"
            f"&menu_id={menu}"
        )
        for kpi in (
            "kpi_pla_handed_off",
            "kpi_pla_acceptance",
            "kpi_pla_sla_sales",
            "kpi_pla_sla_marketing",
            "kpi_pla_marketing_revenue",
        ):
            res[kpi] = dashboard
        return res
