# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import AccessError

from ..tools import kpi, lifecycle
from ..tools.groups import GROUP_DESK


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
        """The digest's period and companies, once its reader may see them."""
        self._pla_check_access()
        start, end, companies = self._get_kpi_compute_parameters()
        return (
            fields.Datetime.to_datetime(start),
            fields.Datetime.to_datetime(end),
            companies,
        )

    def _pla_totals(self, report, aggregates, domain=()):
        """``{digest: [sum of each aggregated field]}`` of the report's rows
        of the window and of the digest's companies: the same rows as the
        dashboard and the ledger (``tools.kpi``)."""
        start, end, companies = self._pla_window()
        groups = (
            self.env[report]
            .sudo()
            ._read_group(
                [*kpi.period_domain(start, end, companies.ids), *domain],
                ["company_id"],
                [f"{field}:sum" for field in aggregates],
            )
        )
        by_field = [
            {company: sums[index] for company, *sums in groups}
            for index in range(len(aggregates))
        ]
        return {
            digest: [digest._pla_in_scope(companies, values) for values in by_field]
            for digest in self
        }

    def _pla_ratio(self, field):
        """``{digest: the ratio tools.kpi.RATIOS[field]}``, recomputed from
        the sums of the digest's companies."""
        numerator, denominator, scale = kpi.RATIOS[field]
        totals = self._pla_totals("pharmacy.sla.report", [numerator, denominator])
        return {
            digest: kpi.ratio(above, below, scale) or 0.0
            for digest, (above, below) in totals.items()
        }

    def _pla_in_scope(self, companies, values):
        """Sum ``{company: value}`` over the companies of this digest (all
        the computed companies for a digest without a company)."""
        self.ensure_one()
        scope = self.company_id or companies
        return sum(value for company, value in values.items() if company in scope)

    def _compute_kpi_pla_handed_off_value(self):
        totals = self._pla_totals("pharmacy.sla.report", ["handed_off_count"])
        for digest, (count,) in totals.items():
            digest.kpi_pla_handed_off_value = count

    def _compute_kpi_pla_acceptance_value(self):
        """Sales decisions on hand-offs of the period that accepted."""
        for digest, value in self._pla_ratio("acceptance_rate").items():
            digest.kpi_pla_acceptance_value = value

    def _compute_kpi_pla_sla_sales_value(self):
        """Sales clocks of the period met in time, among those decided."""
        for digest, value in self._pla_ratio("met_rate").items():
            digest.kpi_pla_sla_sales_value = value

    def _compute_kpi_pla_sla_marketing_value(self):
        """Leads handed off in the period against the promised monthly volume,
        prorated to the days of the period (``tools.kpi.prorate``)."""
        start, end, companies = self._pla_window()
        handed_off = self._pla_totals("pharmacy.sla.report", ["handed_off_count"])
        promises = (
            self.env["pharmacy.sla.report"]
            .sudo()
            ._read_group(
                [
                    ("fact", "=", kpi.FACT_TARGET),
                    ("month", ">=", start.date().replace(day=1)),
                    ("month", "<", end.date()),
                    ("company_id", "in", companies.ids),
                ],
                ["company_id", "month:day"],
                ["volume_target:sum"],
            )
        )
        monthly = defaultdict(dict)
        for company, month, target in promises:
            monthly[company][month] = target
        last_day = (end - timedelta(microseconds=1)).date()
        targets = {
            company: kpi.prorate(months, start.date(), last_day)
            for company, months in monthly.items()
        }
        for digest in self:
            digest.kpi_pla_sla_marketing_value = (
                kpi.ratio(
                    handed_off[digest][0], digest._pla_in_scope(companies, targets)
                )
                or 0.0
            )

    def _compute_kpi_pla_marketing_revenue_value(self):
        """Won revenue of the marketing-sourced leads won in the period (the
        funnel's and ROI's revenue)."""
        totals = self._pla_totals(
            "pharmacy.funnel.report",
            ["revenue"],
            [
                ("lead_origin", "=", lifecycle.ORIGIN_MARKETING),
                ("reached_won", "=", 1),
            ],
        )
        for digest, (revenue,) in totals.items():
            digest.kpi_pla_marketing_revenue_value = revenue

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        dashboard = (
            "pharmacy_lead_alignment.pharmacy_alignment_dashboard_action"
            f"&menu_id={menu}"
        )
        for kpi_name in (
            "kpi_pla_handed_off",
            "kpi_pla_acceptance",
            "kpi_pla_sla_sales",
            "kpi_pla_sla_marketing",
            "kpi_pla_marketing_revenue",
        ):
            res[kpi_name] = dashboard
        return res
