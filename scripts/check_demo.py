#!/usr/bin/env python3
"""Check a database where pharmacy_lead_alignment was installed WITH its demo
data (what scripts/demo serves), after scripts/test installed it:

* the module's demo data is in (Odoo installs a module without it, with a
  warning only, when its demo fails);
* the company is the Russian pharmacy: in Russia, in roubles, with its logo;
* Russian is loaded: the demo users work in Russian, the administrator in
  English; the module's records and the demo's own read in Russian for them;
* each demo user starts where their work is (their home action) and sees it
  in their menus;
* the published sales-process map names the responsible teams of each step.

Prints one line per problem and exits 1, or one line "demo: ..." on success.

Usage: check_demo.py --config CONF --database DB
"""

import argparse
import sys

ADDON = "pharmacy_lead_alignment"
X = f"{ADDON}."
LANG = "ru_RU"
#: demo user -> the home action they start in
HOME_ACTIONS = {
    "user_desk_demo": "crm_lead_action_desk",
    "user_sales_demo": "crm_lead_action_incoming",
    "user_sales_2_demo": "crm_lead_action_incoming",
    "user_head_demo": "pharmacy_alignment_dashboard_action",
}
#: records whose name must read in Russian: (xmlid, field); the module's data
#: and the demo's own (translated in i18n/ru.po)
TRANSLATED = [
    ("scoring_rule_segment_clinic", "name"),
    ("nurture_track_clinics", "name"),
    ("feedback_reason_competitor", "name"),
    ("crm_team_desk_demo", "name"),
    ("crm_team_clinics_demo", "name"),
    ("crm_team_corporate_demo", "name"),
    ("sla_policy_response_demo", "name"),
    ("sla_policy_contact_demo", "name"),
    ("sla_policy_volume_demo", "name"),
    ("utm_campaign_vaccines_demo", "title"),
    ("utm_campaign_seminar_demo", "title"),
    ("utm_campaign_corporate_demo", "title"),
    ("utm_campaign_franchise_demo", "title"),
    ("utm_campaign_loyalty_demo", "title"),
]


def check(env):
    problems = []
    module = env["ir.module.module"].search([("name", "=", ADDON)])
    if module.state != "installed" or not module.demo:
        return [
            f"{ADDON} is {module.state or 'missing'}, demo data loaded: "
            f"{bool(module.demo)} (see the install log for the demo's error)."
        ]

    company = env.ref("base.main_company")
    rub = env.ref("base.RUB")
    if company.currency_id != rub or not rub.active:
        problems.append(
            f"the company's currency is {company.currency_id.name}, not an active RUB."
        )
    if company.country_id != env.ref("base.ru") or not company.city:
        problems.append("the company has no Russian address.")
    if not company.logo:
        problems.append("the company has no logo.")

    if not env["res.lang"]._lang_get(LANG):
        problems.append(f"{LANG} is not active.")
    admin = env.ref("base.user_admin")
    if admin.lang != "en_US":
        problems.append(f"the administrator works in {admin.lang}, not en_US.")
    Menu = env["ir.ui.menu"]
    for xmlid, action_xmlid in HOME_ACTIONS.items():
        user = env.ref(X + xmlid)
        action = env.ref(X + action_xmlid)
        if user.lang != LANG:
            problems.append(f"{user.login} works in {user.lang}, not {LANG}.")
        if user.action_id.id != action.id:
            problems.append(
                f"{user.login} starts in {user.action_id.name or 'Discuss'}, "
                f"not {action.name}."
            )
        visible = Menu.browse(Menu.with_user(user)._visible_menu_ids())
        if action not in [menu.action for menu in visible if menu.action]:
            problems.append(f"{user.login} has no menu for {action.name}.")

    for xmlid, field in TRANSLATED:
        record = env.ref(X + xmlid)
        english = record.with_context(lang="en_US")[field]
        russian = record.with_context(lang=LANG)[field]
        if english == russian:
            problems.append(
                f"{record._name} {xmlid}: “{english}” has no Russian translation "
                f"(translate it in {ADDON}/i18n/ru.po)."
            )

    pmap = env["pharmacy.process.map"].search(
        [("company_id", "=", company.id), ("state", "=", "published")]
    )
    if len(pmap) != 1:
        problems.append(f"{len(pmap)} published sales-process maps, not 1.")
    elif pmap.step_ids.filtered(lambda step: not step.team_ids):
        problems.append("a step of the sales-process map has no responsible team.")
    elif pmap.with_context(lang=LANG).name == pmap.with_context(lang="en_US").name:
        problems.append("the sales-process map has no Russian version.")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()

    import odoo  # noqa: PLC0415

    odoo.tools.config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"]
    )
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        problems = check(env)
        leads = env["crm.lead"].with_context(active_test=False).search_count([])
    if problems:
        for problem in problems:
            print(f"check_demo: {problem}", file=sys.stderr)
        return 1
    print(f"demo: {leads} leads, company in RUB, users in {LANG} at their home actions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
