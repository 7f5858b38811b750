# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL

from ..tools import kpi


class PharmacyReportRatioMixin(models.AbstractModel):
    """Report models whose rows are facts: their ratio and percentile
    columns are recomputed for every group from the rows (``tools.kpi``
    ``RATIOS`` and ``PERCENTILES``), so a pivot's totals, a graph's bars and
    the dashboard read the same figure, never an average of percentages
    (as Odoo's vendor delay report does for its on-time rate)."""

    _name = "pharmacy.report.ratio.mixin"
    _description = "Report with Recomputed Ratios"

    def _read_group_select(self, aggregate_spec, query):
        fname, _sep, _func = aggregate_spec.partition(":")
        if fname in kpi.RATIOS and fname in self._fields:
            numerator, denominator, scale = kpi.RATIOS[fname]
            if numerator in self._fields and denominator in self._fields:
                # the fields are read through the ORM (access checked)
                return SQL(
                    "%(scale)s * SUM(%(num)s) / NULLIF(SUM(%(den)s), 0)",
                    scale=scale,
                    num=self._field_to_sql(self._table, numerator, query),
                    den=self._field_to_sql(self._table, denominator, query),
                )
        if fname in kpi.PERCENTILES and fname in self._fields:
            column, fraction = kpi.PERCENTILES[fname]
            return SQL(
                "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)",
                fraction,
                self._field_to_sql(self._table, column, query),
            )
        return super()._read_group_select(aggregate_spec, query)
