# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.pharmacy_lead_event import REPORT_FIELDS
from ..tools import feedback, kpi, lifecycle, sla
from ..tools.groups import GROUP_DESK


class PharmacySlaReport(models.Model):
    """The two-sided SLA ledger: one row per fact (``tools.kpi``): a sales
    clock, a lead handed off for the first time, a sales decision on a
    hand-off, a month of a team's promised volume, a mishandled flag. Counts
    are sums of rows and every ratio of any group (a pivot cell, its total,
    the dashboard's tile, the digest) is recomputed from those sums. A SQL
    view: no Python loop over leads."""

    _name = "pharmacy.sla.report"
    _inherit = ["pharmacy.report.ratio.mixin"]
    _description = "SLA Ledger"
    _auto = False
    _order = "date desc, id desc"
    _depends = {
        "pharmacy.lead.sla": [
            "lead_id",
            "team_id",
            "policy_id",
            "kind",
            "company_id",
            "start",
            "state",
            "reached_date",
            "hours_taken",
        ],
        "pharmacy.funnel.report": ["lead_id"],
        "pharmacy.lead.event": list(REPORT_FIELDS),
        "pharmacy.sla.policy": [
            "kind",
            "active",
            "sequence",
            "company_id",
            "volume_target",
            "acceptance_target",
            "team_ids",
        ],
        "crm.team": ["company_id"],
        "pharmacy.lead.feedback": [
            "direction",
            "verdict",
            "team_id",
            "company_id",
            "date",
            "lead_id",
        ],
    }

    fact = fields.Selection(kpi.FACT_SELECTION, readonly=True)
    # sales first: the ledger opens on sales' clocks
    side = fields.Selection(lifecycle.SIDE_SELECTION[::-1], readonly=True)
    date = fields.Datetime(readonly=True)
    month = fields.Date(readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    policy_id = fields.Many2one("pharmacy.sla.policy", readonly=True)
    kind = fields.Selection(sla.KIND_SELECTION, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    # sales read the ledger, not the names of the desk's leads
    lead_id = fields.Many2one("crm.lead", readonly=True, groups=GROUP_DESK)
    clock_count = fields.Integer(string="Clocks", readonly=True)
    met_count = fields.Integer(string="Met", readonly=True)
    breached_count = fields.Integer(string="Breached", readonly=True)
    decided_count = fields.Integer(
        string="Clocks Decided",
        readonly=True,
        help="Clocks met or breached (running and closed clocks aside).",
    )
    hours = fields.Float(string="Working Hours Taken", readonly=True)
    # ratios and percentiles: recomputed for any group (tools.kpi)
    met_rate = fields.Float(string="Met (%)", aggregator="avg", readonly=True)
    median_hours = fields.Float(
        string="Median (working h)", aggregator="avg", readonly=True
    )
    p90_hours = fields.Float(
        string="90th pct (working h)", aggregator="avg", readonly=True
    )
    handed_off_count = fields.Integer(string="Handed Off", readonly=True)
    accepted_count = fields.Integer(string="Accepted", readonly=True)
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    reviewed_count = fields.Integer(string="Decisions", readonly=True)
    acceptance_rate = fields.Float(
        string="Accepted (%)", aggregator="avg", readonly=True
    )
    volume_target = fields.Integer(string="Volume Promised", readonly=True)
    volume_attainment = fields.Float(
        string="Volume Attained (%)", aggregator="avg", readonly=True
    )
    acceptance_promised = fields.Float(readonly=True)
    acceptance_target = fields.Float(
        string="Acceptance Promised (%)", aggregator="avg", readonly=True
    )
    mishandled_count = fields.Integer(
        string="Flagged as Mishandled",
        readonly=True,
        help="Accepted leads the desk flagged: no contact within the SLA, closed "
        "without a reason, never followed up.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        zero = SQL(
            "0 AS clock_count, 0 AS met_count, 0 AS breached_count, "
            "0 AS decided_count, NULL::float AS hours, NULL::float AS met_rate, "
            "NULL::float AS median_hours, NULL::float AS p90_hours"
        )
        no_marketing = SQL(
            "0 AS handed_off_count, 0 AS accepted_count, 0 AS rejected_count, "
            "0 AS reviewed_count, NULL::float AS acceptance_rate, "
            "0 AS volume_target, NULL::float AS volume_attainment, "
            "0.0 AS acceptance_promised, NULL::float AS acceptance_target"
        )
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %(table)s AS (
            WITH volume_policy AS (
                SELECT DISTINCT ON (rel.team_id)
                       rel.team_id, policy.id AS policy_id,
                       COALESCE(policy.company_id, team.company_id) AS company_id,
                       policy.volume_target,
                       COALESCE(policy.acceptance_target, 0) AS acceptance_target
                  FROM pharmacy_sla_policy policy
                  JOIN pharmacy_sla_policy_crm_team_rel rel
                    ON rel.policy_id = policy.id
                  JOIN crm_team team ON team.id = rel.team_id
                 WHERE policy.kind = %(volume)s AND policy.active
                 ORDER BY rel.team_id, policy.sequence, policy.id
            ),
            months AS (
                SELECT generate_series(
                           date_trunc('month', min(date)),
                           date_trunc('month', GREATEST(
                               max(date), now() AT TIME ZONE 'UTC')),
                           interval '1 month'
                       )::date AS month
                  FROM pharmacy_lead_event
            )
            SELECT clock.id * 8 + 1 AS id, %(fact_clock)s AS fact,
                   %(sales)s AS side, clock.start AS date,
                   date_trunc('month', clock.start)::date AS month,
                   clock.team_id, clock.policy_id, clock.kind, clock.company_id,
                   clock.lead_id,
                   1 AS clock_count,
                   (clock.state = %(met)s)::int AS met_count,
                   (clock.state = %(breached)s)::int AS breached_count,
                   (clock.state IN %(decided)s)::int AS decided_count,
                   CASE WHEN clock.reached_date IS NOT NULL
                        THEN clock.hours_taken END AS hours,
                   CASE WHEN clock.state IN %(decided)s
                        THEN 100.0 * (clock.state = %(met)s)::int END AS met_rate,
                   CASE WHEN clock.reached_date IS NOT NULL
                        THEN clock.hours_taken END AS median_hours,
                   CASE WHEN clock.reached_date IS NOT NULL
                        THEN clock.hours_taken END AS p90_hours,
                   %(no_marketing)s, 0 AS mishandled_count
              FROM pharmacy_lead_sla clock
             WHERE clock.state != %(closed)s
            UNION ALL
            -- the funnel's rule: a lead is handed off once (tools.kpi)
            SELECT funnel.id * 8 + 2, %(fact_handoff)s, %(marketing)s, funnel.date,
                   date_trunc('month', funnel.date)::date, funnel.team_id,
                   vp.policy_id, %(volume)s, funnel.company_id, funnel.lead_id,
                   %(zero)s,
                   1, 0, 0, 0, NULL, 0, NULL, 0.0, NULL, 0
              FROM pharmacy_funnel_report funnel
              LEFT JOIN volume_policy vp ON vp.team_id = funnel.team_id
             WHERE funnel.reached_handed_off = 1
            UNION ALL
            -- a decision belongs to the team the lead was handed to
            SELECT event.id * 8 + 3, %(fact_decision)s, %(marketing)s, event.date,
                   date_trunc('month', event.date)::date, handed.team_id,
                   vp.policy_id, %(volume)s, event.company_id, event.lead_id,
                   %(zero)s,
                   0,
                   (event.to_state = %(accepted)s)::int,
                   (event.to_state IN %(rejected_to)s)::int,
                   1,
                   100.0 * (event.to_state = %(accepted)s)::int,
                   0, NULL, 0.0, NULL, 0
              FROM pharmacy_lead_event event
              JOIN LATERAL (
                    SELECT previous.team_id FROM pharmacy_lead_event previous
                     WHERE previous.lead_id = event.lead_id
                       AND previous.to_state = %(handed_off)s
                       AND previous.from_state IS DISTINCT FROM %(handed_off)s
                       AND (previous.date, previous.id) < (event.date, event.id)
                     ORDER BY previous.date DESC, previous.id DESC LIMIT 1
              ) handed ON TRUE
              LEFT JOIN volume_policy vp ON vp.team_id = handed.team_id
             WHERE event.from_state = %(handed_off)s
               AND (event.to_state = %(accepted)s
                    OR event.to_state IN %(rejected_to)s)
            UNION ALL
            -- a month of promise, dated noon of its first day (so that every
            -- time zone groups it in its month)
            -- no window function here: the view's filters must reach the
            -- rows of every branch (PostgreSQL pushes them down then)
            SELECT (vp.team_id::bigint * 1000000
                    + EXTRACT(YEAR FROM months.month)::int * 12
                    + EXTRACT(MONTH FROM months.month)::int) * 8 + 4,
                   %(fact_target)s, %(marketing)s,
                   months.month + interval '12 hours', months.month, vp.team_id,
                   vp.policy_id, %(volume)s, vp.company_id, NULL,
                   %(zero)s,
                   0, 0, 0, 0, NULL,
                   vp.volume_target, 0.0,
                   vp.acceptance_target * vp.volume_target, vp.acceptance_target, 0
              FROM volume_policy vp CROSS JOIN months
            UNION ALL
            SELECT flag.id * 8 + 5, %(fact_flag)s, %(sales)s, flag.date,
                   date_trunc('month', flag.date)::date, flag.team_id,
                   NULL, NULL, flag.company_id, flag.lead_id,
                   %(zero)s, %(no_marketing)s, 1
              FROM pharmacy_lead_feedback flag
             WHERE flag.direction = %(flag_direction)s
               AND flag.verdict = %(flag)s
            )
            """,
                table=SQL.identifier(self._table),
                zero=zero,
                no_marketing=no_marketing,
                met=sla.MET,
                breached=sla.BREACHED,
                decided=(sla.MET, sla.BREACHED),
                closed=sla.CLOSED,
                volume=sla.KIND_VOLUME,
                handed_off=lifecycle.HANDED_OFF,
                accepted=lifecycle.ACCEPTED,
                rejected_to=tuple(lifecycle.REJECTED_TO),
                flag_direction=feedback.DIRECTION_MARKETING,
                flag=feedback.VERDICT_FLAG,
                sales=lifecycle.SIDE_SALES,
                marketing=lifecycle.SIDE_MARKETING,
                fact_clock=kpi.FACT_CLOCK,
                fact_handoff=kpi.FACT_HANDOFF,
                fact_decision=kpi.FACT_DECISION,
                fact_target=kpi.FACT_TARGET,
                fact_flag=kpi.FACT_FLAG,
            )
        )
