# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bad arguments of the public methods: a translated UserError naming the
argument, nothing written; and filters of rules and tracks reading only
stored fields a salesperson may see."""

import json
import re
from datetime import timedelta

import psycopg2
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import PharmacyLeadCommon

#: A day long past: engagement may be dated then.
PAST = "2025-01-15"


def bad_ids(valid):
    """What may come over RPC in place of the id ``valid``."""
    return [
        "abc",
        str(valid),  # a numeric string: JSON gives ints
        [valid],
        [valid, valid],
        {"id": valid},
        -1,
        0,
        1.5,
        float(valid),
        True,
        2**31,
    ]


BAD_DATES = [
    "2026-02-30",
    "garbage",
    "2026-13-01",
    "01.02.2026",
    12,
    1.5,
    True,
    ["2026-01-01"],
    {"date": "2026-01-01"},
]
BAD_RATINGS = [6, -1, "abc", [4], {"rating": 4}, 4.5, True]
BAD_CODES = [
    ["price_list_request"],
    ["price_list_request", "trial_order"],
    {"code": "price_list_request"},
    12,
    "x" * 65,
    "price\x00list",
]
BAD_PERIODS = ["week", ["month"], {"month": 1}, 1, None]


def bad_texts(max_length=1000):
    return ["x" * (max_length + 1), ["why"], {"why": 1}, 12, "a\x00b"]


class PharmacyRpcArgsCommon(PharmacyLeadCommon):
    qualify_any_grade = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_wrong_contact = cls._reason("wrong_contact")
        cls.reason_no_budget = cls._reason("no_budget")
        cls.reason_no_contact = cls._reason("no_contact_sla")

    def _snapshot(self, lead):
        """What a refused call must leave as it was."""
        self.env.flush_all()
        self.env.invalidate_all()
        lead = lead.sudo()
        values = lead.read(
            [
                "lifecycle_state",
                "team_id",
                "user_id",
                "type",
                "recycle_count",
                "recycle_date",
                "recycle_reason",
                "nurture_state",
                "engagement_score",
                "lead_score",
            ]
        )[0]
        counts = {
            model: self.env[model].sudo().search_count([("lead_id", "=", lead.id)])
            for model in (
                "pharmacy.lead.engagement",
                "pharmacy.lead.feedback",
                "pharmacy.lead.event",
            )
        }
        counts["activities"] = (
            self.env["mail.activity"]
            .sudo()
            .search_count([("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        )
        return values, counts

    def _assert_refused(self, call, argument, lead=None):
        """``call()`` raises exactly UserError or ValidationError naming
        ``argument``, and ``lead`` is left unchanged."""
        before = self._snapshot(lead) if lead else None
        with self.env.cr.savepoint():
            error = None
            try:
                call()
            except Exception as caught:  # noqa: BLE001 - the class is checked
                error = caught
            self.assertIsNotNone(error, "the call was accepted")
            self.assertNotIsInstance(error, psycopg2.Error)
            self.assertIn(
                type(error),
                (UserError, ValidationError),
                f"{type(error).__name__}: {error}",
            )
            # named in quotes: “team_id”, «team_id» in Russian
            self.assertRegex(str(error), f"[“«]{re.escape(argument)}[”»]")
            self.assertNotIn("Expected singleton", str(error))
            if lead:
                self.assertEqual(self._snapshot(lead), before, "something was written")
        return error


@tagged("post_install", "-at_install", "pla_rpc_args")
class TestRpcArgs(PharmacyRpcArgsCommon):
    """Each public method × each bad argument."""

    def _run_table(self, call, valid, bad, lead=None):
        """Call with ``valid`` arguments, each time one replaced by one of
        its ``bad`` values; then once with ``valid`` (which must pass, so that
        the refusals are the bad argument's doing)."""
        for argument, values in bad.items():
            for value in values:
                with self.subTest(argument=argument, value=value):
                    kwargs = dict(valid, **{argument: value})
                    self._assert_refused(lambda kw=kwargs: call(**kw), argument, lead)
        call(**valid)

    def test_handoff_to(self):
        lead = self._mql_lead()
        self._run_table(
            lead.with_user(self.user_desk).handoff_to,
            {
                "team_id": self.sales_team.id,
                "user_id": self.user_sales.id,
                "reason": "Urgent tender",
            },
            {
                "team_id": bad_ids(self.sales_team.id) + [None, False],
                "user_id": bad_ids(self.user_sales.id),
                "reason": bad_texts(),
            },
            lead,
        )
        self.assertEqual(lead.lifecycle_state, "handed_off")

    def test_action_review_accept(self):
        lead = self._handed_off_lead()
        self._run_table(
            lead.with_user(self.user_sales).action_review_accept,
            {"rating": 4, "comment": "Right person, right time"},
            {"rating": BAD_RATINGS, "comment": bad_texts()},
            lead,
        )
        self.assertEqual(lead.lifecycle_state, "accepted")

    def test_action_review_reject(self):
        lead = self._handed_off_lead()
        self._run_table(
            lead.with_user(self.user_sales).action_review_reject,
            {
                "reason_id": self.reason_wrong_contact.id,
                "rating": 2,
                "comment": "Reception, not the buyer",
                "recycle_date": None,
            },
            {
                "reason_id": bad_ids(self.reason_wrong_contact.id),
                "rating": BAD_RATINGS,
                "comment": bad_texts(),
                "recycle_date": BAD_DATES,
            },
            lead,
        )
        self.assertEqual(lead.lifecycle_state, "inquiry")

    def test_action_recycle(self):
        lead = self._handed_off_lead()
        self._run_table(
            lead.with_user(self.user_sales).action_recycle,
            {"reason": "Contract ends in March", "recycle_date": "2099-03-01"},
            # the reason of a rejection carries the reason's name, then the
            # comment: twice the length of a comment
            {"reason": bad_texts(2000), "recycle_date": BAD_DATES},
            lead,
        )
        self.assertEqual(lead.lifecycle_state, "nurturing")
        self.assertEqual(fields.Date.to_string(lead.recycle_date), "2099-03-01")

    def test_action_log_engagement(self):
        lead = self._desk_lead()
        now = fields.Datetime.now()
        future = [
            "9999-12-31",
            fields.Date.to_string(now + timedelta(days=1)),
            fields.Datetime.to_string(now + timedelta(hours=1)),
            now + timedelta(minutes=10),
        ]
        self._run_table(
            lead.with_user(self.user_desk).action_log_engagement,
            {"code": "price_list_request", "date": PAST, "note": "Asked for prices"},
            {
                "code": BAD_CODES + [None, "", "   "],
                "date": BAD_DATES + future,
                "note": bad_texts(),
            },
            lead,
        )
        self.assertEqual(len(lead.engagement_ids), 1)

    def test_engagement_dates_accepted(self):
        """Now, a caller's clock a few minutes fast, the past, a date."""
        lead = self._desk_lead()
        now = fields.Datetime.now()
        Lead = lead.with_user(self.user_desk)
        for value in (
            None,
            fields.Datetime.to_string(now + timedelta(minutes=2)),
            now,
            PAST,
            "2025-01-15 08:30:00",
            fields.Date.context_today(lead),
        ):
            with self.subTest(date=value):
                self.assertEqual(
                    len(Lead.action_log_engagement("price_list_request", date=value)),
                    1,
                )
        events = (
            lead.sudo()
            .engagement_ids.filtered(
                lambda event: event.rule_id.code == "price_list_request"
            )
            .sorted("id")
        )
        self.assertEqual(len(events), 6)
        self.assertEqual(
            fields.Datetime.to_string(events[3].date), "2025-01-15 00:00:00"
        )

    def test_engagement_today_in_the_users_time_zone(self):
        """At 23:30 UTC it is already tomorrow in Moscow: a desk user there
        logs a signal dated her "today"; it counts from the moment her day
        began. Her tomorrow is refused."""
        lead = self._desk_lead()
        self.user_desk.tz = "Europe/Moscow"
        Lead = lead.with_user(self.user_desk)
        with freeze_time("2026-12-01 23:30:00"):
            today = fields.Date.context_today(Lead)
            self.assertEqual(fields.Date.to_string(today), "2026-12-02")
            Lead.action_log_engagement("price_list_request", date=today)
            with self.assertRaisesRegex(UserError, "“date”"):
                Lead.action_log_engagement("price_list_request", date="2026-12-03")
        self.assertEqual(
            fields.Datetime.to_string(lead.sudo().engagement_ids.date),
            "2026-12-01 21:00:00",
        )

    def test_action_flag_mishandled(self):
        lead = self._accepted_lead()
        self._run_table(
            lead.with_user(self.user_desk).action_flag_mishandled,
            {"reason_id": self.reason_no_contact.id, "comment": "No call in 3 days"},
            {
                "reason_id": bad_ids(self.reason_no_contact.id),
                "comment": bad_texts(),
            },
            lead,
        )
        self.assertEqual(len(lead.sudo().feedback_ids.filtered("reason_id")), 1)

    def test_get_dashboard_data(self):
        Dashboard = self.env["pharmacy.alignment.dashboard"].with_user(
            self.user_manager
        )
        self._run_table(
            Dashboard.get_dashboard_data,
            {"period": "quarter", "team_id": self.sales_team.id},
            # no period (None) is the default one: this month or the last
            {
                "period": [p for p in BAD_PERIODS if p is not None],
                "team_id": bad_ids(self.sales_team.id),
            },
        )

    def test_rule_effectiveness_period(self):
        """The period of the effectiveness figures comes in the context."""
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)

        def read(**context):
            return Rule.with_context(**context).search_read([], ["eff_lift"])

        for key in ("pla_period_from", "pla_period_to"):
            for value in BAD_DATES:
                with self.subTest(key=key, value=value):
                    self._assert_refused(
                        lambda key=key, value=value: read(**{key: value}), key
                    )
        with self.assertRaisesRegex(UserError, "swap the dates"):
            read(pla_period_from="2026-03-01", pla_period_to="2026-02-01")
        self.assertTrue(
            read(pla_period_from="2026-01-01", pla_period_to="2026-03-31 00:00:00")
        )
        self.assertTrue(read())

    def test_messages_are_translated(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        lead = self._mql_lead()
        error = self._assert_refused(
            lambda: (
                lead.with_user(self.user_desk)
                .with_context(lang="ru_RU")
                .handoff_to("abc")
            ),
            "team_id",
            lead,
        )
        self.assertIn("должен быть идентификатором записи", str(error))


@tagged("post_install", "-at_install", "pla_rpc_args")
class TestFilterPaths(PharmacyLeadCommon):
    """Filters of fit rules and nurture tracks read stored fields that a
    salesperson may see, along every relation path; fit rules no score."""

    def test_refused_rule_domains(self):
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)
        cases = [
            ("[('temperature', '=', 'hot')]", "temperature", "not stored"),
            ("[('sla_at_risk', '=', True)]", "sla_at_risk", "not stored"),
            (
                "[('partner_id.opportunity_count', '>', 1)]",
                "partner_id.opportunity_count",
                "not stored",
            ),
            ("[('user_id.password', '=', 'x')]", "user_id.password", "not every"),
            ("[('user_id.login', '=', 'admin')]", "user_id.login", "not every"),
            (
                "[('partner_id.user_ids.login', '=', 'admin')]",
                "partner_id.user_ids.login",
                "not every",
            ),
            (
                "[('partner_id', 'any', [('user_ids', 'any', [('login', '=', 'a')])])]",
                "partner_id.user_ids.login",
                "not every",
            ),
            (
                "[('partner_id.signup_type', '=', 'signup')]",
                "partner_id.signup_type",
                "not every",
            ),
            (
                "[('partner_id.opportunity_ids.lead_score', '>', 10)]",
                "partner_id.opportunity_ids.lead_score",
                "scores are the result",
            ),
            (
                "[('partner_id', 'any', [('opportunity_ids.fit_score', '>', 1)])]",
                "partner_id.opportunity_ids.fit_score",
                "scores are the result",
            ),
            ("[('score_reason_data', '!=', False)]", "score_reason_data", "scores"),
            ("[('lead_score', '>', 10)]", "lead_score", "scores are the result"),
        ]
        count = Rule.search_count([])
        for domain, path, message in cases:
            with self.subTest(domain=domain):
                with self.assertRaises(ValidationError) as caught:
                    Rule.create({"name": "Sneaky rule", "domain": domain})
                self.assertIn(path, str(caught.exception))
                self.assertIn(message, str(caught.exception))
        self.assertEqual(Rule.search_count([]), count)
        rule = self.env.ref("pharmacy_lead_alignment.scoring_rule_segment_clinic")
        with self.assertRaises(ValidationError):
            rule.with_user(self.user_manager).domain = "[('temperature', '=', 'hot')]"
        self.assertIn("pharmacy_segment", rule.domain)

    def test_allowed_rule_domains(self):
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)
        country = self.env.ref("base.ru")
        for domain in (
            f"[('partner_id.country_id', '=', {country.id})]",
            "[('team_id.alignment_role', '=', 'sales')]",
            f"[('partner_id', 'any', [('country_id', '=', {country.id})])]",
            "[('user_id', '!=', False)]",
            "[('activity_ids', '!=', False)]",
        ):
            with self.subTest(domain=domain):
                Rule.create({"name": "Fine rule", "domain": domain})

    def test_engagement_rules_keep_their_domain_unchecked(self):
        """Only fit rules filter leads."""
        self.env["pharmacy.scoring.rule"].with_user(self.user_manager).create(
            {
                "name": "Signal",
                "category": "engagement",
                "trigger": "custom",
                "code": "webinar",
                "domain": "[('temperature', '=', 'hot')]",
            }
        )

    def test_nurture_track_domains(self):
        Track = self.env["pharmacy.nurture.track"].with_user(self.user_manager)
        step = {"name": "Call", "wait_days": 0, "action": "activity"}
        step["activity_type_id"] = self.env.ref("mail.mail_activity_data_call").id
        for domain, path in (
            ("[('temperature', '=', 'hot')]", "temperature"),
            ("[('user_id.login', '=', 'admin')]", "user_id.login"),
        ):
            with self.subTest(domain=domain):
                with self.assertRaises(ValidationError) as caught:
                    Track.create(
                        {
                            "name": "Hot leads",
                            "domain": domain,
                            "step_ids": [(0, 0, step)],
                        }
                    )
                self.assertIn(path, str(caught.exception))
        # a track may enrol by score: it does not compute it
        Track.create(
            {
                "name": "Warm leads",
                "domain": "[('lead_score', '>=', 20)]",
                "step_ids": [(0, 0, step)],
            }
        )

    def test_shipped_filters_pass(self):
        rules = (
            self.env["pharmacy.scoring.rule"]
            .with_context(active_test=False)
            .search([("category", "=", "fit")])
        )
        self.assertTrue(rules)
        rules._check_domain()
        tracks = (
            self.env["pharmacy.nurture.track"]
            .with_context(active_test=False)
            .search([])
        )
        self.assertTrue(tracks)
        tracks._check_domain()


@tagged("post_install", "-at_install", "pla_rpc_args")
class TestRpcArgsJsonRpc(PharmacyRpcArgsCommon, HttpCase):
    """The same refusals through /web/dataset/call_kw: the client gets the
    UserError (or ValidationError), not a server error."""

    PASSWORD = "pla-rpc-Passw0rd"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.user_desk, cls.user_sales, cls.user_manager):
            user.password = cls.PASSWORD

    def _call_kw(self, model, method, args, kwargs=None):
        """The decoded JSON-RPC answer (``result`` or ``error``)."""
        data = json.dumps(
            {
                "id": 0,
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            }
        )
        response = self.url_open(
            "/web/dataset/call_kw",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def _login(self, user):
        if getattr(self, "_rpc_user", None) != user:
            self.authenticate(user.login, self.PASSWORD)
            self._rpc_user = user

    def _assert_rpc_refused(self, user, model, method, args, argument, kwargs=None):
        self._login(user)
        answer = self._call_kw(model, method, args, kwargs)
        self.assertIn("error", answer, f"{method}{args} was accepted")
        data = answer["error"]["data"]
        self.assertIn(
            data["name"],
            ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError"),
            data["message"],
        )
        self.assertIn(f"“{argument}”", data["message"])
        return data

    def test_lead_methods_over_json_rpc(self):
        lead = self._mql_lead()
        handed = self._handed_off_lead()
        accepted = self._accepted_lead()
        team = self.sales_team.id
        before = self._snapshot(lead), self._snapshot(handed), self._snapshot(accepted)
        cases = [
            (self.user_desk, "handoff_to", [[lead.id], "abc"], "team_id"),
            (self.user_desk, "handoff_to", [[lead.id], str(team)], "team_id"),
            (self.user_desk, "handoff_to", [[lead.id], [team, team]], "team_id"),
            (self.user_desk, "handoff_to", [[lead.id], {"id": team}], "team_id"),
            (self.user_desk, "handoff_to", [[lead.id], -1], "team_id"),
            (self.user_desk, "handoff_to", [[lead.id], 2.5], "team_id"),
            (self.user_desk, "handoff_to", [[lead.id], team, "5"], "user_id"),
            (
                self.user_desk,
                "handoff_to",
                [[lead.id], team, False, "x" * 1001],
                "reason",
            ),
            (
                self.user_desk,
                "action_log_engagement",
                [[lead.id], ["price_list_request", "trial_order"]],
                "code",
            ),
            (
                self.user_desk,
                "action_log_engagement",
                [[lead.id], "price_list_request", "2026-02-30"],
                "date",
            ),
            (
                self.user_desk,
                "action_log_engagement",
                [[lead.id], "price_list_request", "garbage"],
                "date",
            ),
            (
                self.user_desk,
                "action_log_engagement",
                [[lead.id], "price_list_request", 12],
                "date",
            ),
            (
                self.user_desk,
                "action_log_engagement",
                [[lead.id], "price_list_request", ["2026-01-01"]],
                "date",
            ),
            (
                self.user_desk,
                "action_log_engagement",
                [[lead.id], "price_list_request", "9999-12-31"],
                "date",
            ),
            (
                self.user_sales,
                "action_review_reject",
                [[handed.id], {"id": 1}, 2],
                "reason_id",
            ),
            (
                self.user_sales,
                "action_review_reject",
                [[handed.id], self.reason_wrong_contact.id, "abc"],
                "rating",
            ),
            (
                self.user_sales,
                "action_review_accept",
                [[handed.id], [4]],
                "rating",
            ),
            (
                self.user_sales,
                "action_recycle",
                [[handed.id], "Not ready", ["2026-01-01"]],
                "recycle_date",
            ),
            (
                self.user_desk,
                "action_flag_mishandled",
                [[accepted.id], "1"],
                "reason_id",
            ),
        ]
        for user, method, args, argument in cases:
            with self.subTest(method=method, args=args):
                self._assert_rpc_refused(user, "crm.lead", method, args, argument)
        after = self._snapshot(lead), self._snapshot(handed), self._snapshot(accepted)
        self.assertEqual(after, before, "something was written")
        # the same calls with good arguments go through
        self._login(self.user_desk)
        self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "crm.lead",
                "method": "handoff_to",
                "args": [[lead.id], team],
                "kwargs": {},
            },
        )
        lead.invalidate_recordset()
        self.assertEqual(lead.lifecycle_state, "handed_off")

    def test_dashboard_and_rules_over_json_rpc(self):
        manager = self.user_manager
        Dashboard = "pharmacy.alignment.dashboard"
        self._assert_rpc_refused(
            manager, Dashboard, "get_dashboard_data", [[]], "period"
        )
        self._assert_rpc_refused(
            manager, Dashboard, "get_dashboard_data", ["month", "3"], "team_id"
        )
        self._assert_rpc_refused(
            manager,
            "pharmacy.scoring.rule",
            "search_read",
            [[], ["eff_lift"]],
            "pla_period_from",
            kwargs={"context": {"pla_period_from": "2026-02-30"}},
        )
        data = self._assert_rpc_refused(
            manager,
            "pharmacy.scoring.rule",
            "create",
            [{"name": "Hot leads", "domain": "[('temperature', '=', 'hot')]"}],
            "Hot leads",
        )
        self.assertEqual(data["name"], "odoo.exceptions.ValidationError")
        self.assertIn("temperature", data["message"])
