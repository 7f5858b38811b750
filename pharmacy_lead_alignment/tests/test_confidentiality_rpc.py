# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Confidentiality proven over the real JSON-RPC path."""

import odoo
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import JsonRpcMixin
from .test_confidentiality import SECRET, PharmacyConfidentialityCommon


@tagged("post_install", "-at_install", "pla_security", "pla_confidentiality")
class TestConfidentialityRpc(JsonRpcMixin, PharmacyConfidentialityCommon, HttpCase):
    """The same, through Odoo's real JSON-RPC as the former rep."""

    def test_former_rep_over_json_rpc(self):
        case = self._rejected_lead()
        lead, note, activity, later = case.lead, case.note, case.activity, case.later
        login = self.user_sales.login
        self.authenticate(login, login)
        domain = [["model", "=", "crm.lead"], ["res_id", "=", lead.id]]
        self.assertEqual(
            self._call("mail.message", "search_read", domain, fields=["body"]), []
        )
        self.assertEqual(
            self._call(
                "mail.activity",
                "search_read",
                [["res_id", "=", lead.id]],
                fields=["res_name"],
            ),
            [],
        )
        self.assertEqual(
            self._call(
                "mail.followers",
                "search_read",
                [["res_model", "=", "crm.lead"], ["res_id", "=", lead.id]],
                fields=["partner_id"],
            ),
            [],
        )
        forbidden = [
            ("mail.message", "read", [later.id], ["body"]),
            ("mail.activity", "action_feedback", [activity.id]),
            ("crm.lead", "message_post", [lead.id]),
            (
                "mail.message",
                "create",
                {
                    "model": "crm.lead",
                    "res_id": lead.id,
                    "body": "reply",
                    "message_type": "comment",
                    "parent_id": note.id,
                },
            ),
        ]
        for model, method, *args in forbidden:
            with self.subTest(method=method):
                kwargs = {"body": "still here"} if method == "message_post" else {}
                with self.assertRaises(JsonRpcException) as error:
                    self._call(model, method, *args, **kwargs)
                self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request(
                "/mail/message/post",
                {
                    "thread_model": "crm.lead",
                    "thread_id": lead.id,
                    "post_data": {"body": "still here", "message_type": "comment"},
                },
            )
        self.env.invalidate_all()
        self.assertFalse(
            self.env["mail.message"].search(
                [("res_id", "=", lead.id), ("body", "ilike", "still here")]
            )
        )
        self.assertTrue(activity.exists())

    def test_debug_mode_error_names_no_desk_lead(self):
        lead = self._desk_lead(name=SECRET)
        login = self.user_sales_manager.login
        self.authenticate(login, login)
        self.session.debug = "1"
        odoo.http.root.session_store.save(self.session)
        answer = self._raw_call("crm.lead", "read", [lead.id], ["name"])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertNotIn(SECRET, answer["error"]["data"]["message"])
        self.assertIn("lead desk", answer["error"]["data"]["message"])
