# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reasons and reviews travel as arguments, never in the context; the
module's own writes go through ``crm.lead.write()``, where a module installed
after this one sees them."""

from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import PharmacyScenarioCommon
from .test_nurture import PharmacyNurtureCommon

FORGED = "Approved by the CEO"


@tagged("post_install", "-at_install", "pla_security", "pla_lifecycle")
class TestNoBusinessDataInContextRpc(PharmacyScenarioCommon, HttpCase):
    """What a JSON-RPC client may put in its context is no reason and no
    review: those are arguments of the module's own methods."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls._reason("no_budget")

    def _write(self, user, lead, vals, context):
        self.env.flush_all()
        self.authenticate(user.login, user.login)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "crm.lead",
                "method": "write",
                "args": [lead.ids, vals],
                "kwargs": {"context": context},
            },
        )
        self.env.invalidate_all()
        return result

    def _last_event(self, lead):
        return lead.sudo().lifecycle_event_ids.sorted("id")[-1]

    def test_sales_cannot_forge_a_review_or_a_reason(self):
        lead = self._handed_off_lead()
        self._write(
            self.user_sales,
            lead,
            {"lifecycle_state": "accepted"},
            {
                "pla_review": [self.reason.id, 5, "Forged comment"],
                "pla_transition_reason": FORGED,
            },
        )
        self.assertEqual(lead.lifecycle_state, "accepted", "the write itself passes")
        review = lead.sudo().feedback_ids
        self.assertRecordValues(
            review,
            [{"verdict": "accept", "reason_id": False, "rating": 0, "comment": False}],
        )
        event = self._last_event(lead)
        self.assertEqual((event.from_state, event.to_state), ("handed_off", "accepted"))
        self.assertFalse(event.reason)

    def test_desk_cannot_write_a_reason_into_the_event_log(self):
        lead = self._desk_lead()
        self._write(
            self.user_desk,
            lead,
            {"lifecycle_state": "mql"},
            {"pla_transition_reason": FORGED},
        )
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertFalse(self._last_event(lead).reason)

    def test_override_reason_must_be_an_argument(self):
        lead = self._desk_lead()
        with self.assertRaises(JsonRpcException) as refusal:
            self._write(
                self.user_manager,
                lead,
                {"lifecycle_state": "handed_off", "team_id": self.sales_team.id},
                {"pla_transition_reason": FORGED},
            )
        self.assertEqual(str(refusal.exception), "odoo.exceptions.UserError")
        self.env.invalidate_all()
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(self._events(lead), [(False, "inquiry")])
        # given explicitly, the same reason allows the manager's override
        self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "crm.lead",
                "method": "handoff_to",
                "args": [lead.ids, self.sales_team.id],
                "kwargs": {"reason": FORGED},
            },
        )
        self.env.invalidate_all()
        self.assertEqual(lead.lifecycle_state, "handed_off")
        event = self._last_event(lead)
        self.assertEqual(event.reason, FORGED)
        self.assertTrue(event.is_override)

    def test_state_checked_token_cannot_be_sent_over_rpc(self):
        lead = self._desk_lead()
        for value in (True, 1, "1", {"token": True}):
            with self.subTest(value=value):
                with self.assertRaises(JsonRpcException):
                    self._write(
                        self.user_desk,
                        lead,
                        {"lifecycle_state": "won"},
                        {"pla_state_checked": value},
                    )
        self.env.invalidate_all()
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(self._events(lead), [(False, "inquiry")])


@tagged("post_install", "-at_install", "pla_lifecycle", "pla_nurture")
class TestWritesReachLaterModules(PharmacyNurtureCommon):
    """A module installed after this one that overrides ``crm.lead.write()``
    sits between the registry class and this module's class: it sees every
    call of the public ``write()``, and nothing written past it."""

    @contextmanager
    def _writes(self):
        """The calls of the public ``crm.lead.write()``: ``(ids, vals)``."""
        Lead = type(self.env["crm.lead"])
        original = Lead.write
        calls = []

        def write(records, vals):
            calls.append((frozenset(records.ids), dict(vals)))
            return original(records, vals)

        with patch.object(Lead, "write", write):
            yield calls

    def _written(self, calls, lead, **expected):
        """Whether one call wrote ``expected`` (a subset of its values) on
        ``lead``."""
        return any(
            lead.id in ids
            and all(
                key in vals and vals[key] == value for key, value in expected.items()
            )
            for ids, vals in calls
        )

    def test_nurture_writes_go_through_write(self):
        with freeze_time("2026-11-02"), self._writes() as calls:
            lead = self._desk_lead(pharmacy_segment="doctor")
        self.assertEqual(lead.nurture_state, "running")
        self.assertTrue(
            self._written(
                calls,
                lead,
                nurture_state="running",
                nurture_track_id=self.track_clinics.id,
            )
        )
        self.assertTrue(self._written(calls, lead, lifecycle_state="nurturing"))
        self.assertEqual(
            self._events(lead), [(False, "inquiry"), ("inquiry", "nurturing")]
        )

        with freeze_time("2026-11-02"), self._writes() as calls:
            self._run()
        self.assertEqual(lead.nurture_step_id.name, "Offer")
        self.assertTrue(
            self._written(calls, lead, nurture_step_id=lead.nurture_step_id.id)
        )

        with self._writes() as calls:
            lead.with_user(self.user_desk).action_qualify()
        self.assertEqual(lead.nurture_state, "graduated")
        self.assertTrue(self._written(calls, lead, nurture_state="graduated"))

    def test_recycling_goes_through_write(self):
        lead = self._handed_off_lead(pharmacy_segment="doctor")
        later = fields.Date.context_today(lead) + timedelta(days=30)
        with self._writes() as calls:
            lead.with_user(self.user_sales).action_recycle("Not now", later)
        self.assertEqual(lead.lifecycle_state, "nurturing")
        self.assertTrue(
            self._written(
                calls, lead, lifecycle_state="nurturing", recycle_reason="Not now"
            )
        )
        self.assertTrue(
            self._written(calls, lead, nurture_state="paused", nurture_next_date=later)
        )
        event = lead.sudo().lifecycle_event_ids.sorted("id")[-1]
        self.assertEqual(
            (event.from_state, event.to_state, event.reason),
            ("handed_off", "nurturing", "Not now"),
        )

    def test_gate_writes_go_through_write(self):
        team = self.env["crm.team"].create({"name": "Call centre", "use_leads": True})
        Lead = self.env["crm.lead"]
        adopted = Lead.create({"name": "Caller", "team_id": team.id})
        entering = Lead.create(
            {"name": "Old lead", "team_id": self.plain_team.id, "user_id": False}
        )
        with self._writes() as calls:
            team.alignment_role = "marketing"
            entering.with_user(self.user_desk).write({"team_id": self.desk_team.id})
        self.assertEqual(adopted.lifecycle_state, "inquiry")
        self.assertEqual(entering.lifecycle_state, "inquiry")
        self.assertTrue(
            self._written(
                calls, adopted, lifecycle_state="inquiry", lead_origin="marketing"
            )
        )
        self.assertTrue(
            self._written(
                calls, entering, lifecycle_state="inquiry", lead_origin="marketing"
            )
        )
        self.assertEqual(self._events(entering), [(False, "inquiry")])

    def test_transitions_go_through_write_once(self):
        lead = self._mql_lead()
        with self._writes() as calls:
            lead.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        self.assertEqual(
            [vals for ids, vals in calls if "lifecycle_state" in vals],
            [
                {
                    "lifecycle_state": "handed_off",
                    "team_id": self.sales_team.id,
                    "user_id": self.user_sales.id,
                }
            ],
            "one write, seen once by a later module",
        )
        with self._writes() as calls:
            lead.with_user(self.user_sales).action_accept()
            lead.with_user(self.user_sales).action_set_won()
        self.assertTrue(self._written(calls, lead, lifecycle_state="accepted"))
        self.assertTrue(self._written(calls, lead, lifecycle_state="won"))
        self.assertEqual(
            self._events(lead)[-3:],
            [("mql", "handed_off"), ("handed_off", "accepted"), ("accepted", "won")],
        )
        self.assertEqual(len(lead.sudo().feedback_ids), 1)
