# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools
from odoo.tools import SQL, formatLang

from ..models.pharmacy_lead_event import REPORT_FIELDS
from ..tools import funnel, lifecycle
from ..tools.groups import GROUP_MANAGER

#: Shown where a ratio has nothing to divide by.
EMPTY = "—"


class PharmacyFunnelReport(models.Model):
    """One row per move that made a lead reach funnel stages for the first
    time (``tools.kpi.first_reached``): summing the ``reached_*`` columns of
    the rows of a period gives its funnel, for any team, origin or campaign;
    over all time, each lead counts once per stage it reached."""

    _name = "pharmacy.funnel.report"
    _inherit = ["pharmacy.report.ratio.mixin"]
    _description = "Lead Funnel"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "lead_id"
    # flushed before the view is read
    _depends = {
        "pharmacy.lead.event": list(REPORT_FIELDS),
        "crm.lead": [
            "user_id",
            "lead_origin",
            "lifecycle_state",
            "campaign_id",
            "source_id",
            "medium_id",
            "recycle_count",
            "expected_revenue",
        ],
    }

    lead_id = fields.Many2one("crm.lead", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one(
        "crm.team", readonly=True, help="The lead's team after the move."
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    lead_origin = fields.Selection(
        lifecycle.ORIGIN_SELECTION, string="Sourced By", readonly=True
    )
    lifecycle_state = fields.Selection(
        lifecycle.STATE_SELECTION, string="Lifecycle Now", readonly=True
    )
    to_state = fields.Selection(
        lifecycle.STATE_SELECTION, string="Moved To", readonly=True
    )
    date = fields.Datetime(string="Reached On", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    reached_inquiry = fields.Integer(string="Inquiries", readonly=True)
    reached_mql = fields.Integer(string="MQLs", readonly=True)
    reached_handed_off = fields.Integer(string="Handed Off", readonly=True)
    reached_accepted = fields.Integer(string="Accepted", readonly=True)
    reached_opportunity = fields.Integer(string="Opportunities", readonly=True)
    reached_won = fields.Integer(string="Won", readonly=True)
    recycled_won = fields.Integer(string="Recycled, Then Won", readonly=True)
    revenue = fields.Float(
        string="Won Revenue",
        readonly=True,
        groups=GROUP_MANAGER,
        help="On the row where the lead was won, if it is still won: its "
        "confirmed sale orders when Sales is installed, else its expected "
        "revenue.",
    )

    @api.model
    def _revenue_sql(self):
        """Won revenue of a lead: its confirmed sale orders when sale_crm is
        installed and it has some, else the expected revenue of a won lead."""
        won = SQL(
            "CASE WHEN lead.lifecycle_state = %s "
            "THEN COALESCE(lead.expected_revenue, 0) ELSE 0 END",
            lifecycle.WON,
        )
        order = self.env.get("sale.order")
        if order is None or "opportunity_id" not in order._fields:
            return SQL(""), won
        join = SQL(
            """
            LEFT JOIN (
                SELECT opportunity_id, sum(amount_untaxed) AS amount
                  FROM sale_order
                 WHERE state = 'sale' AND opportunity_id IS NOT NULL
                 GROUP BY opportunity_id
            ) orders ON orders.opportunity_id = lead.id
            """
        )
        return join, SQL("COALESCE(orders.amount, %s)", won)

    @api.model
    def _leads_sql(self):
        """One row per lead of the flow with the stages it ever reached: from
        the lowest to the highest funnel level its moves reached, kept on the
        lead (``crm_lead_funnel``: the sum of its funnel rows over all time,
        without a pass over the event log), and its won revenue. The ROI
        report sums it per campaign, source and medium."""
        join, revenue = self._revenue_sql()
        reached = SQL(", ").join(
            SQL(
                "(lead.funnel_first_level <= %(level)s"
                " AND lead.funnel_last_level >= %(level)s)::int AS %(column)s",
                level=level,
                column=SQL.identifier(f"reached_{stage}"),
            )
            for level, stage in enumerate(funnel.STAGES)
        )
        return SQL(
            """
            SELECT lead.id AS lead_id, lead.company_id, lead.campaign_id,
                   lead.source_id, lead.medium_id, %(reached)s,
                   %(revenue)s AS revenue
              FROM crm_lead lead
              %(join)s
             WHERE lead.lifecycle_state IS NOT NULL
               AND lead.funnel_last_level IS NOT NULL
            """,
            reached=reached,
            revenue=revenue,
            join=join,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        join, revenue = self._revenue_sql()

        def reached(stage):
            return SQL(
                "(moves.low <= %(level)s AND moves.level >= %(level)s)::int",
                level=funnel.STAGES.index(stage),
            )

        columns = SQL(", ").join(
            SQL("%s AS %s", reached(stage), SQL.identifier(f"reached_{stage}"))
            for stage in funnel.STAGES
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                WITH moves AS (
                    SELECT event.id, event.lead_id, event.date, event.team_id,
                           event.company_id, event.to_state,
                           event.reach_from AS low, event.reach_to AS level
                      FROM pharmacy_lead_event event
                     WHERE event.reach_to >= 0  -- NO_REACH is -1
                )
                SELECT moves.id, moves.lead_id, moves.company_id, moves.team_id,
                       lead.user_id, lead.lead_origin, lead.lifecycle_state,
                       moves.to_state, moves.date,
                       lead.campaign_id, lead.source_id, lead.medium_id,
                       %(columns)s,
                       (%(won)s = 1 AND COALESCE(lead.recycle_count, 0) > 0)::int
                           AS recycled_won,
                       CASE WHEN %(won)s = 1 THEN %(revenue)s ELSE 0 END
                           AS revenue
                  FROM moves
                  JOIN crm_lead lead ON lead.id = moves.lead_id
                  %(join)s
                )
                """,
                table=SQL.identifier(self._table),
                columns=columns,
                won=reached(lifecycle.WON),
                revenue=revenue,
                join=join,
            )
        )


class PharmacyRoiReport(models.Model):
    """Return on the money spent, per campaign, source and medium: leads,
    MQLs, accepted, won, won revenue, cost, cost per MQL, cost per won deal
    and ROI, from the funnel and the marketing costs. Managers only."""

    _name = "pharmacy.roi.report"
    _inherit = ["pharmacy.report.ratio.mixin"]
    _description = "Marketing ROI"
    _auto = False
    _order = "revenue desc"
    _depends = {
        "crm.lead": [
            "funnel_first_level",
            "funnel_last_level",
            "lifecycle_state",
            "company_id",
            "campaign_id",
            "source_id",
            "medium_id",
            "expected_revenue",
        ],
        "pharmacy.marketing.cost": ["campaign_id", "source_id", "company_id", "amount"],
    }

    dimension = fields.Selection(funnel.DIMENSION_SELECTION, readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    source_id = fields.Many2one("utm.source", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    lead_count = fields.Integer(string="Leads", readonly=True)
    mql_count = fields.Integer(string="MQLs", readonly=True)
    accepted_count = fields.Integer(string="Accepted", readonly=True)
    won_count = fields.Integer(string="Won", readonly=True)
    revenue = fields.Monetary(string="Won Revenue", readonly=True)
    cost = fields.Monetary(readonly=True)
    profit = fields.Monetary(
        string="Won Revenue − Cost", readonly=True, aggregator="sum"
    )
    # ratios: recomputed from the sums of any group (tools.kpi.RATIOS)
    cost_per_mql = fields.Monetary(
        string="Cost per MQL", aggregator="avg", readonly=True
    )
    cost_per_won = fields.Monetary(
        string="Cost per Won Deal", aggregator="avg", readonly=True
    )
    roi = fields.Float(string="ROI (%)", aggregator="avg", readonly=True)
    # what the list shows: "—" where there is nothing to divide by
    cost_per_mql_text = fields.Char(string="Cost / MQL", compute="_compute_texts")
    cost_per_won_text = fields.Char(string="Cost / Won Deal", compute="_compute_texts")
    roi_text = fields.Char(string="ROI", compute="_compute_texts")

    def _compute_texts(self):
        for row in self:
            currency = row.currency_id or self.env.company.currency_id
            row.cost_per_mql_text = (
                formatLang(self.env, row.cost_per_mql, currency_obj=currency)
                if row.mql_count and row.cost
                else EMPTY
            )
            row.cost_per_won_text = (
                formatLang(self.env, row.cost_per_won, currency_obj=currency)
                if row.won_count and row.cost
                else EMPTY
            )
            row.roi_text = (
                f"{formatLang(self.env, row.roi, digits=1)} %" if row.cost else EMPTY
            )

    def init(self):
        """One block per dimension (campaign, source, medium), each its
        figures joined to its costs, with a constant ``dimension``: a filter
        on the dimension (the dashboard reads campaigns) skips the other
        blocks, and each lead is read once per block."""
        tools.drop_view_if_exists(self.env.cr, self._table)
        leads = self.env["pharmacy.funnel.report"]._leads_sql()
        costs = {
            funnel.DIMENSION_CAMPAIGN: SQL(
                "SELECT campaign_id AS key_id, company_id, sum(amount) AS cost"
                " FROM pharmacy_marketing_cost WHERE campaign_id IS NOT NULL"
                " GROUP BY 1, 2"
            ),
            funnel.DIMENSION_SOURCE: SQL(
                "SELECT source_id AS key_id, company_id, sum(amount) AS cost"
                " FROM pharmacy_marketing_cost"
                " WHERE campaign_id IS NULL AND source_id IS NOT NULL"
                " GROUP BY 1, 2"
            ),
        }
        no_cost = SQL(
            "SELECT NULL::int AS key_id, NULL::int AS company_id,"
            " NULL::numeric AS cost WHERE FALSE"
        )

        def block(number, dimension):
            key = SQL.identifier(f"{dimension}_id")
            return SQL(
                """
                SELECT
                    -- a stable id: Odoo reads the rows it found by their ids
                    (%(number)s::bigint << 32) + row_number() OVER (
                        ORDER BY COALESCE(f.key_id, c.key_id),
                                 COALESCE(f.company_id, c.company_id)
                    ) AS id,
                    %(dimension)s AS dimension,
                    %(campaign)s AS campaign_id, %(source)s AS source_id,
                    %(medium)s AS medium_id,
                    COALESCE(f.company_id, c.company_id) AS company_id,
                    COALESCE(f.lead_count, 0) AS lead_count,
                    COALESCE(f.mql_count, 0) AS mql_count,
                    COALESCE(f.accepted_count, 0) AS accepted_count,
                    COALESCE(f.won_count, 0) AS won_count,
                    COALESCE(f.revenue, 0) AS revenue,
                    COALESCE(c.cost, 0) AS cost
                  FROM (
                        SELECT %(key)s AS key_id, company_id,
                               count(*) AS lead_count,
                               sum(reached_mql) AS mql_count,
                               sum(reached_accepted) AS accepted_count,
                               sum(reached_won) AS won_count,
                               sum(revenue) AS revenue
                          FROM (%(leads)s) leads
                         WHERE %(key)s IS NOT NULL
                         GROUP BY %(key)s, company_id
                  ) f
                  FULL OUTER JOIN (%(costs)s) c
                    ON c.key_id = f.key_id AND c.company_id = f.company_id
                """,
                number=number,
                dimension=dimension,
                key=key,
                leads=leads,
                costs=costs.get(dimension, no_cost),
                **{
                    name: (
                        SQL("COALESCE(f.key_id, c.key_id)")
                        if name == dimension
                        else SQL("NULL::int")
                    )
                    for name in funnel.DIMENSIONS
                },
            )

        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT id, dimension, campaign_id, source_id, medium_id,
                       company_id, lead_count, mql_count, accepted_count,
                       won_count, revenue, cost, revenue - cost AS profit,
                       CASE WHEN mql_count > 0 THEN cost / mql_count END
                           AS cost_per_mql,
                       CASE WHEN won_count > 0 THEN cost / won_count END
                           AS cost_per_won,
                       CASE WHEN cost > 0 THEN 100.0 * (revenue - cost) / cost END
                           AS roi
                  FROM (%(blocks)s) AS blocks
                )
                """,
                table=SQL.identifier(self._table),
                blocks=SQL(" UNION ALL ").join(
                    block(number, dimension)
                    for number, dimension in enumerate(funnel.DIMENSIONS)
                ),
            )
        )


class PharmacyVelocityReport(models.Model):
    """How long leads stay in each lifecycle state: one row per stay that
    ended, with its hours. Any group's count, average, median and 90th
    percentile are computed from its rows (``tools.kpi``)."""

    _name = "pharmacy.velocity.report"
    _inherit = ["pharmacy.report.ratio.mixin"]
    _description = "Lead Velocity"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "lead_id"
    _depends = {
        "pharmacy.lead.event": list(REPORT_FIELDS),
        "crm.lead": ["lead_origin"],
    }

    lead_id = fields.Many2one("crm.lead", readonly=True)
    state = fields.Selection(lifecycle.STATE_SELECTION, readonly=True)
    date = fields.Datetime(string="Entered On", readonly=True)
    month = fields.Date(readonly=True)
    team_id = fields.Many2one("crm.team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lead_origin = fields.Selection(
        lifecycle.ORIGIN_SELECTION, string="Sourced By", readonly=True
    )
    span_count = fields.Integer(string="Leads", readonly=True)
    hours = fields.Float(readonly=True)
    avg_hours = fields.Float(string="Average (h)", aggregator="avg", readonly=True)
    median_hours = fields.Float(string="Median (h)", aggregator="avg", readonly=True)
    p90_hours = fields.Float(string="90th pct (h)", aggregator="avg", readonly=True)

    @api.model
    def _spans_sql(self, since=None):
        """One row per stay of a lead in a state that it has left: event id,
        lead, state, team, company, origin, start and hours.

        :param since: only the stays that started then or later (the stays
            after a stay are later still, so its end is unchanged)
        """
        return SQL(
            """
            SELECT spans.*,
                   EXTRACT(EPOCH FROM spans.date_end - spans.date_start) / 3600.0
                       AS hours
              FROM (
                SELECT event.id, event.lead_id, event.to_state AS state,
                       event.team_id, event.company_id, lead.lead_origin,
                       event.date AS date_start,
                       lead(event.date) OVER (
                           PARTITION BY event.lead_id ORDER BY event.date, event.id
                       ) AS date_end
                  FROM pharmacy_lead_event event
                  JOIN crm_lead lead ON lead.id = event.lead_id
                 -- a merge is logged in the state the lead stays in: no stay
                 WHERE event.from_state IS DISTINCT FROM event.to_state AND %s
              ) spans
             WHERE spans.date_end IS NOT NULL
            """,
            SQL("event.date >= %s", since) if since else SQL("TRUE"),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT id, lead_id, state, date_start AS date,
                       date_trunc('month', date_start)::date AS month,
                       team_id, company_id, lead_origin,
                       1 AS span_count, hours, hours AS avg_hours,
                       hours AS median_hours, hours AS p90_hours
                  FROM (%(spans)s) AS stays
                )
                """,
                table=SQL.identifier(self._table),
                spans=self._spans_sql(),
            )
        )
