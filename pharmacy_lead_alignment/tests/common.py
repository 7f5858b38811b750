# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from contextlib import contextmanager

from odoo.tests import Form, TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools.groups import GROUP_DESK, GROUP_MANAGER

#: Filters of the fit rules the scenarios set up.
SEGMENT_CLINIC = "[('pharmacy_segment', '=', 'clinic')]"
FUNCTION_CHIEF = "[('function', 'ilike', 'chief')]"


class PharmacyLeadCommon(TransactionCase):
    """Role users, a lead desk, sales teams and lead factories.

    Every scenario runs as the user with the lowest rights it needs.
    """

    #: Qualify leads of any grade (the lowest grade to qualify is D in both
    #: pharmacies): for the scenarios that are not about grades.
    qualify_any_grade = False
    #: Archive the shipped scoring rules, nurture tracks and SLA policies
    #: (``_archive_pharmacy_defaults``): the scenario sets up its own.
    archive_defaults = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company

        def user(login, groups, **kw):
            return mail_new_test_user(
                cls.env,
                login=login,
                name=login.replace("_", " ").title(),
                email=f"{login}@pharmacy.example.com",
                groups=groups,
                notification_type="inbox",
                **kw,
            )

        cls.user_desk = user("pla_desk", f"base.group_user,{GROUP_DESK}")
        cls.user_desk_2 = user("pla_desk_2", f"base.group_user,{GROUP_DESK}")
        cls.other_company = cls.env["res.company"].create({"name": "Аптека «Другая»"})
        # the head manages both pharmacies (shared rules affect both of them)
        cls.user_manager = user(
            "pla_manager",
            f"base.group_user,{GROUP_MANAGER}",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
        )
        cls.user_manager_other = user(
            "pla_manager_other",
            f"base.group_user,{GROUP_MANAGER}",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )
        cls.user_sales = user(
            "pla_sales", "base.group_user,sales_team.group_sale_salesman"
        )
        cls.user_sales_all = user(
            "pla_sales_all", "base.group_user,sales_team.group_sale_salesman_all_leads"
        )
        cls.user_sales_manager = user(
            "pla_sales_manager", "base.group_user,sales_team.group_sale_manager"
        )
        cls.user_desk_other = user(
            "pla_desk_other",
            f"base.group_user,{GROUP_DESK}",
            company_id=cls.other_company.id,
            company_ids=[(6, 0, cls.other_company.ids)],
        )

        def team(name, role, members, company=cls.company, **vals):
            return cls.env["crm.team"].create(
                {
                    "name": name,
                    "alignment_role": role,
                    "company_id": company.id,
                    "member_ids": [(6, 0, members.ids)],
                    **vals,
                }
            )

        cls.desk_team = team(
            "Lead Desk", "marketing", cls.user_desk | cls.user_desk_2, use_leads=True
        )
        cls.sales_team = team(
            "B2B Clinics",
            "sales",
            cls.user_sales | cls.user_sales_all,
            use_leads=True,
            user_id=cls.user_sales_manager.id,
        )
        cls.sales_team_2 = team(
            "Corporate", "sales", cls.env["res.users"], use_leads=True
        )
        cls.plain_team = team(
            "Retail (no role)", False, cls.user_sales_manager, use_leads=True
        )
        cls.company.lead_desk_team_id = cls.desk_team
        cls.other_desk = team(
            "Other Desk", "marketing", cls.user_desk_other, cls.other_company
        )
        cls.other_company.lead_desk_team_id = cls.other_desk

        if cls.qualify_any_grade:
            (cls.company | cls.other_company).write({"lead_mql_min_grade": "d"})
        if cls.archive_defaults:
            cls._archive_pharmacy_defaults()

    @classmethod
    def _archive_pharmacy_defaults(cls):
        """Archive the shipped scoring rules, nurture tracks and SLA policies:
        a test sets up the ones its scenario needs."""
        cls.env["pharmacy.scoring.rule"].search([]).active = False
        cls.env["pharmacy.nurture.track"].search([]).active = False
        cls.env["pharmacy.sla.policy"].search([]).active = False

    @classmethod
    def _calendar(cls, name, hour_from, hour_to, days):
        """Working hours in UTC (for readable deadlines), the first ``days``
        days of the week."""
        return cls.env["resource.calendar"].create(
            {
                "name": name,
                "tz": "UTC",
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": "morning",
                        },
                    )
                    for day in range(days)
                ],
            }
        )

    # ------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------

    @classmethod
    def _scoring_rule(cls, name, points, **vals):
        """A scoring rule, shared by both pharmacies unless ``vals`` give a
        ``company_id``."""
        return cls.env["pharmacy.scoring.rule"].create(
            {"name": name, "points": points, "company_id": False} | vals
        )

    @classmethod
    def _fit_rule(cls, name, domain, points, **vals):
        return cls._scoring_rule(name, points, domain=domain, **vals)

    @classmethod
    def _engagement_rule(cls, name, points, trigger="custom", **vals):
        """An engagement rule: points for a signal (its ``code``, for the
        ``custom`` trigger), a done activity, an inbound e-mail…"""
        return cls._scoring_rule(
            name, points, category="engagement", trigger=trigger, **vals
        )

    @classmethod
    def _sla_policy(cls, name, kind, teams=None, user=None, **vals):
        """An SLA policy of ``kind`` for ``teams`` (B2B Clinics by default),
        created by ``user`` (by default the superuser)."""
        Policy = cls.env["pharmacy.sla.policy"]
        if user:
            Policy = Policy.with_user(user)
        teams = cls.sales_team if teams is None else teams
        return Policy.create(
            {"name": name, "kind": kind, "team_ids": [(6, 0, teams.ids)]} | vals
        )

    @classmethod
    def _volume_policy(cls, name, volume, acceptance, teams=None):
        """The desk's promise to ``teams``, set by the Alignment Manager:
        ``volume`` MQLs a month, ``acceptance`` % of them accepted."""
        return cls._sla_policy(
            name,
            "marketing_volume",
            teams,
            cls.user_manager,
            volume_target=volume,
            acceptance_target=acceptance,
        )

    @classmethod
    def _escalate_to_managers(cls):
        """SLA breaches of the pharmacy escalate to the sales manager, then to
        the head (the Alignment Manager)."""
        cls.company.write(
            {
                "sla_sales_manager_id": cls.user_sales_manager.id,
                "alignment_head_id": cls.user_manager.id,
            }
        )

    @classmethod
    def _call_track(cls, name, step="Intro call", wait_days=None, **vals):
        """A nurture track of one step: a call for the desk, ``wait_days``
        after the enrolment (the step's default without)."""
        call = cls.env.ref("mail.mail_activity_data_call")
        step_vals = {"name": step, "action": "activity", "activity_type_id": call.id}
        if wait_days is not None:
            step_vals["wait_days"] = wait_days
        return cls.env["pharmacy.nurture.track"].create(
            {"name": name, "step_ids": [(0, 0, step_vals)]} | vals
        )

    @classmethod
    def _reason(cls, name):
        """A feedback reason the module ships: ``no_budget``, ``competitor``,
        ``wrong_contact``, ``duplicate``, ``no_contact_sla``…"""
        return cls.env.ref(f"pharmacy_lead_alignment.feedback_reason_{name}")

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    @contextmanager
    def assertRaisesRegex(self, exception, regex, msg=None):
        """Like unittest's, but rolled back like Odoo's ``assertRaises``."""
        with self.assertRaises(exception, msg=msg) as context:
            yield context
        self.assertRegex(str(context.exception), regex)

    def _count(self, func):
        """Queries run by ``func``, flushed, from a cold cache (what the
        assertQueryCount budgets of Odoo count)."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def _wizard_form(self, model, user, leads=None, **context):
        """The form of the wizard ``model`` as ``user`` opens it: from the
        selected ``leads`` (``active_model`` / ``active_ids``), or with the
        ``context`` of the action that opens it."""
        if leads is not None:
            context = {"active_model": "crm.lead", "active_ids": leads.ids} | context
        return Form(self.env[model].with_user(user).with_context(**context))

    def _confirm_wizard(self, model, user, leads, **values):
        """Fill in the wizard ``model`` opened on ``leads`` and confirm it."""
        with self._wizard_form(model, user, leads) as wizard:
            for fname, value in values.items():
                setattr(wizard, fname, value)
        return wizard.record.action_confirm()

    def _open_activities(self, records, activity_type):
        """The open activities of ``activity_type`` (a record or an XML id)
        on ``records``."""
        return self._of_activity_type(
            "mail.activity", "res_model", "activity_type_id", records, activity_type
        )

    def _done_messages(self, records, activity_type):
        """The "activity done" messages of ``activity_type`` (a record or an
        XML id) on ``records``."""
        return self._of_activity_type(
            "mail.message", "model", "mail_activity_type_id", records, activity_type
        )

    def _of_activity_type(self, model, model_field, type_field, records, type_):
        if isinstance(type_, str):
            type_ = self.env.ref(type_)
        return (
            self.env[model]
            .sudo()
            .search(
                [
                    (model_field, "=", records._name),
                    ("res_id", "in", records.ids),
                    (type_field, "=", type_.id),
                ]
            )
        )

    # ------------------------------------------------------------
    # Factories
    # ------------------------------------------------------------

    def _desk_lead(self, name="Clinic «Health»: vaccines", **vals):
        """A lead typed in by the desk: lands in the desk, in Inquiry."""
        return (
            self.env["crm.lead"]
            .with_user(self.user_desk)
            .create({"name": name, "email_from": "clinic@example.com", **vals})
        )

    def _desk_leads(self, count, name="Lead", **vals):
        """``count`` leads typed in by the desk at once, named ``name 0``,
        ``name 1``… (no e-mail address)."""
        return (
            self.env["crm.lead"]
            .with_user(self.user_desk)
            .create([{"name": f"{name} {index}", **vals} for index in range(count)])
        )

    def _mql_lead(self, **vals):
        lead = self._desk_lead(**vals)
        lead.action_qualify()
        return lead

    def _handed_off_lead(self, user=None, **vals):
        lead = self._mql_lead(**vals)
        lead.handoff_to(self.sales_team.id, user_id=(user or self.user_sales).id)
        return lead

    def _accepted_lead(self, **vals):
        lead = self._handed_off_lead(**vals)
        lead.with_user(self.user_sales).action_accept()
        return lead

    def _events(self, lead):
        return [
            (event.from_state or False, event.to_state)
            for event in lead.sudo().lifecycle_event_ids.sorted("id")
        ]


class PharmacyScenarioCommon(PharmacyLeadCommon):
    """A scenario that is not about grades (the desk qualifies leads of any
    grade) and sets up the scoring rules, nurture tracks and SLA policies it
    needs, without the shipped ones."""

    qualify_any_grade = True
    archive_defaults = True


class JsonRpcMixin:
    """Calls over Odoo's real JSON-RPC (``/web/dataset/call_kw``), for an
    ``HttpCase`` logged in as the user under test."""

    def _call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def _raw_call(self, model, method, *args, **kwargs):
        """The raw answer, errors included (``make_jsonrpc_request`` raises)."""
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        return response.json()
