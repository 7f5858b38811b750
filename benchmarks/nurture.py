#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the nurture scheduled action on many due leads.

Fills a fresh database with N desk leads enrolled in a nurture track whose
first step is due today (an activity for half of them, an e-mail to leads
with marketing consent for the other half), then runs the scheduled action
the way ``ir.cron`` does, batch after batch, and prints leads per second.

Usage: benchmarks/nurture.py [--leads 50000] [--db pla_bench_nurture] [--keep]
Needs PostgreSQL and Odoo 18.0 installed in this Python (see README).
"""

import argparse
import time

from scoring import cleanup, odoo_config, prepare_database


def fill(env, count):
    desk = env["crm.team"].create({"name": "Lead Desk", "alignment_role": "marketing"})
    env.company.lead_desk_team_id = desk
    env["pharmacy.nurture.track"].search([]).active = False
    env["pharmacy.scoring.rule"].search([]).active = False
    template = env.ref("pharmacy_lead_alignment.mail_template_nurture_clinic_intro")
    call = env.ref("mail.mail_activity_data_call")
    Track = env["pharmacy.nurture.track"]
    step = [
        (
            0,
            0,
            {
                "name": "Call",
                "wait_days": 0,
                "action": "activity",
                "activity_type_id": call.id,
            },
        ),
        (
            0,
            0,
            {
                "name": "Later",
                "wait_days": 30,
                "action": "activity",
                "activity_type_id": call.id,
            },
        ),
    ]
    Track.create(
        {
            "name": "Calls",
            "sequence": 1,
            "domain": "[('pharmacy_segment', '=', 'doctor')]",
            "step_ids": step,
        }
    )
    Track.create(
        {
            "name": "E-mails",
            "sequence": 2,
            "domain": "[('pharmacy_segment', '=', 'clinic')]",
            "step_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Offer",
                        "wait_days": 0,
                        "action": "email",
                        "mail_template_id": template.id,
                    },
                ),
                (
                    0,
                    0,
                    {
                        "name": "Later",
                        "wait_days": 30,
                        "action": "activity",
                        "activity_type_id": call.id,
                    },
                ),
            ],
        }
    )
    user = env["res.users"].create(
        {
            "name": "Desk",
            "login": "bench_desk",
            "groups_id": [
                (
                    6,
                    0,
                    [
                        env.ref("pharmacy_lead_alignment.group_alignment_desk").id,
                        env.ref("base.group_user").id,
                    ],
                )
            ],
        }
    )
    Lead = env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True)
    done = 0
    while done < count:
        size = min(1000, count - done)
        leads = Lead.create(
            [
                {
                    "name": f"Lead {done + i}",
                    "pharmacy_segment": "doctor" if (done + i) % 2 else "clinic",
                    "email_from": f"lead{done + i}@clinic.example.com",
                    "user_id": user.id,
                }
                for i in range(size)
            ]
        )
        env["pharmacy.lead.consent"].create(
            [
                {"lead_id": lead.id, "kind": "marketing", "source": "web_form"}
                for lead in leads
            ]
        )
        env.cr.commit()
        done += size
        print(f"  {done} leads enrolled", end="\r", flush=True)
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--db", default="pla_bench_nurture")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    odoo, conf = odoo_config(args.db)
    try:
        print(f"Preparing {args.db} with {args.leads} due leads …")
        prepare_database(args.db, conf)
        registry = odoo.modules.registry.Registry(args.db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            fill(env, args.leads)
            Lead = env["crm.lead"]
            due = Lead.search_count([("nurture_state", "=", "running")])
            print(f"{due} leads due today, batches of {args.batch}")
            batches = 0
            start = time.perf_counter()
            while True:
                before = Lead.search_count(
                    [("nurture_step_id.name", "in", ["Call", "Offer"])]
                )
                if not before:
                    break
                Lead._cron_run_nurture_steps(batch_size=args.batch)
                cr.commit()  # as ir.cron does after each call
                env.invalidate_all()
                batches += 1
            elapsed = time.perf_counter() - start
            mails = env["mail.mail"].search_count([])
            activities = env["mail.activity"].search_count([])
            print(
                f"  {due} leads in {elapsed:.1f} s ({batches} batches):"
                f" {due / elapsed:.0f} leads/s; {mails} e-mails queued,"
                f" {activities} activities"
            )
    finally:
        cleanup(args.db, conf, args.keep)


if __name__ == "__main__":
    main()
