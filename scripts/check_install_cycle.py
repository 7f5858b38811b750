#!/usr/bin/env python3
"""Install, upgrade and uninstall pharmacy_lead_alignment on a CRM that
already has leads, and check what happens to them at each phase.

Run by scripts/test between the Odoo commands that install, upgrade and
uninstall the module, each phase in its own process (a fresh registry):

* ``seed``: stock CRM (crm only): three teams and leads of every kind (open
  lead, open opportunity, won, lost) in each; a snapshot of them is saved;
* ``installed``: the module is installed: no lead moved or got a state (no
  team has a role yet). Then the desk and sales teams get their roles: their
  leads are adopted as they are (see README), the role-less team's are not;
* ``upgraded``: after each upgrade, nothing changed (leads, states, events);
* ``uninstall``: uninstalls the module;
* ``uninstalled``: stock CRM again: every lead is still there, as it was
  (a desk inquiry keeps its cleared salesperson), and the stock flow works
  (create, convert, win).

Usage: check_install_cycle.py --config CONF --database DB --state FILE --phase P
"""

import argparse
import json
import sys

ADDON = "pharmacy_lead_alignment"
KINDS = ("lead", "opportunity", "won", "lost")
#: Expected state of each kind of lead once its team has its role.
ADOPTED = {
    "marketing": {
        "lead": "inquiry",
        "opportunity": "opportunity",
        "won": "won",
        "lost": "lost",
    },
    "sales": {
        "lead": "accepted",
        "opportunity": "opportunity",
        "won": "won",
        "lost": "lost",
    },
}
STOCK_FIELDS = ("name", "type", "stage_id", "active", "probability", "team_id")


def fail(message):
    sys.exit(f"check_install_cycle: {message}")


def snapshot(env, fields=STOCK_FIELDS):
    leads = env["crm.lead"].with_context(active_test=False).search([])
    rows = {}
    for row in leads.read(list(fields)):
        rows[str(row["id"])] = {
            name: (value[0] if isinstance(value, tuple | list) else value)
            for name, value in row.items()
            if name != "id"
        }
    return rows


def seed(env, state):
    Team = env["crm.team"]
    teams = {
        "desk": Team.create({"name": "Call centre", "use_leads": True}),
        "sales": Team.create({"name": "Clinics", "use_leads": True}),
        "retail": Team.create({"name": "Retail", "use_leads": True}),
    }
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    salesman = env.ref("base.user_admin")
    kinds = {}
    for key, team in teams.items():
        for kind in KINDS:
            for number in range(3):
                lead = env["crm.lead"].create(
                    {
                        "name": f"{team.name}: {kind} {number}",
                        "team_id": team.id,
                        "user_id": salesman.id,
                        "type": "lead" if kind == "lead" else "opportunity",
                        "expected_revenue": 1000 * (number + 1),
                    }
                )
                if kind == "won":
                    lead.stage_id = won_stage
                elif kind == "lost":
                    lead.action_set_lost()
                kinds[str(lead.id)] = [key, kind]
    state.update(
        teams={key: team.id for key, team in teams.items()},
        kinds=kinds,
        stock=snapshot(env),
    )


def installed(env, state):
    if snapshot(env) != state["stock"]:
        fail("installing the module changed existing leads")
    Lead = env["crm.lead"].with_context(active_test=False)
    if Lead.search_count([("lifecycle_state", "!=", False)]):
        fail("installing gave a state to leads of teams without a role")
    teams = {key: env["crm.team"].browse(team) for key, team in state["teams"].items()}
    teams["desk"].alignment_role = "marketing"
    env.company.lead_desk_team_id = teams["desk"]
    teams["sales"].alignment_role = "sales"
    for lead_id, (team, kind) in state["kinds"].items():
        lead = Lead.browse(int(lead_id))
        role = {"desk": "marketing", "sales": "sales"}.get(team)
        expected = ADOPTED[role][kind] if role else False
        if lead.lifecycle_state != expected:
            fail(
                f"{lead.name}: adopted as {lead.lifecycle_state!r}, "
                f"expected {expected!r}"
            )
        events = len(lead.lifecycle_event_ids)
        if events != (1 if role else 0):
            fail(f"{lead.name}: {events} lifecycle events after adoption")
    state["adopted"] = snapshot(env, (*STOCK_FIELDS, "lifecycle_state", "user_id"))
    state["events"] = env["pharmacy.lead.event"].search_count([])
    print(f"{len(state['kinds'])} existing leads: untouched by the install, adopted")


def upgraded(env, state):
    now = snapshot(env, (*STOCK_FIELDS, "lifecycle_state", "user_id"))
    if now != state["adopted"]:
        fail("upgrading the module changed leads")
    if env["pharmacy.lead.event"].search_count([]) != state["events"]:
        fail("upgrading the module logged lifecycle events")
    print("upgrade: nothing changed")


def uninstall(env, state):
    module = env["ir.module.module"].search([("name", "=", ADDON)])
    module.button_immediate_uninstall()


def uninstalled(env, state):
    if ADDON in env.registry._init_modules or "pharmacy.lead.event" in env:
        fail("the module is still loaded")
    if "lifecycle_state" in env["crm.lead"]._fields:
        fail("crm.lead still has the lifecycle_state field")
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'crm_lead' AND column_name = 'lifecycle_state'"
    )
    if env.cr.fetchone():
        fail("crm_lead still has the lifecycle_state column")
    if snapshot(env) != state["stock"]:
        fail("uninstalling lost or changed existing leads")
    team = env["crm.team"].browse(state["teams"]["sales"])
    lead = env["crm.lead"].create({"name": "After uninstall", "team_id": team.id})
    lead.convert_opportunity(lead.partner_id)
    lead.action_set_won()
    if lead.type != "opportunity" or not lead.stage_id.is_won:
        fail("the stock CRM flow does not work after uninstalling")
    print(f"uninstalled: {len(state['stock'])} leads intact, stock CRM works")


PHASES = {
    "seed": seed,
    "installed": installed,
    "upgraded": upgraded,
    "uninstall": uninstall,
    "uninstalled": uninstalled,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--state", required=True, help="JSON file between phases")
    parser.add_argument("--phase", required=True, choices=PHASES)
    args = parser.parse_args()

    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    state = {}
    if args.phase != "seed":
        with open(args.state, encoding="utf-8") as file:
            state = json.load(file)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        PHASES[args.phase](env, state)
    with open(args.state, "w", encoding="utf-8") as file:
        json.dump(state, file)


if __name__ == "__main__":
    main()
