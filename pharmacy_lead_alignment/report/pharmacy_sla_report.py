# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools import feedback, lifecycle, sla


class PharmacySlaReport(models.Model):
    """The two-sided SLA ledger: per team, month and policy, how sales kept
    their response and contact times and how marketing kept its volume and
    acceptance commitment. A SQL view: no Python loop over leads."""

    _name = "pharmacy.sla.report"
    _description = "SLA Ledger"
    _auto = False
    _order = "month desc, team_id"

    # sales first: the ledger opens on sales' clocks
    side = fields.Selection(lifecycle.SIDE_SELECTION[::-1], readonly=True)
    month = fields.Date(readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    policy_id = fields.Many2one("pharmacy.sla.policy", readonly=True)
    kind = fields.Selection(sla.KIND_SELECTION, readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    clock_count = fields.Integer(string="Clocks", readonly=True)
    met_count = fields.Integer(string="Met", readonly=True)
    breached_count = fields.Integer(string="Breached", readonly=True)
    met_rate = fields.Float(string="Met (%)", aggregator="avg", readonly=True)
    median_hours = fields.Float(
        string="Median (working h)", aggregator="avg", readonly=True
    )
    p90_hours = fields.Float(
        string="90th pct (working h)", aggregator="max", readonly=True
    )
    handed_off_count = fields.Integer(string="Handed Off", readonly=True)
    accepted_count = fields.Integer(string="Accepted", readonly=True)
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    acceptance_rate = fields.Float(
        string="Accepted (%)", aggregator="avg", readonly=True
    )
    volume_target = fields.Integer(string="Volume Promised", readonly=True)
    volume_attainment = fields.Float(
        string="Volume Attained (%)", aggregator="avg", readonly=True
    )
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
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %(table)s AS (
            WITH sales AS (
                SELECT clock.team_id, clock.policy_id, clock.kind, clock.company_id,
                       date_trunc('month', clock.start)::date AS month,
                       count(*) AS clock_count,
                       count(*) FILTER (WHERE clock.state = %(met)s) AS met_count,
                       count(*) FILTER (WHERE clock.state = %(breached)s)
                           AS breached_count,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY clock.hours_taken)
                           FILTER (WHERE clock.reached_date IS NOT NULL)
                           AS median_hours,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY clock.hours_taken)
                           FILTER (WHERE clock.reached_date IS NOT NULL) AS p90_hours
                  FROM pharmacy_lead_sla clock
                 WHERE clock.state != %(closed)s
                 GROUP BY 1, 2, 3, 4, 5
            ),
            marketing AS (
                SELECT event.team_id, event.company_id,
                       date_trunc('month', event.date)::date AS month,
                       count(*) FILTER (WHERE event.to_state = %(handed_off)s)
                           AS handed_off_count,
                       count(*) FILTER (WHERE event.from_state = %(handed_off)s
                                          AND event.to_state = %(accepted)s)
                           AS accepted_count
                  FROM pharmacy_lead_event event
                 WHERE event.from_state IS DISTINCT FROM event.to_state
                   AND (event.to_state = %(handed_off)s
                        OR (event.from_state = %(handed_off)s
                            AND event.to_state = %(accepted)s))
                 GROUP BY 1, 2, 3
            ),
            rejected AS (
                SELECT prev.team_id, date_trunc('month', event.date)::date AS month,
                       count(*) AS rejected_count
                  FROM pharmacy_lead_event event
                  JOIN LATERAL (
                        SELECT handed.team_id FROM pharmacy_lead_event handed
                         WHERE handed.lead_id = event.lead_id
                           AND handed.to_state = %(handed_off)s
                           AND handed.from_state IS DISTINCT FROM %(handed_off)s
                           AND handed.id < event.id
                         ORDER BY handed.id DESC LIMIT 1
                  ) prev ON TRUE
                 WHERE event.from_state = %(handed_off)s
                   AND event.to_state IN %(rejected_to)s
                 GROUP BY 1, 2
            ),
            flags AS (
                SELECT flag.team_id, flag.company_id,
                       date_trunc('month', flag.date)::date AS month,
                       count(*) AS mishandled_count
                  FROM pharmacy_lead_feedback flag
                 WHERE flag.direction = %(flag_direction)s
                   AND flag.verdict = %(flag)s
                 GROUP BY 1, 2, 3
            ),
            volume_policy AS (
                SELECT DISTINCT ON (rel.team_id)
                       rel.team_id, policy.id AS policy_id,
                       policy.volume_target, policy.acceptance_target
                  FROM pharmacy_sla_policy policy
                  JOIN pharmacy_sla_policy_crm_team_rel rel
                    ON rel.policy_id = policy.id
                 WHERE policy.kind = %(volume)s AND policy.active
                 ORDER BY rel.team_id, policy.sequence, policy.id
            )
            SELECT row_number() OVER () AS id, * FROM (
                SELECT %(sales)s AS side, month, team_id, policy_id, kind,
                       company_id, clock_count, met_count, breached_count,
                       CASE WHEN clock_count > 0
                            THEN 100.0 * met_count / clock_count END AS met_rate,
                       median_hours, p90_hours,
                       NULL::int AS handed_off_count, NULL::int AS accepted_count,
                       NULL::int AS rejected_count, NULL::float AS acceptance_rate,
                       NULL::int AS volume_target, NULL::float AS volume_attainment,
                       NULL::float AS acceptance_target,
                       NULL::int AS mishandled_count
                  FROM sales
                UNION ALL
                SELECT %(marketing)s, m.month, m.team_id, vp.policy_id,
                       %(volume)s, m.company_id, NULL, NULL, NULL, NULL,
                       NULL, NULL, m.handed_off_count, m.accepted_count,
                       COALESCE(r.rejected_count, 0),
                       CASE WHEN m.handed_off_count > 0
                            THEN 100.0 * m.accepted_count / m.handed_off_count END,
                       vp.volume_target,
                       CASE WHEN vp.volume_target > 0
                            THEN 100.0 * m.handed_off_count / vp.volume_target END,
                       vp.acceptance_target, NULL
                  FROM marketing m
                  LEFT JOIN rejected r
                    ON r.team_id = m.team_id AND r.month = m.month
                  LEFT JOIN volume_policy vp ON vp.team_id = m.team_id
                 WHERE m.handed_off_count > 0
                UNION ALL
                SELECT %(sales)s, month, team_id, NULL, NULL, company_id, NULL, NULL,
                       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, mishandled_count
                  FROM flags
            ) AS ledger
            )
            """,
                table=SQL.identifier(self._table),
                met=sla.MET,
                breached=sla.BREACHED,
                closed=sla.CLOSED,
                volume=sla.KIND_VOLUME,
                handed_off=lifecycle.HANDED_OFF,
                accepted=lifecycle.ACCEPTED,
                rejected_to=tuple(lifecycle.REJECTED_TO),
                flag_direction=feedback.DIRECTION_MARKETING,
                flag=feedback.VERDICT_FLAG,
                sales=lifecycle.SIDE_SALES,
                marketing=lifecycle.SIDE_MARKETING,
            )
        )
