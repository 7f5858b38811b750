#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Load test: many users at once on Odoo's multi-process server, with and
without the module, in one run.

For each of two databases filled alike with N leads — ``stock`` (Odoo's crm
only) and ``module`` (pharmacy_lead_alignment) — starts Odoo's prefork
server on loopback (``--workers``, a cron worker, the scheduled actions due
at once), then for a bounded time drives simulated users over JSON-RPC:

=============  =========================================  ============================
user           with the module                            stock equivalent
=============  =========================================  ============================
sales reps     the CRM kanban (My Pipeline), the          the same kanban, the leads
               incoming inbox, accepting a lead           list, taking a lead
desk           hand-off of a qualified lead to a rep      assigning a lead to a rep
website form   a lead created with its 152-FZ consents    a lead created
integration    an engagement signal on a lead             a note posted on a lead
head           the alignment dashboard (this month)       the pipeline grouped by stage
=============  =========================================  ============================

then stops the server and checks that no write was lost: every created lead
is in the desk with its event and consents, every hand-off has its event and
SLA clock, every acceptance its review row, every signal its engagement row.
Prints throughput, p50/p95/p99 latency and errors per action for both, the
p95 ratios, serialization retries (Odoo's "tries left" log lines) and ERROR
lines of each server's log. Exits 1 on any error or lost write.

Usage: benchmarks/load.py [--leads 20000] [--seconds 60] [--workers 4]
                          [--sales 6] [--keep] [--quick]
``--quick`` (what CI runs): 300 leads, 5 s, 2 workers, 3 sales reps.
Needs PostgreSQL and Odoo 18.0 in this Python; loopback only; every server,
database and file it starts or makes is removed at the end (``--keep``
keeps the databases).
"""

import argparse
import contextlib
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from scoring import (
    ADDON,
    DOMAINS,
    FUNCTIONS,
    PG_ARGS,
    SEGMENTS,
    odoo_config,
    prepare_database,
    run,
)

PASSWORD = "load-test-password"
SIGNAL_CODE = "load_price_list"
RETRY_LINE = re.compile(r"tries left, try again in")
ERROR_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
#: role -> [(action, weight)]; each user of a role picks by weight
ROLE_ACTIONS = {
    "sales": [("kanban", 5), ("inbox", 3), ("review", 2)],
    "desk": [("handoff", 1)],
    "web": [("create", 1)],
    "integration": [("signal", 1)],
    "head": [("dashboard", 1)],
}


# ---------------------------------------------------------------------------
# Filling a database (in this process, through Odoo's registry).


def fill(db, conf, variant, leads, sales_count, seed):
    """Users, teams and leads; returns what the simulated users need."""
    import odoo  # noqa: PLC0415

    rng = random.Random(seed)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tz": "UTC"})
        plan = _fill(env, variant, leads, sales_count, rng)
        cr.commit()
    odoo.sql_db.close_db(db)
    return plan


def _user(env, login, groups):
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": login.replace("_", " ").title(),
                "login": login,
                "email": f"{login}@pharmacy.example.com",
                "password": PASSWORD,
                "groups_id": [(6, 0, [env.ref(g).id for g in groups])],
                "tz": "UTC",
            }
        )
    )


def _fill(env, variant, count, sales_count, rng):
    module = variant == "module"
    salesman = "sales_team.group_sale_salesman"
    desk_groups = [salesman, f"{ADDON}.group_alignment_desk"] if module else [salesman]
    reps = [_user(env, f"load_sales_{i}", [salesman]) for i in range(sales_count)]
    # without the desk, a sales manager dispatches the leads
    dispatch = desk_groups if module else ["sales_team.group_sale_manager"]
    desk_users = [_user(env, f"load_desk_{i}", dispatch) for i in range(2)]
    web = _user(env, "load_web", desk_groups)
    api = _user(env, "load_api", desk_groups)
    head = _user(
        env,
        "load_head",
        [f"{ADDON}.group_alignment_manager", "sales_team.group_sale_manager"]
        if module
        else ["sales_team.group_sale_manager"],
    )
    env["res.config.settings"].create({"group_use_lead": True}).execute()
    role = {"alignment_role": "sales"} if module else {}
    halves = [reps[: len(reps) // 2 or 1], reps[len(reps) // 2 or 1 :] or reps[:1]]
    teams = [
        env["crm.team"].create(
            {"name": f"Sales {n}", "member_ids": [(6, 0, [u.id for u in half])], **role}
        )
        for n, half in enumerate(halves)
    ]
    team_of = {rep.id: team for team, half in zip(teams, halves) for rep in half}
    desk = env["crm.team"].create(
        {
            "name": "Lead Desk",
            "member_ids": [(6, 0, [u.id for u in (*desk_users, web, api, head)])],
            **({"alignment_role": "marketing"} if module else {}),
        }
    )
    if module:
        env.company.lead_desk_team_id = desk
        env["pharmacy.sla.policy"].create(
            {
                "name": "Answer in 4 h",
                "kind": "sales_response",
                "team_ids": [(6, 0, [t.id for t in teams])],
                "hours": 4,
            }
        )
        env["pharmacy.scoring.rule"].create(
            {
                "name": "Price list asked",
                "category": "engagement",
                "trigger": "custom",
                "code": SIGNAL_CODE,
                "points": 5,
                "company_id": False,
            }
        )
    Lead = env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True)
    countries = env["res.country"].search([], limit=15).ids
    ids = []
    for start in range(0, count, 1000):
        vals = []
        for n in range(start, min(count, start + 1000)):
            vals.append(
                {
                    "name": f"Lead {n}",
                    "email_from": f"lead{n}@{rng.choice(DOMAINS)}",
                    "function": rng.choice(FUNCTIONS),
                    "country_id": rng.choice(countries),
                    "type": "lead",
                    **({"pharmacy_segment": rng.choice(SEGMENTS)} if module else {}),
                }
            )
        ids += Lead.create(vals).ids
        env.cr.commit()
        print(f"  {variant}: {len(ids)} leads", end="\r", flush=True)
    print()
    # 40 % opportunities of the reps, 10 % handed to a rep (the inbox),
    # 10 % qualified at the desk (to hand off), the rest at the desk.
    rng.shuffle(ids)
    tenth = len(ids) // 10
    opportunities, inbox, ready = (
        ids[: 4 * tenth],
        ids[4 * tenth : 5 * tenth],
        ids[5 * tenth : 6 * tenth],
    )
    at_desk = ids[6 * tenth :]
    stage = env["crm.stage"].search([("is_won", "=", False)], limit=1)
    for i, rep in enumerate(reps):
        mine = opportunities[i :: len(reps)]
        env.cr.execute(
            "UPDATE crm_lead SET type = 'opportunity', user_id = %s, team_id = %s,"
            " stage_id = %s"
            + (", lifecycle_state = 'opportunity'" if module else "")
            + " WHERE id = ANY(%s)",
            (rep.id, team_of[rep.id].id, stage.id, mine),
        )
    env.invalidate_all()
    inbox_of = {rep.id: inbox[i :: len(reps)] for i, rep in enumerate(reps)}
    if module:
        manager = env(user=head)
        qualify = env["crm.lead"].browse(inbox + ready).with_env(manager)
        for chunk in range(0, len(qualify), 500):
            qualify[chunk : chunk + 500].action_qualify(reason="Load test set-up")
        for rep in reps:
            batch = (
                env["crm.lead"]
                .browse(inbox_of[rep.id])
                .with_env(env(user=desk_users[0]))
            )
            if batch:
                batch.handoff_to(team_of[rep.id].id, rep.id)
    else:
        for rep in reps:
            env["crm.lead"].browse(inbox_of[rep.id]).write(
                {"user_id": rep.id, "team_id": team_of[rep.id].id}
            )
        # unassigned at the desk team, as a website or a list brings them
        env["crm.lead"].browse(ready + at_desk).write(
            {"team_id": desk.id, "user_id": False}
        )
    # loopback only: Odoo's jobs that call its online services (IAP lead
    # enrichment, partner autocomplete) are switched off in both databases
    env.cr.execute(
        "UPDATE ir_cron SET active = false WHERE id IN (SELECT res_id FROM"
        " ir_model_data WHERE model = 'ir.cron' AND (module LIKE %s OR module = %s))",
        ("%iap%", "partner_autocomplete"),
    )
    # the module's scheduled actions are due now: they run during the load
    # (stock crm's own daily jobs are left at their hour in both databases)
    env.cr.execute(
        "UPDATE ir_cron SET nextcall = now() at time zone 'UTC' WHERE active AND id IN"
        " (SELECT res_id FROM ir_model_data WHERE model = 'ir.cron' AND module = %s)",
        (ADDON,),
    )
    views = {
        "kanban": env.ref("crm.crm_case_kanban_view_leads").id,
        "inbox": env.ref(f"{ADDON}.crm_lead_view_kanban_desk").id
        if module
        else env.ref("crm.crm_case_tree_view_leads").id,
    }
    return {
        "variant": variant,
        "views": views,
        "reps": {
            rep.login: {
                "id": rep.id,
                "team": team_of[rep.id].id,
                "leads": inbox_of[rep.id],
            }
            for rep in reps
        },
        "desk": {
            u.login: ready[i :: len(desk_users)] for i, u in enumerate(desk_users)
        },
        "desk_team": desk.id,
        "web": web.login,
        "integration": api.login,
        "head": head.login,
        "signal_leads": at_desk[:2000],
    }


# ---------------------------------------------------------------------------
# JSON-RPC over HTTP on loopback.


class RpcError(Exception):
    pass


class Client:
    """One browser session: a cookie and JSON-RPC calls."""

    def __init__(self, base, db, login):
        self.base, self.uid = base, None
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar)
        )
        result = self._post(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": PASSWORD},
        )
        self.uid = result["uid"]

    def _post(self, path, params):
        body = json.dumps(
            {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        )
        request = urllib.request.Request(
            self.base + path, body.encode(), {"Content-Type": "application/json"}
        )
        try:
            with self.opener.open(request, timeout=130) as response:
                answer = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise RpcError(f"HTTP: {error}") from error
        if answer.get("error"):
            data = answer["error"].get("data") or {}
            raise RpcError(
                f"{data.get('name', '')}: {data.get('message', answer['error'])}"
            )
        return answer["result"]

    def call(self, model, method, *args, **kwargs):
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


def specification(client, view_id, view_type):
    """What the web client asks for a view: its fields (relations by name)."""
    views = client.call("crm.lead", "get_views", [[view_id, view_type]])
    fields = views["models"]["crm.lead"]["fields"]
    return {
        name: {"fields": {"display_name": {}}} if field.get("relation") else {}
        for name, field in fields.items()
    }


class Load:
    """The simulated users of one variant, and what they measured."""

    def __init__(self, base, db, plan, seconds, seed):
        self.base, self.db, self.plan = base, db, plan
        self.module = plan["variant"] == "module"
        self.deadline = None  # set when every user has logged in
        self.seconds = seconds
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.latency = {}  # action -> [seconds]
        self.errors = {}  # action -> [message]
        self.done = {"create": [], "review": [], "handoff": [], "signal": []}

    # the actions ---------------------------------------------------------
    def kanban(self, c, state):
        domain = [("type", "=", "opportunity"), ("user_id", "=", c.uid)]
        c.call(
            "crm.lead",
            "web_read_group",
            domain,
            fields=["expected_revenue:sum"],
            groupby=["stage_id"],
            lazy=True,
        )
        c.call(
            "crm.lead",
            "web_search_read",
            domain,
            specification=state["kanban_spec"],
            limit=80,
        )

    def inbox(self, c, state):
        if self.module:
            domain = [
                ("lifecycle_state", "in", ["handed_off", "accepted"]),
                ("type", "=", "lead"),
                ("team_id", "=", state["team"]),
            ]
        else:
            domain = [("type", "=", "lead"), ("team_id", "=", state["team"])]
        c.call(
            "crm.lead",
            "web_search_read",
            domain,
            specification=state["inbox_spec"],
            limit=80,
        )

    def review(self, c, state):
        if not state["leads"]:
            return self.kanban(c, state)
        lead = state["leads"].pop()
        if self.module:
            c.call("crm.lead", "action_review_accept", [lead], rating=4)
        else:
            c.call("crm.lead", "write", [lead], {"priority": "2"})
        return ("review", lead)

    def handoff(self, c, state):
        if not state["leads"]:
            return None
        lead = state["leads"].pop()
        rep = self.rng.choice(list(self.plan["reps"].values()))
        if self.module:
            c.call("crm.lead", "handoff_to", [lead], rep["team"], rep["id"])
        else:
            c.call(
                "crm.lead",
                "write",
                [lead],
                {"team_id": rep["team"], "user_id": rep["id"]},
            )
        return ("handoff", (lead, rep["id"]))

    def create(self, c, state):
        state["n"] += 1
        vals = {
            "name": f"Web form {state['n']} ({c.uid})",
            "email_from": f"web{state['n']}.{c.uid}@example.com",
            "contact_name": "Web visitor",
            "type": "lead",
        }
        if self.module:
            page = f"https://pharmacy.example.com/contact (at {time.time():.0f})"
            vals["consent_ids"] = [
                (0, 0, {"kind": kind, "source": "web_form", "document_ref": page})
                for kind in ("processing", "marketing")
            ]
        else:
            vals["team_id"] = self.plan["desk_team"]
        return ("create", c.call("crm.lead", "create", [vals])[0])

    def signal(self, c, state):
        lead = self.rng.choice(self.plan["signal_leads"])
        if self.module:
            ids = c.call(
                "crm.lead",
                "action_log_engagement",
                [lead],
                SIGNAL_CODE,
                note="load test",
            )
        else:
            ids = [
                c.call(
                    "crm.lead",
                    "message_post",
                    [lead],
                    body="Price list asked",
                    message_type="comment",
                )
            ]
        return ("signal", (lead, ids))

    def dashboard(self, c, state):
        if self.module:
            c.call("pharmacy.alignment.dashboard", "get_dashboard_data", period="month")
        else:
            c.call(
                "crm.lead",
                "web_read_group",
                [("type", "=", "opportunity")],
                fields=["expected_revenue:sum"],
                groupby=["stage_id"],
                lazy=True,
            )

    # the users -----------------------------------------------------------
    def user(self, role, login, state):
        rng = random.Random(f"{login}-{self.rng.random()}")
        try:
            client = Client(self.base, self.db, login)
            if role == "sales":
                state["kanban_spec"] = specification(
                    client, self.plan["views"]["kanban"], "kanban"
                )
                view_type = "kanban" if self.module else "list"
                state["inbox_spec"] = specification(
                    client, self.plan["views"]["inbox"], view_type
                )
        except RpcError as error:
            self._record("login", 0, str(error))
            self.barrier.wait()
            return
        self.barrier.wait()  # the clock starts when everyone is in
        actions, weights = zip(*ROLE_ACTIONS[role])
        while time.monotonic() < self.deadline:
            action = rng.choices(actions, weights)[0]
            start = time.perf_counter()
            try:
                done = getattr(self, action)(client, state)
            except RpcError as error:
                self._record(action, time.perf_counter() - start, str(error))
            else:
                self._record(action, time.perf_counter() - start, None, done)
            time.sleep(rng.uniform(0.05, 0.2))  # a person's pause

    def _start_clock(self):
        self.deadline = time.monotonic() + self.seconds

    def _record(self, action, seconds, error, done=None):
        with self.lock:
            if error:
                self.errors.setdefault(action, []).append(error)
                return
            self.latency.setdefault(action, []).append(seconds)
            if done:
                self.done[done[0]].append(done[1])

    def run(self):
        plan, threads = self.plan, []
        users = [
            ("sales", login, {"team": rep["team"], "leads": list(rep["leads"])})
            for login, rep in plan["reps"].items()
        ]
        users += [
            ("desk", login, {"leads": list(leads)})
            for login, leads in plan["desk"].items()
        ]
        users += [
            ("web", plan["web"], {"n": 0}),
            ("integration", plan["integration"], {}),
            ("head", plan["head"], {}),
        ]
        self.barrier = threading.Barrier(len(users), action=self._start_clock)
        for role, login, state in users:
            threads.append(
                threading.Thread(
                    target=self.user, args=(role, login, state), daemon=True
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.seconds + 180)


# ---------------------------------------------------------------------------
# The server.


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_gevent():
    """The prefork server's long-polling child needs gevent to load: say the
    fix rather than measure a server whose child restarts in a loop."""
    check = "import pkg_resources; pkg_resources.require('gevent')"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, check=False
    )
    if result.returncode:
        raise SystemExit(
            "gevent cannot load its plugins in this Python (Odoo's long-polling "
            "worker would restart in a loop): pip install 'zope.event<5.1' "
            "'zope.interface<8', then run again."
        )


def odoo_bin():
    """Odoo's launcher script. Not ``python -m odoo``: the prefork server
    starts its long-polling (gevent) child as ``python <argv[0]> gevent``,
    which fails on ``odoo/__main__.py`` and then restarts in a loop."""
    import odoo  # noqa: PLC0415

    source = os.path.join(os.path.dirname(os.path.dirname(odoo.__file__)), "odoo-bin")
    found = source if os.path.isfile(source) else shutil.which("odoo")
    if not found:
        raise SystemExit(
            "Neither odoo-bin nor the odoo command is found: install Odoo 18.0."
        )
    return found


@contextlib.contextmanager
def server(conf, db, workers, log, extra=()):
    port = free_port()
    command = [
        sys.executable,
        odoo_bin(),
        "-c",
        conf,
        "-d",
        db,
        f"--db-filter=^{db}$",
        f"--workers={workers}",
        "--max-cron-threads=1",
        "--http-interface=127.0.0.1",
        f"--http-port={port}",
        f"--gevent-port={free_port()}",
        f"--logfile={log}",
        "--log-level=info",
        "--limit-time-real=120",
        "--limit-time-cpu=120",
        *extra,
    ]
    process = subprocess.Popen(command, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(base + "/web/login", timeout=5):
                    break
            if process.poll() is not None:
                raise SystemExit(f"Odoo's server stopped at start: see {log}.")
            time.sleep(1)
        else:
            raise SystemExit(f"Odoo's server did not answer in 2 minutes: see {log}.")
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# ---------------------------------------------------------------------------
# Lost writes.


def check_writes(db, load):
    """Every write the users were told succeeded is in the database."""
    import odoo  # noqa: PLC0415

    lost = []
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        created = list(load.done["create"])
        cr.execute("SELECT id, team_id FROM crm_lead WHERE id = ANY(%s)", (created,))
        teams = dict(cr.fetchall())
        lost += [f"created lead {i} missing" for i in created if i not in teams]
        reviewed = load.done["review"]
        handed = load.done["handoff"]
        if load.module:
            desk = load.plan["desk_team"]
            lost += [
                f"created lead {i} not in the desk"
                for i, t in teams.items()
                if t != desk
            ]
            lost += _missing(
                cr, "pharmacy_lead_event", created, "created lead {} has no event"
            )
            cr.execute(
                "SELECT lead_id FROM pharmacy_lead_consent WHERE lead_id = ANY(%s)"
                " GROUP BY lead_id HAVING count(*) = 2",
                (created,),
            )
            with_consents = {row[0] for row in cr.fetchall()}
            lost += [
                f"created lead {i} lacks its consents"
                for i in created
                if i not in with_consents
            ]
            cr.execute(
                "SELECT id, lifecycle_state FROM crm_lead WHERE id = ANY(%s)",
                (reviewed,),
            )
            states = dict(cr.fetchall())
            lost += [
                f"accepted lead {i} is {states.get(i)}"
                for i in reviewed
                if states.get(i) != "accepted"
            ]
            lost += _missing(
                cr, "pharmacy_lead_feedback", reviewed, "accepted lead {} has no review"
            )
            leads = [lead for lead, _rep in handed]
            cr.execute(
                "SELECT id, lifecycle_state, user_id FROM crm_lead WHERE id = ANY(%s)",
                (leads,),
            )
            rows = {row[0]: row[1:] for row in cr.fetchall()}
            lost += [
                f"handed-off lead {lead} is {rows.get(lead)}"
                for lead, rep in handed
                if rows.get(lead) != ("handed_off", rep)
            ]
            lost += _missing(
                cr, "pharmacy_lead_sla", leads, "handed-off lead {} has no SLA clock"
            )
            events = [i for _lead, ids in load.done["signal"] for i in ids]
            table = "pharmacy_lead_engagement"
        else:
            cr.execute(
                "SELECT id FROM crm_lead WHERE id = ANY(%s) AND priority = '2'",
                (reviewed,),
            )
            found = {row[0] for row in cr.fetchall()}
            lost += [f"taken lead {i} not written" for i in reviewed if i not in found]
            cr.execute(
                "SELECT id, user_id FROM crm_lead WHERE id = ANY(%s)",
                ([lead for lead, _ in handed],),
            )
            rows = dict(cr.fetchall())
            lost += [
                f"assigned lead {lead} not written"
                for lead, rep in handed
                if rows.get(lead) != rep
            ]
            events = [i for _lead, ids in load.done["signal"] for i in ids]
            table = "mail_message"
        cr.execute(f"SELECT id FROM {table} WHERE id = ANY(%s)", (events,))  # noqa: S608 (a constant)
        found = {row[0] for row in cr.fetchall()}
        lost += [f"signal {i} missing" for i in events if i not in found]
    odoo.sql_db.close_db(db)
    return lost


def _missing(cr, table, lead_ids, message):
    cr.execute(
        f"SELECT DISTINCT lead_id FROM {table} WHERE lead_id = ANY(%s)",
        (list(lead_ids),),
    )  # noqa: S608
    found = {row[0] for row in cr.fetchall()}
    return [message.format(i) for i in lead_ids if i not in found]


# ---------------------------------------------------------------------------


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def log_counts(log):
    """(serialization retries, ERROR lines) of a server log. A query that
    failed to serialize is logged as ERROR by Odoo, then retried by the same
    process: it counts as a retry, not an error (a retry that runs out ends
    in an error of its own)."""
    retries = errors = 0
    with open(log, encoding="utf-8", errors="replace") as handle:
        lines = handle.read().splitlines()
    for n, line in enumerate(lines):
        retries += bool(RETRY_LINE.search(line))
        if ERROR_LINE.match(line):
            pid = line.split()[2]
            retried = "odoo.sql_db: bad query" in line and any(
                RETRY_LINE.search(later) and later.split()[2:3] == [pid]
                for later in lines[n + 1 : n + 60]
            )
            errors += not retried
    return retries, errors


def report(results, seconds):
    actions = ["kanban", "inbox", "review", "handoff", "create", "signal", "dashboard"]
    print(
        f"\n{'action':<10} {'variant':<7} {'calls':>6} {'errors':>6} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  p95 module/stock"
    )
    for action in actions:
        p95 = {}
        for variant, load in results.items():
            values = load.latency.get(action, [])
            errors = len(load.errors.get(action, []))
            p95[variant] = percentile(values, 0.95)
            line = (
                f"{action:<10} {variant:<7} {len(values):>6} {errors:>6} "
                f"{percentile(values, 0.5) * 1000:>8.0f} {p95[variant] * 1000:>8.0f} "
                f"{percentile(values, 0.99) * 1000:>8.0f}"
            )
            if variant == "module" and p95.get("stock"):
                line += f"  {p95['module'] / p95['stock']:.2f}"
            print(line)
    for variant, load in results.items():
        calls = sum(len(v) for v in load.latency.values())
        print(f"{variant}: {calls / seconds:.1f} calls/s over {seconds} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=20000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sales", type=int, default=6)
    parser.add_argument("--db", default="pla_load")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="CI: 300 leads, 5 s, 2 workers"
    )
    args = parser.parse_args()
    if args.quick:
        args.leads, args.seconds, args.workers, args.sales = 300, 5, 2, 3
    results, failures = {}, []
    check_gevent()
    tmp = tempfile.mkdtemp(prefix="pla_load_")
    _odoo, conf = odoo_config(f"{args.db}_stock")
    try:
        for variant in ("stock", "module"):
            db = f"{args.db}_{variant}"
            print(f"{variant}: a database with {args.leads} leads ...", flush=True)
            started = time.monotonic()
            prepare_database(db, conf, ADDON if variant == "module" else "crm")
            plan = fill(db, conf, variant, args.leads, args.sales, seed=42)
            print(
                f"{variant}: filled in {time.monotonic() - started:.0f} s; "
                f"serving with {args.workers} workers",
                flush=True,
            )
            log = os.path.join(tmp, f"{variant}.log")
            with server(conf, db, args.workers, log) as base:
                load = Load(base, db, plan, args.seconds, seed=7)
                load.run()
            results[variant] = load
            lost = check_writes(db, load)
            retries, error_lines = log_counts(log)
            errors = sum(len(v) for v in load.errors.values())
            print(
                f"{variant}: {errors} errors, {len(lost)} lost writes, "
                f"{retries} serialization retries, {error_lines} ERROR lines in the "
                "server log"
            )
            for action, messages in load.errors.items():
                print(
                    f"  {action}: {messages[0]}"
                    + (f" (+{len(messages) - 1} more)" if len(messages) > 1 else "")
                )
            for message in lost[:10]:
                print(f"  lost: {message}")
            if errors or lost or error_lines:
                failures.append(variant)
            if not args.keep:
                run(["dropdb", "--if-exists", "--force", *PG_ARGS, db])
        report(results, args.seconds)
    finally:
        os.unlink(conf)
        if failures or args.keep:
            print(f"Server logs kept in {tmp}")
        else:
            shutil.rmtree(tmp)
    if failures:
        print(f"FAILED: errors or lost writes in {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
