# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may do what, proven over the real JSON-RPC path.

Two tables drive every test here:

* ``MODEL_MATRIX``: for every model this module adds (a test fails when a new
  one is missing), and each role, which of read / search / read_group /
  create / write / unlink succeed on a typical record;
* ``METHOD_MATRIX``: for every public method of the lead (a test fails when a
  new one is missing) and the decisions made by plain ``write``, which roles
  may call it; a refused call leaves the lead as it was.

Each cell is one ``/web/dataset/call_kw`` request as that user.
"""

import inspect

from odoo.exceptions import UserError
from odoo.tests import HttpCase, JsonRpcException, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.pharmacy_audit_mixin import trusted
from .access_matrix_tables import (
    METHOD_MATRIX,
    MODEL_MATRIX,
    ROLES,
)
from .common import PharmacyScenarioCommon


@tagged("post_install", "-at_install", "pla_security", "pla_access_matrix")
class TestAccessMatrix(PharmacyScenarioCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = mail_new_test_user(
            cls.env, login="pla_portal", groups="base.group_portal", name="Portal"
        )
        cls.user_sales_other = mail_new_test_user(
            cls.env,
            login="pla_sales_other",
            name="Sales Other",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        cls.sales_team_2.member_ids = cls.user_sales_other
        # every qualified lead is routed to B2B Clinics (action_handoff_suggested)
        cls.sales_team.assignment_domain = "[('type', '=', 'lead')]"
        cls.users = {
            "portal": cls.user_portal,
            "sales": cls.user_sales,
            "sales_other": cls.user_sales_other,
            "desk": cls.user_desk,
            "manager": cls.user_manager,
            "manager_other": cls.user_manager_other,
        }
        env = cls.env
        cls.reason_reject = env["pharmacy.feedback.reason"].create(
            {
                "name": "Not ready yet",
                "direction": "sales",
                "action": "recycle",
                "company_id": cls.company.id,
            }
        )
        cls.reason_flag = env["pharmacy.feedback.reason"].create(
            {"name": "Never called", "direction": "marketing", "company_id": False}
        )
        company = {"company_id": cls.company.id}
        cls.signal = cls._engagement_rule(
            "Price list asked", 1, code="pla_matrix_signal", **company
        )
        cls.track = cls._call_track(
            "Matrix track",
            "Call",
            domain="[('name', '=', 'enrolled by hand only')]",
            **company,
        )
        cls.step = cls.track.step_ids
        cls.policy = cls._sla_policy(
            "Answer in 8 working hours",
            "sales_response",
            cls.sales_team_2,
            hours=8,
            **company,
        )
        cls.campaign = env["utm.campaign"].create({"name": "Flu season"})
        cls.map = env["pharmacy.process.map"].create(
            {"name": "Our sales process", "company_id": cls.company.id}
        )

    # ------------------------------------------------------------
    # Fixtures
    # ------------------------------------------------------------

    def _lead(self, state):
        if state in ("inquiry", "nurtured", "paused"):
            lead = self._desk_lead()
            if state != "inquiry":
                lead.nurture_track_id = self.track
                lead.action_nurture_enrol()
            if state == "paused":
                lead.action_nurture_pause()
            return lead
        if state == "disqualified":
            lead = self._desk_lead()
            lead.action_disqualify()
            return lead
        if state == "mql":
            return self._mql_lead()
        if state == "handed_off":
            return self._handed_off_lead()
        return self._accepted_lead()

    def _record(self, key):
        """A typical record of ``key`` (company A, on a handed-off lead)."""
        env = self.env
        model = key.split("/")[0]
        lead = self._handed_off_lead()
        if model in ("pharmacy.scoring.rule", "pharmacy.feedback.reason"):
            vals = self._create_vals(key)
            return env[model].create(vals)
        return {
            "pharmacy.lead.event": lambda: lead.sudo().lifecycle_event_ids[:1],
            "pharmacy.lead.engagement": lambda: (
                env["pharmacy.lead.engagement"]
                .browse(lead.sudo().action_log_engagement("pla_matrix_signal"))
                .sudo()
            ),
            "pharmacy.lead.sla": lambda: env["pharmacy.lead.sla"].create(
                self._clock_vals(lead)
            ),
            "pharmacy.nurture.step.run": lambda: env[
                "pharmacy.nurture.step.run"
            ].create({"lead_id": lead.id, "step_id": self.step.id, "result": "done"}),
            "pharmacy.lead.feedback": lambda: self._accepted_lead().sudo().feedback_ids,
            "pharmacy.lead.consent": lambda: env["pharmacy.lead.consent"].create(
                self._create_vals(key, lead)
            ),
            "pharmacy.nurture.track": lambda: self.track.copy(),
            "pharmacy.nurture.step": lambda: self.step.copy(),
            "pharmacy.sla.policy": lambda: self.policy.copy(),
            "pharmacy.scoring.rule.revision": lambda: env[
                "pharmacy.scoring.rule.revision"
            ].create(
                {
                    "rule_id": self.signal.id,
                    "old_points": 1,
                    "new_points": 2,
                    "user_id": self.user_manager.id,
                    "state": "applied",
                    "company_id": self.company.id,
                }
            ),
            "pharmacy.process.map": lambda: self.map.copy(),
            "pharmacy.process.step": lambda: env["pharmacy.process.step"].create(
                self._create_vals(key)
            ),
            "pharmacy.process.map.ack": lambda: env["pharmacy.process.map.ack"].create(
                {
                    "map_id": self.map.copy().id,
                    "user_id": self.user_sales.id,
                    "state": "pending",
                }
            ),
            "pharmacy.lead.mass.action": lambda: (
                env["pharmacy.lead.mass.action"]
                .with_user(self.users["desk"])
                ._queue(self._desk_lead(), "action_disqualify", {})
                .with_user(env.user)
            ),
            "pharmacy.marketing.cost": lambda: env["pharmacy.marketing.cost"].create(
                self._create_vals(key)
            ),
            "crm.lead/desk": lambda: self._desk_lead(),
            "crm.lead/handed_off": lambda: lead,
        }.get(key, lambda: env[model].search([], limit=1))()

    def _clock_vals(self, lead):
        """A response clock of ``lead``, as the flow starts it."""
        return {
            "lead_id": lead.id,
            "policy_id": self.policy.id,
            "kind": "sales_response",
            "start": "2026-11-30 09:00:00",
            "deadline": "2026-11-30 17:00:00",
            "company_id": self.company.id,
        }

    def _create_vals(self, key, lead=None):
        lead = lead or self._handed_off_lead()
        company = False if key.endswith("/shared") else self.company.id
        return {
            "pharmacy.lead.event": {"lead_id": lead.id, "to_state": "won"},
            "pharmacy.lead.engagement": {
                "lead_id": lead.id,
                "rule_id": self.signal.id,
                "points": 100,
            },
            "pharmacy.lead.sla": self._clock_vals(lead),
            "pharmacy.nurture.step.run": {
                "lead_id": lead.id,
                "step_id": self.step.id,
                "result": "done",
            },
            "pharmacy.lead.feedback": {
                "lead_id": lead.id,
                "direction": "sales",
                "verdict": "accept",
                "company_id": self.company.id,
            },
            "pharmacy.lead.consent": {
                "lead_id": lead.id,
                "kind": "marketing",
                "source": "phone",
                "document_ref": "Call",
            },
            "pharmacy.scoring.rule": {
                "name": "Clinics",
                "category": "fit",
                "points": 5,
                "domain": "[('pharmacy_segment', '=', 'clinic')]",
                "company_id": company,
            },
            "pharmacy.feedback.reason": {
                "name": "Spam",
                "direction": "sales",
                "action": "disqualify",
                "company_id": company,
            },
            "pharmacy.nurture.track": {
                "name": "New",
                "company_id": self.company.id,
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Call",
                            "action": "activity",
                            "activity_type_id": self.env.ref(
                                "mail.mail_activity_data_call"
                            ).id,
                        },
                    )
                ],
            },
            "pharmacy.nurture.step": {
                "name": "New step",
                "track_id": self.track.id,
                "action": "activity",
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
            },
            "pharmacy.sla.policy": {
                "name": "New policy",
                "kind": "sales_contact",
                "company_id": self.company.id,
                "team_ids": [(6, 0, self.sales_team_2.ids)],
                "hours": 8,
            },
            "pharmacy.scoring.rule.revision": {
                "rule_id": self.signal.id,
                "old_points": 1,
                "new_points": 50,
                "user_id": self.user_manager.id,
                "state": "applied",
                "company_id": self.company.id,
            },
            "pharmacy.process.map": {"name": "Draft", "company_id": self.company.id},
            "pharmacy.process.step": {
                "map_id": self.map.id,
                "lifecycle_state": "inquiry",
                "name": "Inquiry",
                "owner_side": "marketing",
            },
            "pharmacy.process.map.ack": {
                "map_id": self.map.id,
                "user_id": self.user_sales.id,
                "state": "done",
            },
            "pharmacy.marketing.cost": {
                "amount": 100.0,
                "company_id": self.company.id,
                "campaign_id": self.campaign.id,
            },
            "pharmacy.sla.report": {},
            "pharmacy.funnel.report": {},
            "pharmacy.velocity.report": {},
            "pharmacy.roi.report": {},
            "crm.lead.handoff": {
                "lead_ids": [(6, 0, self._mql_lead().ids)],
                "team_id": self.sales_team.id,
            },
            "crm.lead.review": {
                "lead_ids": [(6, 0, lead.ids)],
                "verdict": "accept",
            },
            "crm.lead.flag": {
                "lead_ids": [(6, 0, lead.ids)],
                "reason_id": self.reason_flag.id,
            },
            "crm.lead.qualify": {
                "lead_ids": [(6, 0, self._desk_lead().ids)],
                "reason": "Tender",
            },
            "pharmacy.rule.effectiveness": {
                "date_from": "2026-01-01",
                "date_to": "2026-11-30",
            },
            "pharmacy.scoring.settings": {},
            "pharmacy.lead.mass.action": {
                "method": "action_disqualify",
                "user_id": self.user_desk.id,
                "company_id": self.company.id,
                "lead_ids": [(6, 0, self._desk_lead().ids)],
                "lead_count": 1,
            },
            "crm.lead/desk": {"name": "New lead"},
            "crm.lead/handed_off": {"name": "New lead"},
        }[key.replace("/shared", "")]

    #: the field each model's "write" cell writes: the one worth forging
    WRITE_VALS = {
        "pharmacy.lead.mass.action": {"state": "cancelled", "user_id": 1},
        "pharmacy.lead.event": {"reason": "rewritten"},
        "pharmacy.lead.engagement": {"points": 999},
        "pharmacy.lead.sla": {"state": "met"},
        "pharmacy.nurture.step.run": {"result": "failed"},
        "pharmacy.lead.feedback": {"lead_score": 999},
        "pharmacy.lead.consent": {"document_ref": "forged"},
        "pharmacy.scoring.rule": {"points": 99},
        "pharmacy.feedback.reason": {"name": "Renamed"},
        "pharmacy.nurture.track": {"name": "Renamed"},
        "pharmacy.nurture.step": {"name": "Renamed"},
        "pharmacy.sla.policy": {"hours": 1.0},
        "pharmacy.scoring.rule.revision": {"new_points": 99},
        "pharmacy.process.map": {"name": "Renamed"},
        "pharmacy.process.step": {"name": "Renamed"},
        "pharmacy.process.map.ack": {"state": "done"},
        "pharmacy.marketing.cost": {"amount": 1.0},
        "crm.lead": {"name": "Renamed"},
        "pharmacy.sla.report": {"company_id": False},
        "pharmacy.funnel.report": {"company_id": False},
        "pharmacy.velocity.report": {"company_id": False},
        "pharmacy.roi.report": {"company_id": False},
    }

    # ------------------------------------------------------------
    # RPC
    # ------------------------------------------------------------

    def _call(self, role, model, method, args, kwargs=None):
        """``True`` when the call as ``role`` succeeds, ``False`` when Odoo
        answers with an access, user or validation error; anything else (a
        database error, a Python TypeError) fails the test."""
        user = self.users[role]
        self.authenticate(user.login, user.login)
        try:
            result = self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            )
        except JsonRpcException as error:
            self.assertIn(
                str(error),
                (
                    "odoo.exceptions.AccessError",
                    "odoo.exceptions.UserError",
                    "odoo.exceptions.ValidationError",
                    "odoo.exceptions.MissingError",
                ),
                f"{role} {model}.{method}: not a clear refusal",
            )
            return False
        return result

    def _op(self, role, key, op):
        model = key.split("/")[0]
        if op == "create":
            return bool(self._call(role, model, "create", [self._create_vals(key)]))
        if op in ("write", "unlink"):
            record = self._record(key)  # fresh: the call may change it
        else:
            record = self._fixtures.get(key)
            if record is None:
                record = self._fixtures[key] = self._record(key)
        self.env.flush_all()
        if not record:  # a report without rows here: what the rights say
            if op in ("write", "unlink"):
                return self._call(role, model, "has_access", [[], op])
            return (
                self._call(role, model, "search_read", [[]], {"limit": 1}) is not False
            )
        if op == "read":
            rows = self._call(role, model, "read", [record.ids, ["display_name"]])
            return bool(rows)
        domain = [("id", "in", record.ids)]
        if op == "search":
            return bool(self._call(role, model, "search", [domain]))
        if op == "read_group":
            groups = self._call(
                role,
                model,
                "read_group",
                [domain, ["__count"], []],
                {"lazy": False},
            )
            return bool(groups) and groups[0]["__count"] > 0
        if op == "write":
            vals = self.WRITE_VALS[model]
            before = record.sudo().read(list(vals))[0]
            done = self._call(role, model, "write", [record.ids, vals]) is not False
            record.invalidate_recordset()
            if not done:
                self.assertEqual(record.sudo().read(list(vals))[0], before)
            return done
        if op == "unlink":
            done = self._call(role, model, "unlink", [record.ids]) is not False
            self.assertEqual(bool(record.sudo().exists()), not done)
            return done
        raise AssertionError(op)

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_every_model_of_the_module_is_in_the_matrix(self):
        covered = {key.split("/")[0] for key in MODEL_MATRIX}
        ours = {
            name
            for name, model in self.env.registry.items()
            if model._original_module == "pharmacy_lead_alignment"
            and not model._abstract
        }
        self.assertFalse(ours - covered, "models missing from MODEL_MATRIX")

    def test_every_public_method_of_the_lead_is_in_the_matrix(self):
        Lead = type(self.env["crm.lead"])
        ours = set()
        for cls in Lead.__mro__:
            module = getattr(cls, "_module", None) or ""
            if module != "pharmacy_lead_alignment":
                continue
            for name, member in vars(cls).items():
                if (
                    inspect.isfunction(member)
                    and not name.startswith("_")
                    and name not in ("create", "write", "message_post")
                ):
                    ours.add(name)
        missing = ours - {name.split(":")[0] for name in METHOD_MATRIX}
        self.assertFalse(missing, "public lead methods missing from METHOD_MATRIX")

    def test_model_matrix(self):
        self._fixtures = {}
        for key, ops in MODEL_MATRIX.items():
            for op, allowed in ops.items():
                for role in ROLES:
                    with self.subTest(model=key, op=op, role=role):
                        self.assertEqual(
                            self._op(role, key, op),
                            role in allowed,
                            f"{role} {op} {key}",
                        )

    def _method_call(self, name, lead):
        if name == "handoff_to":
            return "handoff_to", [lead.ids, self.sales_team.id]
        if name == "action_log_engagement":
            return name, [lead.ids, "pla_matrix_signal"]
        if name == "action_review_reject":
            return name, [lead.ids, self.reason_reject.id, 2]
        if name == "action_recycle":
            return name, [lead.ids, "Budget comes in spring"]
        if name == "action_flag_mishandled":
            return name, [lead.ids, self.reason_flag.id]
        if name == "convert_opportunity":
            return name, [lead.ids, False]
        writes = {
            "write:accept": {"lifecycle_state": "accepted"},
            "write:opportunity": {"type": "opportunity"},
            "write:other_team": {"team_id": self.sales_team_2.id},
            "write:lead_score": {"lead_score": 999},
            "write:lead_origin": {"lead_origin": "sales"},
            "write:recycle_count": {"recycle_count": 0},
            "write:sla_state": {"sla_state": False},
            "write:nurture_state": {"nurture_state": "completed"},
            "write:score_rule_ids": {"score_rule_ids": [(5, 0, 0)]},
        }
        if name == "write:grab":
            return "write", None  # filled per role
        if name in writes:
            return "write", [lead.ids, writes[name]]
        return name, [lead.ids]

    def test_method_matrix(self):
        watched = [
            "lifecycle_state",
            "type",
            "team_id",
            "user_id",
            "active",
            "lead_score",
            "lead_origin",
            "recycle_count",
            "nurture_state",
            "sla_state",
        ]
        for name, (state, allowed) in METHOD_MATRIX.items():
            for role in ROLES:
                with self.subTest(method=name, role=role):
                    lead = self._lead(state)
                    self.env.flush_all()
                    method, args = self._method_call(name, lead)
                    if name == "write:grab":
                        args = [lead.ids, {"user_id": self.users[role].id}]
                    before = lead.sudo().read(watched)[0]
                    done = self._call(role, "crm.lead", method, args) is not False
                    lead.invalidate_recordset()
                    self.assertEqual(done, role in allowed, f"{role} {name}")
                    if not done:
                        self.assertEqual(lead.sudo().read(watched)[0], before)

    def test_the_mail_gateway_hook_is_not_an_engagement_signal_over_rpc(self):
        rule = self.env["pharmacy.scoring.rule"].create(
            {
                "name": "E-mail in",
                "category": "engagement",
                "trigger": "inbound_email",
                "points": 50,
                "company_id": self.company.id,
            }
        )
        lead = self._desk_lead()
        self.env.flush_all()
        for role in ROLES:
            with self.subTest(role=role):
                self._call(
                    role,
                    "crm.lead",
                    "message_update",
                    [lead.ids, {"subject": "Hi", "body": "", "from": "x@example.com"}],
                )
                self._call(
                    role,
                    "crm.lead",
                    "message_new",
                    [{"subject": "Hi", "body": "", "from": "x@example.com"}],
                )
        engagement = self.env["pharmacy.lead.engagement"].search(
            [("rule_id", "=", rule.id)]
        )
        self.assertFalse(engagement, "no e-mail reached the gateway")
        self.assertEqual(lead.lifecycle_state, "inquiry")

    def test_system_fields_are_refused_on_create(self):
        for role in ("sales", "desk", "manager"):
            with self.subTest(role=role):
                self.assertFalse(
                    self._call(
                        role,
                        "crm.lead",
                        "create",
                        [{"name": "Forged", "lead_score": 999, "lead_grade": "a"}],
                    )
                )
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Forged")]))

    def test_trusted_token_cannot_be_sent_over_rpc(self):
        lead = self._accepted_lead()
        self.env.flush_all()
        for value in (True, 1, "1", {"token": True}):
            with self.subTest(value=value):
                self.authenticate("pla_sales", "pla_sales")
                with self.assertRaises(JsonRpcException):
                    self.make_jsonrpc_request(
                        "/web/dataset/call_kw",
                        {
                            "model": "crm.lead",
                            "method": "write",
                            "args": [lead.ids, {"lead_score": 999}],
                            "kwargs": {"context": {"pla_trusted": value}},
                        },
                    )
        self.assertNotEqual(lead.lead_score, 999)

    def test_override_is_the_managers_decision_not_sudos(self):
        lead = self._desk_lead()
        self.assertEqual(lead.lifecycle_state, "inquiry")
        # sudo() by the desk's code is no authority to skip qualification
        with self.assertRaisesRegex(UserError, "Only an Alignment Manager"):
            lead.with_user(self.user_desk).sudo().handoff_to(
                self.sales_team.id, reason="Urgent"
            )
        lead.with_user(self.user_manager).handoff_to(
            self.sales_team.id, reason="Urgent tender"
        )
        self.assertEqual(lead.lifecycle_state, "handed_off")
        event = lead.sudo().lifecycle_event_ids.sorted("id")[-1]
        self.assertTrue(event.is_override)

    def test_sales_create_leads_only_in_their_own_team(self):
        Lead = self.env["crm.lead"].with_user(self.user_sales)
        mine = Lead.create({"name": "My clinic", "team_id": self.sales_team.id})
        self.assertEqual(mine.lifecycle_state, "accepted")
        self.assertFalse(
            self._call(
                "sales",
                "crm.lead",
                "create",
                [{"name": "Not my team", "team_id": self.sales_team_2.id}],
            )
        )

    def test_shared_records_need_every_company(self):
        shared = (
            self.env["pharmacy.scoring.rule"]
            .with_context(active_test=False)
            .search([("company_id", "=", False)], limit=1)
        )
        self.assertTrue(shared, "the pharmacy defaults are shared rules")
        self.assertFalse(
            self._call(
                "manager_other", shared._name, "write", [shared.ids, {"points": 1}]
            )
        )
        settings = (
            self.env["pharmacy.scoring.settings"]
            .with_user(self.user_manager_other)
            .create({"company_id": self.company.id})
        )
        self.assertFalse(
            self._call(
                "manager_other",
                "pharmacy.scoring.settings",
                "action_save",
                [settings.ids],
            )
        )

    def test_trusted_writes_pass_in_code(self):
        lead = self._accepted_lead()
        trusted(lead).write({"recycle_count": 3})
        self.assertEqual(lead.recycle_count, 3)

    def test_a_lead_lost_at_the_desk_stays_with_the_desk(self):
        lead = self._mql_lead()
        lead.with_user(self.user_desk).action_set_lost()
        self.assertEqual(lead.lifecycle_state, "lost")
        self.assertTrue(lead.is_desk_lead)
        for user in (self.user_sales_all, self.user_sales_manager):
            with self.subTest(user=user.login):
                Lead = self.env["crm.lead"].with_user(user)
                self.assertFalse(
                    Lead.with_context(active_test=False).search([("id", "=", lead.id)])
                )
                self.assertFalse(
                    self.env["pharmacy.lead.event"]
                    .with_user(user)
                    .search([("lead_id", "=", lead.id)])
                )
        # lost by sales after the hand-off: the receiving team keeps seeing it
        handed = self._handed_off_lead()
        handed.with_user(self.user_sales).action_set_lost()
        self.assertFalse(handed.is_desk_lead)
        self.assertTrue(
            self.env["crm.lead"]
            .with_user(self.user_sales_all)
            .with_context(active_test=False)
            .search([("id", "=", handed.id)])
        )
