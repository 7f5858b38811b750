#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time the lead scoring at scale against Odoo's own predictive scoring.

Fills a fresh database with N leads of realistic variety (countries,
sources, mediums, campaigns, tags, segments, functions, e-mail and phone)
and 30 active fit rules, then times in one run:

  (a0) the first scoring of leads that were never scored (an install);
  (a)  a full re-scoring of every open lead of the flow (what the nightly
       action does: every lead re-evaluated, only what changed written);
  (a1) the same after one rule's points changed;
  (b) Odoo's ``_cron_update_automated_probabilities`` on the same leads;
  (c) one bare SQL ``UPDATE`` of an integer column on the same rows (floor).

and prints seconds, query counts and the ratios to (b) and (c).

Usage: benchmarks/scoring.py [--leads 100000] [--db pla_bench] [--keep]
Needs PostgreSQL and Odoo 18.0 installed in this Python (see README).
"""

import argparse
import getpass
import os
import random
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDON = "pharmacy_lead_alignment"
PLS_FIELDS = "phone_state,email_state,source_id,tag_ids,country_id,state_id"
SEGMENTS = [
    "clinic",
    "doctor",
    "corporate",
    "franchise",
    "care_home",
    "patient",
    "other",
]
FUNCTIONS = ["Chief physician", "Director", "Procurement", "Pharmacist", "Nurse", ""]
DOMAINS = ["clinic.ru", "gmail.com", "mail.ru", "yandex.ru", "corp.example.com"]


def odoo_addons_path():
    import odoo  # noqa: PLC0415

    pkg = os.path.dirname(odoo.__file__)
    paths = [REPO]
    for path in (
        os.path.join(os.path.dirname(pkg), "addons"),
        os.path.join(pkg, "addons"),
    ):
        if os.path.isdir(path):
            paths.append(path)
    return ",".join(paths)


#: PostgreSQL as scripts/demo and scripts/test reach it (PGHOST, PGPORT, PGUSER).
PG_HOST = os.environ.get("PGHOST") or "127.0.0.1"
PG_PORT = os.environ.get("PGPORT") or "5432"
PG_USER = os.environ.get("PGUSER") or getpass.getuser()
PG_ARGS = ["-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER]


def odoo_config(db):
    """Import Odoo (or exit with one sentence) and point it at ``db`` through
    a temporary config file; returns ``(odoo, config path)``."""
    try:
        import odoo  # noqa: PLC0415
    except ImportError:
        sys.exit("Odoo 18.0 is not installed in this Python: see README.")
    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(
            f"[options]\ndb_host = {PG_HOST}\ndb_port = {PG_PORT}\n"
            f"db_user = {PG_USER}\n"
            f"addons_path = {odoo_addons_path()}\n"
        )
    odoo.tools.config.parse_config(["-c", conf.name, "-d", db])
    return odoo, conf.name


def cleanup(db, conf_path, keep):
    """Close Odoo's connections, remove the config, drop the database."""
    import odoo  # noqa: PLC0415

    os.unlink(conf_path)
    odoo.sql_db.close_db(db)
    if not keep:
        subprocess.run(["dropdb", "--if-exists", *PG_ARGS, db], check=False)


def run(cmd):
    subprocess.run(cmd, check=True)


def prepare_database(db, conf, modules=ADDON):
    """A fresh database ``db`` with ``modules`` installed, no demo data."""
    run(["dropdb", "--if-exists", *PG_ARGS, db])
    run(["createdb", *PG_ARGS, db])
    run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            conf,
            "-d",
            db,
            "-i",
            modules,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ]
    )


def make_reference_data(env):
    """Sources, mediums, campaigns and tags, as the baseline had them."""
    return {
        "sources": env["utm.source"].create(
            [{"name": f"Source {i}"} for i in range(20)]
        ),
        "mediums": env["utm.medium"].create(
            [{"name": f"Medium {i}"} for i in range(5)]
        ),
        "campaigns": env["utm.campaign"].create(
            [{"name": f"Campaign {i}"} for i in range(30)]
        ),
        "tags": env["crm.tag"].create([{"name": f"Tag {i}"} for i in range(15)]),
    }


def make_rules(env, rng, ref):
    """30 active fit rules over what a lead is."""
    Rule = env["pharmacy.scoring.rule"]
    Rule.search([]).active = False
    countries = env["res.country"].search([], limit=15)
    sources = ref["sources"]
    tags = ref["tags"]
    rules = []
    for segment in SEGMENTS:
        rules.append((f"Segment {segment}", [("pharmacy_segment", "=", segment)]))
    for function in FUNCTIONS[:4]:
        rules.append((f"Function {function}", [("function", "ilike", function)]))
    for domain in DOMAINS:
        rules.append((f"E-mail {domain}", [("email_from", "=ilike", f"%@{domain}")]))
    rules.append(("Phone", [("phone", "!=", False)]))
    for country in countries[:5]:
        rules.append((f"Country {country.code}", [("country_id", "=", country.id)]))
    for source in sources[:4]:
        rules.append((f"Source {source.id}", [("source_id", "=", source.id)]))
    for tag in tags[:4]:
        rules.append((f"Tag {tag.id}", [("tag_ids", "in", [tag.id])]))
    rules = rules[:30]
    Rule.create(
        [
            {
                "name": name,
                "domain": repr(domain),
                "points": rng.randint(-20, 30),
                "company_id": False,
            }
            for name, domain in rules
        ]
    )
    return len(rules)


def make_leads(env, count, rng, ref):
    """Leads through the ORM in batches, spread over the waterfall."""
    Lead = env["crm.lead"]
    countries = env["res.country"].search([], limit=15).ids
    sources = ref["sources"].ids
    mediums = ref["mediums"].ids
    campaigns = ref["campaigns"].ids
    tags = ref["tags"].ids
    desk = env["crm.team"].create({"name": "Lead Desk", "alignment_role": "marketing"})
    env.company.lead_desk_team_id = desk
    sales = env["crm.team"].create({"name": "Sales", "alignment_role": "sales"})
    Lead = Lead.with_context(tracking_disable=True, mail_create_nolog=True)
    done = 0
    while done < count:
        size = min(1000, count - done)
        vals_list = []
        for i in range(size):
            n = done + i
            vals_list.append(
                {
                    "name": f"Lead {n}",
                    "pharmacy_segment": rng.choice(SEGMENTS),
                    "function": rng.choice(FUNCTIONS),
                    "email_from": (
                        f"lead{n}@{rng.choice(DOMAINS)}"
                        if rng.random() < 0.8
                        else False
                    ),
                    "phone": f"+7 900 {n:07d}" if rng.random() < 0.6 else False,
                    "country_id": rng.choice(countries),
                    "source_id": rng.choice(sources),
                    "medium_id": rng.choice(mediums),
                    "campaign_id": rng.choice(campaigns),
                    "tag_ids": [(6, 0, rng.sample(tags, rng.randint(0, 3)))],
                }
            )
        Lead.create(vals_list)
        env.cr.commit()
        done += size
        print(f"  {done} leads created", end="\r", flush=True)
    print()
    # 70 % go to sales as opportunities, then a third of those won, a third lost
    cr = env.cr
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    open_stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    cr.execute(
        "UPDATE crm_lead SET type = 'opportunity', lifecycle_state = 'opportunity',"
        " team_id = %s, stage_id = %s WHERE id %% 10 >= 3",
        (sales.id, open_stage.id),
    )
    cr.execute(
        "UPDATE crm_lead SET lifecycle_state = 'won', stage_id = %s, probability = 100"
        " WHERE id %% 10 IN (3, 4)",
        (won_stage.id,),
    )
    cr.execute(
        "UPDATE crm_lead SET lifecycle_state = 'lost', active = false, probability = 0"
        " WHERE id % 10 IN (5, 6)"
    )
    cr.execute(
        "UPDATE crm_lead SET fit_score = 0, engagement_score = 0, lead_score = 0,"
        " lead_grade = NULL, score_reason_data = NULL, score_date = NULL"
    )
    cr.execute("DELETE FROM crm_lead_scoring_rule_rel")
    env.invalidate_all()
    env["ir.config_parameter"].set_param("crm.pls_fields", PLS_FIELDS)
    env.cr.commit()


def timed(env, label, func, keep=False):
    """Run ``func`` once and print its time; roll back unless ``keep``."""
    import odoo  # noqa: PLC0415

    env.invalidate_all()
    queries = odoo.sql_db.sql_counter
    start = time.perf_counter()
    func()
    env.flush_all()
    elapsed = time.perf_counter() - start
    queries = odoo.sql_db.sql_counter - queries
    if keep:
        env.cr.commit()
    else:
        env.cr.rollback()
    env.invalidate_all()
    env.registry.clear_cache()
    print(f"  {label:<58} {elapsed:8.2f} s {queries:8d} queries")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--db", default="pla_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="reuse a filled database")
    args = parser.parse_args()
    odoo, conf = odoo_config(args.db)
    rng = random.Random(42)
    try:
        if not args.reuse:
            print(f"Preparing {args.db} with {args.leads} leads …")
            prepare_database(args.db, conf)
        registry = odoo.modules.registry.Registry(args.db)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if not args.reuse:
                ref = make_reference_data(env)
                rules = make_rules(env, rng, ref)
                make_leads(env, args.leads, rng, ref)
            else:
                rules = env["pharmacy.scoring.rule"].search_count([])
            Lead = env["crm.lead"]
            flow = Lead.search_count(Lead._pla_scoring_domain())
            open_ids = Lead.search(
                [("probability", ">", 0), ("probability", "<", 100)]
            ).ids
            total = Lead.with_context(active_test=False).search_count([])
            print(
                f"{total} leads, {flow} open in the flow (scored), {len(open_ids)} open"
                f" for Odoo's scoring,"
                f" {rules} active fit rules; PostgreSQL on {PG_HOST}"
            )
            cr.commit()

            def rescore():
                Lead.search(Lead._pla_scoring_domain())._pla_rescore()

            def change_a_rule():
                # what an Alignment Manager does: one rule's points change
                rule = env["pharmacy.scoring.rule"].search(
                    [("name", "=", "Segment clinic")]
                )
                cr.execute(
                    "UPDATE pharmacy_scoring_rule SET points = points + 7"
                    " WHERE id = %s",
                    [rule.id],
                )
                env["res.company"]._pla_bump_rules_version()  # as write() does
                rescore()

            def odoo_pls():
                Lead._cron_update_automated_probabilities()

            def floor():
                cr.execute(
                    "UPDATE crm_lead SET color = id % 11"
                    " WHERE lifecycle_state NOT IN ('won', 'lost') AND active"
                )

            a0 = timed(
                env, "(a0) first scoring of leads never scored", rescore, keep=True
            )
            a = timed(
                env, "(a) full re-scoring (nightly: every lead re-evaluated)", rescore
            )
            a1 = timed(
                env, "(a1) full re-scoring after a rule's points change", change_a_rule
            )
            b = timed(env, "(b) Odoo _cron_update_automated_probabilities", odoo_pls)
            c = timed(env, "(c) bare SQL UPDATE of an integer column (floor)", floor)
            print(f"  a/b  = {a / b:.2f}   a/c  = {a / c:.2f}   (targets: <= 1, <= 10)")
            print(f"  a1/b = {a1 / b:.2f}   a1/c = {a1 / c:.2f}")
            print(f"  a0/b = {a0 / b:.2f}   a0/c = {a0 / c:.2f}")
    finally:
        cleanup(args.db, conf, args.keep)


if __name__ == "__main__":
    main()
