#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the data call of the head's dashboard over many leads.

Fills a fresh database with N leads spread over the lifecycle (each with its
event log: entered, qualified, handed off, accepted, won or lost, over the
last months), SLA clocks, sales reviews, 30 campaigns with costs and a
published sales-process map, then times
``pharmacy.alignment.dashboard.get_dashboard_data`` for each period (the
call the dashboard makes) and prints seconds and queries.

Usage: benchmarks/dashboard.py [--leads 100000] [--db pla_bench_dash] [--keep]
Needs PostgreSQL and Odoo 18.0 installed in this Python (see README).
"""

import argparse
import statistics
import time

from scoring import cleanup, odoo_config, prepare_database

# How far each lead goes: (share of leads, the states it passes through)
PATHS = [
    (0.25, ["inquiry"]),
    (0.15, ["inquiry", "nurturing"]),
    (0.10, ["inquiry", "mql"]),
    (0.05, ["inquiry", "mql", "handed_off"]),
    (0.10, ["inquiry", "mql", "handed_off", "nurturing"]),
    (0.10, ["inquiry", "mql", "handed_off", "accepted", "opportunity"]),
    (0.12, ["inquiry", "mql", "handed_off", "accepted", "opportunity", "won"]),
    (0.08, ["inquiry", "mql", "handed_off", "accepted", "lost"]),
    (0.05, ["accepted", "opportunity", "won"]),  # sales-sourced
]


def fill(env, count):
    desk = env["crm.team"].create({"name": "Desk", "alignment_role": "marketing"})
    sales = env["crm.team"].create({"name": "Sales", "alignment_role": "sales"})
    env.company.lead_desk_team_id = desk
    response = env["pharmacy.sla.policy"].create(
        {
            "name": "Answer in 4 h",
            "kind": "sales_response",
            "team_ids": [(6, 0, sales.ids)],
            "hours": 4,
        }
    )
    env["pharmacy.sla.policy"].create(
        {
            "name": "2,000 MQLs a month",
            "kind": "marketing_volume",
            "team_ids": [(6, 0, sales.ids)],
            "volume_target": 2000,
            "acceptance_target": 70,
        }
    )
    campaigns = env["utm.campaign"].create(
        [{"title": f"Campaign {n}"} for n in range(30)]
    )
    env["pharmacy.marketing.cost"].create(
        [
            {"campaign_id": campaign.id, "amount": 10_000 + 500 * n}
            for n, campaign in enumerate(campaigns)
        ]
    )
    reason = env.ref("pharmacy_lead_alignment.feedback_reason_no_budget")
    env.cr.execute(
        """
        CREATE TEMP TABLE bench_path (path_no int, states text[], share float);
        """
    )
    for number, (share, states) in enumerate(PATHS):
        env.cr.execute(
            "INSERT INTO bench_path VALUES (%s, %s, %s)", [number, states, share]
        )
    # leads: the path of each, by share; dates over the last 180 days
    env.cr.execute(
        """
        WITH bounds AS (
            SELECT path_no, states,
                   sum(share) OVER (ORDER BY path_no) - share AS low,
                   sum(share) OVER (ORDER BY path_no) AS high
              FROM bench_path
        ),
        numbers AS (
            SELECT n, (n %% 1000) / 1000.0 AS pick
              FROM generate_series(1, %(count)s) n
        )
        INSERT INTO crm_lead (name, type, active, company_id, team_id,
                              lifecycle_state, lead_origin, campaign_id,
                              expected_revenue, recycle_count, create_date,
                              write_date, date_closed, probability)
        SELECT 'Lead ' || n, 'lead', b.states[array_length(b.states, 1)] != 'lost',
               %(company)s,
               CASE WHEN b.states[array_length(b.states, 1)]
                         IN ('inquiry', 'nurturing', 'mql') THEN %(desk)s
                    ELSE %(sales)s END,
               b.states[array_length(b.states, 1)],
               CASE WHEN b.states[1] = 'accepted' THEN 'sales' ELSE 'marketing' END,
               (%(campaigns)s::int[])[1 + n %% 30], 1000 + n %% 50000,
               CASE WHEN b.states[array_length(b.states, 1)] = 'nurturing'
                     AND 'handed_off' = ANY(b.states) THEN 1 ELSE 0 END,
               now() - (n %% 180) * interval '1 day', now(),
               CASE WHEN b.states[array_length(b.states, 1)] = 'won'
                    THEN now() - (n %% 180) * interval '1 day' + interval '9 days'
               END, 10
          FROM numbers
          JOIN bounds b ON numbers.pick >= b.low AND numbers.pick < b.high
        """.replace("%(count)s", str(count)),
        {
            "company": env.company.id,
            "desk": desk.id,
            "sales": sales.id,
            "campaigns": campaigns.ids,
        },
    )
    # the event log: one row per state, a day apart
    env.cr.execute(
        """
        INSERT INTO pharmacy_lead_event (lead_id, from_state, to_state, date,
                                         team_id, company_id, is_override,
                                         create_date, write_date)
        SELECT lead.id, CASE WHEN s.i > 1 THEN b.states[s.i - 1] END,
               b.states[s.i], lead.create_date + (s.i - 1) * interval '1 day',
               lead.team_id, lead.company_id, false, now(), now()
          FROM crm_lead lead
          JOIN bench_path b ON b.states[array_length(b.states, 1)]
                               = lead.lifecycle_state
                           AND (b.states[1] = 'accepted') = (lead.lead_origin = 'sales')
                           AND (lead.recycle_count > 0) = ('handed_off' = ANY(b.states)
                                AND b.states[array_length(b.states, 1)] = 'nurturing')
          CROSS JOIN LATERAL generate_subscripts(b.states, 1) AS s(i)
         WHERE lead.name LIKE 'Lead %'
        """
    )
    # the stages each move reached first, as the module logs them
    env["pharmacy.lead.event"]._backfill_reach()
    # a response clock and a review for every hand-off
    env.cr.execute(
        """
        INSERT INTO pharmacy_lead_sla (lead_id, policy_id, kind, team_id, start,
                                       deadline,
                                       reached_date, state, escalation_level,
                                       company_id, create_date, write_date)
        SELECT event.lead_id, %s, 'sales_response', event.team_id, event.date,
               event.date + interval '4 hours', event.date + interval '2 hours',
               CASE WHEN event.lead_id %% 5 = 0 THEN 'breached' ELSE 'met' END, 0,
               event.company_id, now(), now()
          FROM pharmacy_lead_event event WHERE event.to_state = 'handed_off'
        """,
        [response.id],
    )
    env.cr.execute(
        """
        INSERT INTO pharmacy_lead_feedback (lead_id, lead_name, direction, verdict,
                                           reason_id, rating, user_id, date,
                                           team_id, company_id, create_date,
                                           write_date)
        SELECT event.lead_id, 'Lead', 'sales',
               CASE WHEN event.to_state = 'accepted' THEN 'accept' ELSE 'reject' END,
               CASE WHEN event.to_state = 'accepted' THEN NULL ELSE %s END,
               1 + event.lead_id %% 5, %s, event.date, event.team_id,
               event.company_id, now(), now()
          FROM pharmacy_lead_event event WHERE event.from_state = 'handed_off'
        """,
        [reason.id, env.uid],
    )
    pmap = env["pharmacy.process.map"].create(
        {
            "name": "Sales process",
            "step_ids": [(0, 0, {"lifecycle_state": "inquiry", "name": "Inquiry"})],
        }
    )
    pmap.action_publish()
    env.cr.execute("ANALYZE")
    env.cr.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--db", default="pla_bench_dash")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    odoo, conf = odoo_config(args.db)
    try:
        print(f"Preparing {args.db} with {args.leads} leads …")
        prepare_database(args.db, conf)
        registry = odoo.modules.registry.Registry(args.db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            fill(env, args.leads)
            events = env["pharmacy.lead.event"].search_count([])
            print(f"{args.leads} leads, {events} lifecycle events")
            admin = env.ref("base.user_admin")
            Dashboard = env["pharmacy.alignment.dashboard"].with_user(admin)
            Dashboard.get_dashboard_data("month")  # warm the caches
            for period in ("month", "quarter", "year"):
                times = []
                for _run in range(args.runs):
                    env.invalidate_all()
                    queries = odoo.sql_db.sql_counter
                    start = time.perf_counter()
                    data = Dashboard.get_dashboard_data(period)
                    times.append(time.perf_counter() - start)
                    queries = odoo.sql_db.sql_counter - queries
                won = data["funnel"]["marketing"][-1]["count"]
                print(
                    f"  get_dashboard_data({period!r:<9}) "
                    f"{statistics.median(times):6.3f} s (median of {args.runs}) "
                    f"{queries:4d} queries   marketing leads won: {won}"
                )
    finally:
        cleanup(args.db, conf, args.keep)


if __name__ == "__main__":
    main()
