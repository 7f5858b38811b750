#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the SLA scheduled action over many running clocks.

Fills a fresh database with leads handed off to a sales team and N running
SLA clocks (half of them past their deadline), then runs the SLA action the
way ``ir.cron`` does, batch after batch, and prints seconds and queries per
batch.

Usage: benchmarks/sla.py [--clocks 100000] [--db pla_bench_sla] [--keep]
Needs PostgreSQL and Odoo 18.0 installed in this Python (see README).
"""

import argparse
import time

from scoring import cleanup, odoo_config, prepare_database

LEADS = 10_000


def fill(env, clocks):
    sales = env["crm.team"].create(
        {"name": "Sales", "alignment_role": "sales", "user_id": env.uid}
    )
    policy = env["pharmacy.sla.policy"].create(
        {
            "name": "Answer in 4 h",
            "kind": "sales_response",
            "team_ids": [(6, 0, sales.ids)],
            "hours": 4,
        }
    )
    Lead = env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True)
    leads = Lead.browse()
    for start in range(0, LEADS, 1000):
        leads |= Lead.create(
            [{"name": f"Lead {start + i}", "type": "lead"} for i in range(1000)]
        )
    env.cr.execute(
        "UPDATE crm_lead SET team_id = %s, lifecycle_state = 'handed_off'"
        " WHERE id = ANY(%s)",
        [sales.id, leads.ids],
    )
    env.cr.execute(
        """
        INSERT INTO pharmacy_lead_sla
               (lead_id, policy_id, kind, team_id, start, deadline, state,
                escalation_level, company_id, create_date, write_date)
        SELECT (%s::int[])[1 + (n %% %s)], %s, 'sales_response', %s,
               now() - interval '1 day',
               CASE WHEN n %% 2 = 0 THEN now() - interval '1 hour'
                    ELSE now() + interval '1 day' END,
               'running', 0, %s, now(), now()
          FROM generate_series(0, %s - 1) AS n
        """,
        [leads.ids, len(leads), policy.id, sales.id, env.company.id, clocks],
    )
    env.cr.commit()
    return policy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--db", default="pla_bench_sla")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    odoo, conf = odoo_config(args.db)
    try:
        print(f"Preparing {args.db} with {args.clocks} running clocks …")
        prepare_database(args.db, conf)
        registry = odoo.modules.registry.Registry(args.db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            fill(env, args.clocks)
            Clock = env["pharmacy.lead.sla"]
            late = Clock.search_count([("deadline", "<", odoo.fields.Datetime.now())])
            print(f"{args.clocks} running clocks, {late} past their deadline")
            print(f"  {'batch':>5} {'seconds':>8} {'queries':>8}")
            total, batches = 0.0, 0
            while True:
                queries = odoo.sql_db.sql_counter
                start = time.perf_counter()
                env["crm.lead"]._cron_check_sla(batch_size=args.batch)
                cr.commit()  # as ir.cron does after each call
                elapsed = time.perf_counter() - start
                queries = odoo.sql_db.sql_counter - queries
                env.invalidate_all()
                batches += 1
                total += elapsed
                if batches <= 3 or batches % 10 == 0:
                    print(f"  {batches:>5} {elapsed:8.2f} {queries:8d}")
                if not Clock.search_count(
                    [
                        ("state", "=", "running"),
                        ("deadline", "<", odoo.fields.Datetime.now()),
                    ]
                ):
                    break
            print(
                f"  {late} breaches marked and escalated in {total:.1f} s"
                f" ({batches} passes of {args.batch}): {late / total:.0f} clocks/s"
            )
            start = time.perf_counter()
            env["crm.lead"]._cron_check_sla(batch_size=args.batch)
            print(
                f"  a pass with nothing due: {time.perf_counter() - start:.2f} s"
                f" over {args.clocks} clocks"
            )
    finally:
        cleanup(args.db, conf, args.keep)


if __name__ == "__main__":
    main()
