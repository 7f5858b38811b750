# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from contextlib import contextmanager

from odoo.tests import TransactionCase

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools.groups import GROUP_DESK, GROUP_MANAGER


class PharmacyLeadCommon(TransactionCase):
    """Role users, a lead desk, sales teams and lead factories.

    Every scenario runs as the user with the lowest rights it needs.
    """

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

        Team = cls.env["crm.team"]
        cls.desk_team = Team.create(
            {
                "name": "Lead Desk",
                "alignment_role": "marketing",
                "use_leads": True,
                "company_id": cls.company.id,
                "member_ids": [(6, 0, (cls.user_desk | cls.user_desk_2).ids)],
            }
        )
        cls.sales_team = Team.create(
            {
                "name": "B2B Clinics",
                "alignment_role": "sales",
                "use_leads": True,
                "company_id": cls.company.id,
                "user_id": cls.user_sales_manager.id,
                "member_ids": [(6, 0, (cls.user_sales | cls.user_sales_all).ids)],
            }
        )
        cls.sales_team_2 = Team.create(
            {
                "name": "Corporate",
                "alignment_role": "sales",
                "use_leads": True,
                "company_id": cls.company.id,
            }
        )
        cls.plain_team = Team.create(
            {
                "name": "Retail (no role)",
                "use_leads": True,
                "company_id": cls.company.id,
                "member_ids": [(6, 0, cls.user_sales_manager.ids)],
            }
        )
        cls.company.lead_desk_team_id = cls.desk_team

        cls.other_desk = Team.create(
            {
                "name": "Other Desk",
                "alignment_role": "marketing",
                "company_id": cls.other_company.id,
                "member_ids": [(6, 0, cls.user_desk_other.ids)],
            }
        )
        cls.other_company.lead_desk_team_id = cls.other_desk

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
