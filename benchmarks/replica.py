#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Prove that the head's read-only calls go to a PostgreSQL replica.

Starts its own PostgreSQL primary (``initdb`` in a temporary folder, a port
of its own) and a streaming replica of it (``pg_basebackup -R``, hot
standby, another port), both logging every statement; installs the module
on the primary with a desk, sales teams, leads and their history; starts
Odoo with ``--db_replica_host/--db_replica_port``; then, over JSON-RPC as
the head of the pharmacy and the desk, makes each call below and counts the
statements each server ran for it:

- the module's read-only entry points (``@api.readonly``): the alignment
  dashboard per period, and the ledger, funnel and ROI reports as their
  views read them (``web_read_group``, ``web_search_read``);
- a hand-off (a write), which must go to the primary.

Fails (exit 1) when a read-only call ran a statement on the primary or none
on the replica, or when the write ran none on the primary. Everything it
started is stopped and removed at the end. Loopback only.

Usage: benchmarks/replica.py [--leads 500]
Needs Odoo 18.0 in this Python and PostgreSQL's server programs
(``initdb``, ``pg_ctl``, ``pg_basebackup``); run as root, the clusters run
as the ``postgres`` system user.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

from load import Client, fill, free_port, odoo_bin, server

DB = "pla_replica"
USER = "odoo"
READ_CALLS = [
    (
        "dashboard, this month",
        "pharmacy.alignment.dashboard",
        "get_dashboard_data",
        [],
        {"period": "month"},
    ),
    (
        "dashboard, this year",
        "pharmacy.alignment.dashboard",
        "get_dashboard_data",
        [],
        {"period": "year"},
    ),
    (
        "SLA ledger, pivot by team",
        "pharmacy.sla.report",
        "web_read_group",
        [[]],
        {"fields": ["clock_count:sum", "met_rate"], "groupby": ["team_id"]},
    ),
    (
        "funnel, pivot by team",
        "pharmacy.funnel.report",
        "web_read_group",
        [[]],
        {"fields": ["reached_inquiry:sum", "reached_mql:sum"], "groupby": ["team_id"]},
    ),
    (
        "fit rule effectiveness list",
        "pharmacy.scoring.rule",
        "web_search_read",
        [[("category", "=", "fit")]],
        {
            "specification": {"name": {}, "eff_lift": {}, "eff_suggested_points": {}},
            "context": {"pla_period_from": "2026-01-01", "pla_period_to": "2026-12-31"},
        },
    ),
    (
        "campaign ROI list",
        "pharmacy.roi.report",
        "web_search_read",
        [[]],
        {"specification": {"campaign_id": {"fields": {"display_name": {}}}, "roi": {}}},
    ),
]


def pg_bin(name):
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise SystemExit(f"PostgreSQL's {name} is not installed: it is needed here.")
    return found


def as_postgres(argv, **kwargs):
    """Run a server program as the postgres system user when we are root
    (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, check=True, **kwargs)


class Cluster:
    """A PostgreSQL cluster of our own in a folder, logging every statement."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        self.log = os.path.join(root, f"{name}.log")
        self.port = free_port()
        self.socket_dir = root

    def start(self):
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
            " -c log_statement=all -c log_line_prefix='%d|' -c fsync=off"
            " -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on"
        )
        as_postgres(
            [
                pg_bin("pg_ctl"),
                "-D",
                self.dir,
                "-l",
                self.log,
                "-o",
                options,
                "-w",
                "start",
            ],
            stdout=subprocess.DEVNULL,
        )

    def stop(self):
        if os.path.isdir(self.dir):
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [pg_bin("pg_ctl"), "-D", self.dir, "-m", "fast", "-w", "stop"],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

    def client_args(self):
        return ["-h", "127.0.0.1", "-p", str(self.port), "-U", USER]

    def mark(self):
        return os.path.getsize(self.log)

    def statements(self, since):
        """Statements run in our database since the mark ``since``."""
        with open(self.log, encoding="utf-8", errors="replace") as handle:
            handle.seek(since)
            return sum(
                line.startswith(f"{DB}|") and "statement: " in line for line in handle
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=500)
    args = parser.parse_args()
    import odoo  # noqa: PLC0415

    root = tempfile.mkdtemp(prefix="pla_replica_")
    os.chmod(root, 0o777)  # the postgres system user writes here
    primary, replica = Cluster(root, "primary"), Cluster(root, "replica")
    conf = os.path.join(root, "odoo.conf")
    failures = []
    try:
        print("A PostgreSQL primary of our own ...", flush=True)
        as_postgres(
            [
                pg_bin("initdb"),
                "-D",
                primary.dir,
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            stdout=subprocess.DEVNULL,
        )
        primary.start()
        with open(conf, "w", encoding="utf-8") as handle:
            handle.write(
                f"[options]\ndb_host = 127.0.0.1\ndb_port = {primary.port}\n"
                f"db_user = {USER}\naddons_path = {addons_path(odoo)}\n"
                f"data_dir = {os.path.join(root, 'data')}\n"
            )
        subprocess.run(
            [pg_bin("createdb"), *primary.client_args(), DB],
            check=True,
        )
        print("Installing the module and filling it ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                odoo_bin(),
                "-c",
                conf,
                "-d",
                DB,
                "-i",
                "pharmacy_lead_alignment",
                "--without-demo=all",
                "--stop-after-init",
                "--log-level=warn",
            ],
            check=True,
        )
        odoo.tools.config.parse_config(["-c", conf, "-d", DB])
        plan = fill(DB, conf, "module", args.leads, 2, seed=42)
        print("A streaming replica (pg_basebackup -R) ...", flush=True)
        as_postgres(
            [pg_bin("pg_basebackup"), *primary.client_args(), "-D", replica.dir]
            + ["-R", "-X", "stream", "--checkpoint=fast"]
        )
        replica.start()
        log = os.path.join(root, "odoo.log")
        extra = ["--db_replica_host=127.0.0.1", f"--db_replica_port={replica.port}"]
        with server(conf, DB, 2, log, extra) as base:
            head = Client(base, DB, plan["head"])
            desk_login = next(iter(plan["desk"]))
            desk = Client(base, DB, desk_login)
            for _label, model, method, call_args, kwargs in READ_CALLS:  # warm up
                head.call(model, method, *call_args, **kwargs)
            print(f"\n{'call':<30} {'primary':>8} {'replica':>8}")
            for label, model, method, call_args, kwargs in READ_CALLS:
                marks = primary.mark(), replica.mark()
                head.call(model, method, *call_args, **kwargs)
                time.sleep(0.5)  # let the servers write their logs
                on_primary = primary.statements(marks[0])
                on_replica = replica.statements(marks[1])
                print(f"{label:<30} {on_primary:>8} {on_replica:>8}")
                if on_primary or not on_replica:
                    failures.append(label)
            lead = plan["desk"][desk_login][0]
            rep = next(iter(plan["reps"].values()))
            marks = primary.mark(), replica.mark()
            desk.call("crm.lead", "handoff_to", [lead], rep["team"], rep["id"])
            time.sleep(0.5)
            written = primary.statements(marks[0])
            on_replica = replica.statements(marks[1])
            print(f"{'hand-off (a write)':<30} {written:>8} {on_replica:>8}")
            if not written:
                failures.append("hand-off")
    finally:
        odoo.sql_db.close_all()
        replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    print("Read-only calls ran on the replica only; the write ran on the primary.")
    return 0


def addons_path(odoo):
    package = os.path.dirname(os.path.abspath(odoo.__file__))
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = [
        repo,
        os.path.join(os.path.dirname(package), "addons"),
        os.path.join(package, "addons"),
    ]
    return ",".join(p for p in paths if os.path.isdir(p))


if __name__ == "__main__":
    sys.exit(main())
