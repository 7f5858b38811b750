# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scoring rules that do what marketing expects: a preview before saving,
an explicit "every lead", removing a rule undoes adding it, engagement rules
score with their current points, signals on leads without a company, and
reasons that add up to the score."""

import json
import re
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from ..models import crm_lead_scoring
from .common import JsonRpcMixin
from .test_scoring import PharmacyScoringCommon

READY = "pharmacy_lead_alignment.mail_activity_type_ready_handoff"
OPEN = ("inquiry", "nurturing", "mql", "handed_off", "accepted", "opportunity")


class PharmacyRulesFlowCommon(PharmacyScoringCommon):
    def _open_leads(self):
        self.env.invalidate_all()
        return self.env["crm.lead"].search([("lifecycle_state", "in", OPEN)])

    def _snapshot(self):
        """Score, grade and state of every open lead."""
        return {
            lead.id: (
                lead.fit_score,
                lead.engagement_score,
                lead.lead_score,
                lead.lead_grade,
                lead.lifecycle_state,
            )
            for lead in self._open_leads()
        }

    def _effect(self, before, after, rule):
        """What a saved rule change did, counted as the preview counts it."""
        effect = {"matched": 0, "grade": 0, "up": 0, "down": 0}
        for lead in self._open_leads():
            if rule.active and rule in lead.score_rule_ids:
                effect["matched"] += 1
            old, new = before[lead.id], after[lead.id]
            if old[3] and old[3] != new[3]:
                effect["grade"] += 1
            if old[4] in ("inquiry", "nurturing") and new[4] == "mql":
                effect["up"] += 1
            if old[4] == "mql" and new[4] in ("inquiry", "nurturing"):
                effect["down"] += 1
        return effect

    @staticmethod
    def _preview(form):
        return {
            "matched": form.preview_matched,
            "grade": form.preview_grade,
            "up": form.preview_up,
            "down": form.preview_down,
        }


@tagged("post_install", "-at_install", "pla_scoring", "pla_rules_flow")
class TestRulePreview(PharmacyRulesFlowCommon):
    def _leads(self):
        desk = self.env["crm.lead"].with_user(self.user_desk)
        mail = {"email_from": "clinic@example.com"}
        leads = desk.create(
            [
                {"name": "Clinic", "pharmacy_segment": "clinic", **mail},  # 40 B
                {"name": "Doctor", "pharmacy_segment": "doctor", **mail},  # 0 D
                {
                    "name": "Chief",
                    "pharmacy_segment": "clinic",
                    "function": "chief",
                    **mail,
                },
                {"name": "Patient", "pharmacy_segment": "patient", **mail},
                {"name": "No e-mail", "pharmacy_segment": "clinic"},
            ]
        )
        for _i in range(2):  # 40 of engagement, but grade D: not qualified
            leads[3].action_log_engagement("price_list_request")
        self._mql_lead(name="By hand", pharmacy_segment="clinic")  # 40 B, by hand
        self._handed_off_lead(name="Handed", pharmacy_segment="clinic")
        self.env["crm.lead"].with_user(self.user_desk_other).with_company(
            self.other_company
        ).create({"name": "Elsewhere", "email_from": "x@other.example.com"})
        return leads

    @freeze_time("2026-11-02 10:00:00")
    def test_preview_is_what_saving_does(self):
        leads = self._leads()
        self.assertEqual(leads[3].lead_score, 40)
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)
        form = Form(Rule)
        form.name = "E-mail address given"
        form.domain = "[('email_from', '!=', False)]"
        form.points = 15
        preview = self._preview(form)
        before = self._snapshot()
        rule = form.save()
        after = self._snapshot()
        self.assertEqual(preview, self._effect(before, after, rule))
        # the clinic (55) and the engaged patient (grade C now: 55) qualify; the
        # doctor and the patient change grade with them (D → C)
        self.assertEqual((preview["up"], preview["down"]), (2, 0))
        self.assertGreaterEqual(preview["grade"], 2)
        self.assertEqual(leads[0].lifecycle_state, "mql")
        self.assertEqual(leads[3].lifecycle_state, "mql")
        self.assertNotEqual(leads[4].lifecycle_state, "mql")

        # an edit: fewer points for a narrower filter, preview against the
        # rule as saved
        form = Form(rule.with_user(self.user_manager))
        form.domain = "[('email_from', '=ilike', '%@example.com')]"
        form.points = 5
        preview = self._preview(form)
        self.assertEqual(preview["down"], 2, "55 → 45: back below the threshold")
        before = self._snapshot()
        form.save()
        after = self._snapshot()
        self.assertEqual(preview, self._effect(before, after, rule))
        self.assertEqual(leads[0].lifecycle_state, "inquiry")

        # saved as it is, a rule changes nothing
        form = Form(rule.with_user(self.user_manager))
        self.assertEqual(
            self._preview(form),
            {"matched": preview["matched"], "grade": 0, "up": 0, "down": 0},
        )

    @freeze_time("2026-11-02 10:00:00")
    def test_preview_counts_in_a_few_grouped_queries(self):
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)
        desk = self.env["crm.lead"].with_user(self.user_desk)

        def preview():
            draft = Rule.new(
                {
                    "name": "E-mail",
                    "domain": "[('email_from', '!=', False)]",
                    "points": 15,
                }
            )
            return draft.preview_matched

        preview()  # warm Odoo's caches (groups, rules, settings)
        counts = []
        for size in (5, 60):
            desk.create(
                [
                    {
                        "name": f"Lead {i}",
                        "pharmacy_segment": ["clinic", "doctor"][i % 2],
                    }
                    for i in range(size)
                ]
            )
            counts.append(self._count(preview))
        self.assertEqual(counts[0], counts[1], "no query per lead")
        self.assertLessEqual(counts[1], 6)

    def test_only_managers_see_the_preview(self):
        rule = self.rule_clinic.with_user(self.user_desk)
        self.assertNotIn("preview_matched", rule.fields_get())
        self.assertIn("preview_matched", rule.with_user(self.user_manager).fields_get())


@tagged("post_install", "-at_install", "pla_scoring", "pla_rules_flow")
class TestEveryLead(PharmacyRulesFlowCommon):
    def test_an_empty_filter_must_be_confirmed(self):
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)
        count = Rule.search_count([])
        for domain in ("[]", "", "[(1, '=', 1)]"):
            with self.subTest(domain=domain):
                with self.assertRaisesRegex(ValidationError, "Applies to Every Lead"):
                    Rule.create({"name": "Everyone", "domain": domain, "points": 5})
        with self.assertRaisesRegex(ValidationError, "Applies to Every Lead"):
            Rule.create({"name": "Everyone", "points": 5})  # the default filter
        self.assertEqual(Rule.search_count([]), count, "nothing half-written")
        rule = Rule.create({"name": "Everyone", "points": 5, "applies_to_all": True})
        self.assertTrue(rule.applies_to_all)
        # engagement rules have no filter to confirm
        Rule.create(
            {
                "name": "Coupon",
                "category": "engagement",
                "trigger": "custom",
                "code": "coupon_used",
            }
        )

    def test_a_new_filter_asks_again(self):
        rule = self.rule_clinic.with_user(self.user_manager)
        with self.assertRaisesRegex(ValidationError, "Clinic.*no filter"):
            rule.write({"domain": "[]"})
        self.assertIn("pharmacy_segment", rule.domain)
        rule.write({"domain": "[]", "applies_to_all": True})
        self.assertTrue(rule.applies_to_all)
        rule.write({"domain": "[('pharmacy_segment', '=', 'doctor')]"})
        self.assertFalse(rule.applies_to_all, "the confirmation was for no filter")
        with self.assertRaises(ValidationError):
            rule.write({"domain": "[]"})
        # unarchiving a rule without filter needs it too
        rule.write({"active": False})
        self.env.cr.execute(
            "UPDATE pharmacy_scoring_rule SET domain = '[]' WHERE id = %s", [rule.id]
        )
        rule.invalidate_recordset()
        with self.assertRaisesRegex(ValidationError, "no filter"):
            rule.write({"active": True})


@tagged("post_install", "-at_install", "pla_scoring", "pla_rules_flow")
class TestRemovingUndoesAdding(PharmacyRulesFlowCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.track_doctors = cls._call_track(
            "Doctors", wait_days=0, domain="[('pharmacy_segment', '=', 'doctor')]"
        )

    def _flow(self):
        leads = {
            "inquiry": self._desk_lead(name="Inquiry", pharmacy_segment="clinic"),
            "nurtured": self._desk_lead(name="Nurtured", pharmacy_segment="doctor"),
            "patient": self._desk_lead(name="Patient", pharmacy_segment="patient"),
            "by_hand": self._mql_lead(
                name="By hand", pharmacy_segment="clinic", email_from="a@gmail.com"
            ),
            "scored": self._desk_lead(
                name="Scored", pharmacy_segment="clinic", function="chief"
            ),
            "handed": self._handed_off_lead(name="Handed", pharmacy_segment="clinic"),
            "recycled": self._handed_off_lead(
                name="Recycled", pharmacy_segment="clinic", function="chief"
            ),
        }
        leads["nurtured"].action_log_engagement("price_list_request")
        leads["recycled"].with_user(self.user_sales).action_recycle("Not ready")
        self.assertEqual(
            {name: lead.lifecycle_state for name, lead in leads.items()},
            {
                "inquiry": "inquiry",
                "nurtured": "nurturing",
                "patient": "inquiry",
                "by_hand": "mql",
                "scored": "mql",
                "handed": "handed_off",
                "recycled": "nurturing",
            },
        )
        self.assertEqual(leads["by_hand"].lead_score, 30)
        self.assertTrue(leads["by_hand"].mql_by_hand)
        self.assertFalse(leads["scored"].mql_by_hand)
        return leads

    def _add_and_remove(self, remove):
        leads = self._flow()
        before = self._snapshot()
        rule = (
            self.env["pharmacy.scoring.rule"]
            .with_user(self.user_manager)
            .create({"name": "Pharmacy week", "points": 30, "applies_to_all": True})
        )
        self.assertEqual(leads["inquiry"].lifecycle_state, "mql")
        self.assertEqual(leads["nurtured"].lifecycle_state, "mql")
        self.assertEqual(leads["nurtured"].nurture_state, "graduated")
        self.assertEqual(leads["patient"].lead_grade, "c")
        self.assertEqual(leads["by_hand"].lead_score, 60)
        self.assertEqual(
            leads["recycled"].lifecycle_state, "nurturing", "95, but recycled"
        )
        qualified = leads["inquiry"] | leads["nurtured"]
        self.assertEqual(len(self._open_activities(qualified, READY)), 2)

        remove(rule.with_user(self.user_manager))

        self.assertEqual(self._snapshot(), before)
        self.assertTrue(leads["by_hand"].mql_by_hand)
        self.assertFalse(self._open_activities(qualified, READY))
        nurtured = leads["nurtured"]
        self.assertEqual(nurtured.nurture_state, "running", "its nurture goes on")
        self.assertEqual(nurtured.nurture_track_id, self.track_doctors)
        self.assertEqual(nurtured.nurture_step_id.name, "Intro call")
        events = self._events(leads["inquiry"])
        self.assertEqual(events[-2:], [("inquiry", "mql"), ("mql", "inquiry")])

    @freeze_time("2026-11-02 10:00:00")
    def test_deleting_a_rule(self):
        self._add_and_remove(lambda rule: rule.unlink())

    @freeze_time("2026-11-02 10:00:00")
    def test_archiving_a_rule(self):
        self._add_and_remove(lambda rule: rule.action_archive())

    @freeze_time("2026-11-02 10:00:00")
    def test_hand_qualified_leads_stay_qualified(self):
        lead = self._mql_lead(pharmacy_segment="clinic", function="chief")  # 65
        self.assertFalse(lead.mql_by_hand, "qualified by its score on arrival")
        lead = self._desk_lead(pharmacy_segment="clinic", email_from="c@gmail.com")
        lead.action_log_engagement("price_list_request")  # 30 + 20
        self.assertEqual((lead.lifecycle_state, lead.mql_by_hand), ("mql", False))
        lead.write({"lifecycle_state": "nurturing"})  # the desk disagrees
        lead.with_user(self.user_desk).action_qualify()  # …then agrees
        self.assertTrue(lead.mql_by_hand)
        self.rule_gmail.with_user(self.user_manager).points = -40  # 0 + 20
        self.assertEqual(lead.lifecycle_state, "mql")
        with self.assertRaisesRegex(UserError, "Qualified by Hand"):
            lead.with_user(self.user_desk).write({"mql_by_hand": False})


@tagged("post_install", "-at_install", "pla_scoring", "pla_rules_flow")
class TestEngagementRulePoints(PharmacyRulesFlowCommon):
    @freeze_time("2026-11-02 10:00:00")
    def test_engagement_rules_score_with_their_current_points(self):
        lead = self._desk_lead(pharmacy_segment="clinic")  # 40
        lead.action_log_engagement("price_list_request")  # + 20
        self.assertEqual((lead.lead_score, lead.lifecycle_state), (60, "mql"))
        rule = self.rule_price_list.with_user(self.user_manager)
        rule.points = 5
        self.assertEqual((lead.engagement_score, lead.lead_score), (5, 45))
        self.assertEqual(lead.lifecycle_state, "inquiry", "fell below, as for fit")
        event = lead.engagement_ids
        self.assertEqual(event.points, 20, "the event keeps what it was given")
        event.invalidate_recordset(["points_today"])
        self.assertEqual(event.points_today, 5)
        rule.action_archive()
        self.assertEqual(lead.engagement_score, 0)
        rule.action_unarchive()
        self.assertEqual(lead.engagement_score, 5)
        # a fit rule's change works the same way
        self.rule_clinic.with_user(self.user_manager).points = 45
        self.assertEqual((lead.fit_score, lead.lead_score), (45, 50))

    @freeze_time("2026-11-02 10:00:00")
    def test_many_leads_go_through_the_scoring_action(self):
        lead = self._desk_lead()
        lead.action_log_engagement("price_list_request")
        cron = self.env.ref("pharmacy_lead_alignment.ir_cron_rescore_leads")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        with patch.object(crm_lead_scoring, "SYNC_RESCORE_LIMIT", 0):
            self.rule_price_list.with_user(self.user_manager).points = 8
        self.assertEqual(lead.engagement_score, 20, "not in the manager's request")
        self.assertEqual(
            Trigger.search_count([("cron_id", "=", cron.id)]), triggers + 1
        )
        self.env["crm.lead"]._cron_rescore_leads()
        self.assertEqual(lead.engagement_score, 8)

    def test_the_form_says_it(self):
        arch = self.env["pharmacy.scoring.rule"].get_view(view_type="form")["arch"]
        self.assertIn("current", arch)
        self.assertIn("earned the signal", arch)


@tagged("post_install", "-at_install", "pla_scoring", "pla_rules_flow")
class TestTopReasons(PharmacyRulesFlowCommon):
    def _parts(self, summary):
        """The figures of a summary: each reason's and what the others add."""
        return [int(value) for value in re.findall(r"[+-]\d+", summary)]

    @freeze_time("2026-11-02 10:00:00")
    def test_top_three_and_the_rest_add_up(self):
        Rule = self.env["pharmacy.scoring.rule"]
        Rule.create(
            [
                {"name": "Phone", "domain": "[('phone', '!=', False)]", "points": 5},
                {"name": "Mobile", "domain": "[('mobile', '!=', False)]", "points": 3},
            ]
        )
        lead = self._desk_lead(
            pharmacy_segment="clinic",
            function="chief",
            email_from="x@gmail.com",
            phone="+7 1",
            mobile="+7 2",
        )
        lead.action_log_engagement("price_list_request", date="2026-10-03")
        self.assertEqual(lead.fit_score, 63)
        self.assertEqual(lead.engagement_score, 10)
        self.assertEqual(
            lead.score_summary,
            "Clinic +40 · Chief physician +25 · Free e-mail -10 · "
            "+18 from 3 other rules",
        )
        self.assertEqual(sum(self._parts(lead.score_summary)), lead.lead_score)
        data = json.loads(lead.score_reason_data)
        self.assertEqual((data["others"], data["rest"]), (3, 18))

    @freeze_time("2026-11-02 10:00:00")
    def test_shares_of_faded_signals_add_up(self):
        Rule = self.env["pharmacy.scoring.rule"]
        for code in ("brochure", "webinar"):
            Rule.create(
                {
                    "name": code.title(),
                    "category": "engagement",
                    "trigger": "custom",
                    "code": code,
                    "points": 3,
                    "company_id": False,
                }
            )
        lead = self._desk_lead(pharmacy_segment="patient")
        lead.action_log_engagement("brochure", date="2026-10-03")  # 1.5
        lead.action_log_engagement("webinar", date="2026-10-03")  # 1.5
        self.assertEqual(lead.engagement_score, 3)  # rounded once, on the sum
        self.assertEqual(sum(self._parts(lead.score_summary)), 3)
        self.assertNotIn("other", lead.score_summary)

    @freeze_time("2026-11-02 10:00:00")
    def test_one_other_rule(self):
        Rule = self.env["pharmacy.scoring.rule"]
        Rule.create(
            {"name": "Phone", "domain": "[('phone', '!=', False)]", "points": 5}
        )
        lead = self._desk_lead(
            pharmacy_segment="clinic",
            function="chief",
            email_from="x@gmail.com",
            phone="+7 1",
        )
        self.assertTrue(lead.score_summary.endswith("+5 from 1 other rule"))
        self.assertEqual(sum(self._parts(lead.score_summary)), lead.lead_score)


@tagged("post_install", "-at_install", "pla_scoring", "pla_rules_flow", "pla_security")
class TestRulesOverRpc(JsonRpcMixin, PharmacyRulesFlowCommon, HttpCase):
    """Over Odoo's real JSON-RPC, as the lowest-rights user allowed."""

    def test_signal_on_a_lead_without_company(self):
        """A website form's lead has no company: the signal resolves the
        rules of the desk user's company."""
        self.env["pharmacy.scoring.rule"].create(
            {
                "name": "Coupon used",
                "category": "engagement",
                "trigger": "custom",
                "code": "coupon_used",
                "points": 15,
                "company_id": self.company.id,
            }
        )
        self.desk_team.company_id = False  # a desk shared by the pharmacies
        lead = (
            self.env["crm.lead"]
            .sudo()
            .create(
                {
                    "name": "Website form",
                    "team_id": self.desk_team.id,
                    "user_id": False,
                    "pharmacy_segment": "clinic",
                }
            )
        )
        self.assertFalse(lead.company_id)
        self.assertEqual(lead.lifecycle_state, "inquiry")
        login = self.user_desk.login
        self.authenticate(login, login)
        event_ids = self._call(
            "crm.lead", "action_log_engagement", [lead.id], "coupon_used"
        )
        self.env.invalidate_all()
        event = self.env["pharmacy.lead.engagement"].browse(event_ids)
        self.assertEqual(event.rule_id.code, "coupon_used")
        self.assertEqual(event.company_id, self.company)
        self.assertEqual((lead.engagement_score, lead.lead_score), (15, 55))
        self.assertEqual(lead.lifecycle_state, "mql")
        # a code no rule of that company has is still refused, naming the
        # known ones
        answer = self._raw_call(
            "crm.lead", "action_log_engagement", [lead.id], "no_such_code"
        )
        message = answer["error"]["data"]["message"]
        self.assertIn("Unknown engagement signal", message)
        self.assertIn("coupon_used", message)

    def test_every_lead_needs_the_confirmation_over_rpc(self):
        login = self.user_manager.login
        self.authenticate(login, login)
        count = self.env["pharmacy.scoring.rule"].search_count([])
        answer = self._raw_call(
            "pharmacy.scoring.rule",
            "create",
            [{"name": "Everyone", "points": 10, "domain": "[]"}],
        )
        self.assertIn("Applies to Every Lead", answer["error"]["data"]["message"])
        self.assertEqual(self.env["pharmacy.scoring.rule"].search_count([]), count)
        rule_id = self._call(
            "pharmacy.scoring.rule",
            "create",
            [{"name": "Everyone", "points": 10, "applies_to_all": True}],
        )
        self.assertTrue(rule_id)
        answer = self._raw_call(
            "crm.lead", "write", [self._desk_lead().id], {"recycled_at": False}
        )
        self.assertIn("cannot be set by hand", answer["error"]["data"]["message"])
