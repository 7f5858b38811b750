# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing: the hand-off suggests the team (and salesperson), one click
hands off, every hand-off says what it did."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import PharmacyLeadCommon

CLINICS = "[('pharmacy_segment', 'in', ['clinic', 'doctor'])]"
CORPORATE = "[('pharmacy_segment', 'in', ['corporate', 'franchise'])]"
#: A Monday morning, in UTC: an 8-hour response clock ends at 16:00.
MONDAY_8AM = "2026-12-07 08:00:00"


class PharmacyRoutingCommon(PharmacyLeadCommon):
    archive_defaults = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_team.write({"sequence": 10, "assignment_domain": CLINICS})
        cls.sales_team_2.write({"sequence": 20, "assignment_domain": CORPORATE})
        # a segment gives grade C: the desk may qualify its leads by hand
        cls._fit_rule("Segment known", "[('pharmacy_segment', '!=', False)]", 20)
        # deadlines read as 16:00 (en_GB writes 24-hour times), in UTC
        cls.env["res.lang"]._activate_lang("en_GB")
        cls.user_desk.write({"tz": "UTC", "lang": "en_GB"})
        cls.desk_env = cls.env(
            user=cls.user_desk, context=dict(cls.env.context, lang="en_GB")
        )
        around_the_clock = cls._calendar("Around the clock", 0, 24, days=7)
        cls.policy = cls._sla_policy(
            "Answer within 8 hours",
            "sales_response",
            cls.sales_team | cls.sales_team_2,
            hours=8,
            calendar_id=around_the_clock.id,
        )

    def _lead(self, segment, qualify=True, **vals):
        lead = self._desk_lead(
            name=f"{segment.title()} lead", pharmacy_segment=segment, **vals
        )
        if qualify:
            lead.action_qualify()
        return lead

    def _suggestion(self, lead, user=None):
        lead = lead.with_user(user or self.user_desk)
        lead.invalidate_recordset(["suggested_team_id", "suggested_user_id"])
        return lead.suggested_team_id, lead.suggested_user_id

    def _enable_assignment(self):
        self.env["ir.config_parameter"].set_param("crm.lead.auto.assignment", True)


@tagged("post_install", "-at_install", "pla_routing")
class TestRoutingSuggestion(PharmacyRoutingCommon):
    def test_team_by_segment(self):
        clinic, corporate, patient = (
            self._lead("clinic"),
            self._lead("corporate"),
            self._lead("patient"),
        )
        self.assertEqual(self._suggestion(clinic)[0], self.sales_team)
        self.assertEqual(self._suggestion(corporate)[0], self.sales_team_2)
        self.assertFalse(self._suggestion(patient)[0], "no rule matches a patient")
        # Odoo's assignment is off: a team, never a salesperson
        self.assertFalse(self._suggestion(clinic)[1])

    def test_only_the_desks_qualified_leads(self):
        inquiry = self._lead("clinic", qualify=False)
        self.assertEqual(inquiry.lifecycle_state, "inquiry")
        self.assertFalse(self._suggestion(inquiry)[0])
        handed = self._lead("clinic")
        handed.handoff_to(self.sales_team.id)
        self.assertFalse(self._suggestion(handed)[0])

    def test_first_team_in_routing_order_wins(self):
        lead = self._lead("clinic")
        self.sales_team_2.assignment_domain = "[('pharmacy_segment', '=', 'clinic')]"
        self.assertEqual(self._suggestion(lead)[0], self.sales_team)
        self.sales_team_2.sequence = 5
        self.assertEqual(self._suggestion(lead)[0], self.sales_team_2)

    def test_a_team_without_rule_is_never_suggested(self):
        self.sales_team.write({"sequence": 1, "assignment_domain": False})
        self.sales_team_2.write({"assignment_domain": "[]"})
        lead = self._lead("clinic")
        self.assertFalse(self._suggestion(lead)[0])
        # a team without the sales role is never suggested either
        self.plain_team.write({"sequence": 1, "assignment_domain": CLINICS})
        self.assertFalse(self._suggestion(lead)[0])

    def test_rules_by_territory_and_tags(self):
        tag = self.env["crm.tag"].create({"name": "Tender"})
        self.sales_team_2.write(
            {"sequence": 1, "assignment_domain": f"[('tag_ids', 'in', [{tag.id}])]"}
        )
        kazan = self.env.ref("base.ru")
        self.sales_team.assignment_domain = f"[('country_id', '=', {kazan.id})]"
        tagged_lead = self._lead("clinic", tag_ids=[(6, 0, tag.ids)])
        russian = self._lead("patient", country_id=kazan.id)
        other = self._lead("clinic")
        self.assertEqual(self._suggestion(tagged_lead)[0], self.sales_team_2)
        self.assertEqual(self._suggestion(russian)[0], self.sales_team)
        self.assertFalse(self._suggestion(other)[0])

    def test_teams_of_the_leads_company_or_shared(self):
        other_sales = self.env["crm.team"].create(
            {
                "name": "Other Sales",
                "alignment_role": "sales",
                "company_id": self.other_company.id,
                "assignment_domain": CLINICS,
            }
        )
        other_lead = (
            self.env["crm.lead"]
            .with_user(self.user_desk_other)
            .create({"name": "Other clinic", "pharmacy_segment": "clinic"})
        )
        other_lead.action_qualify()
        self.assertEqual(other_lead.company_id, self.other_company)
        self.assertEqual(
            self._suggestion(other_lead, self.user_desk_other)[0], other_sales
        )
        lead = self._lead("clinic")
        self.assertEqual(self._suggestion(lead)[0], self.sales_team)
        # a shared team earlier in the order takes the leads of both companies
        shared = self.env["crm.team"].create(
            {
                "name": "Shared Sales",
                "alignment_role": "sales",
                "company_id": False,
                "sequence": 1,
                "assignment_domain": CLINICS,
            }
        )
        both = (lead | other_lead).with_user(self.user_manager)
        both = both.with_context(
            allowed_company_ids=(self.company | self.other_company).ids
        )
        self.assertEqual(both.mapped("suggested_team_id"), shared)
        # one batch of both companies: each lead its own company's team
        shared.assignment_domain = "[('pharmacy_segment', '=', 'doctor')]"
        both.invalidate_recordset(["suggested_team_id"])
        self.assertEqual(lead.with_env(both.env).suggested_team_id, self.sales_team)
        self.assertEqual(other_lead.with_env(both.env).suggested_team_id, other_sales)

    def test_salesperson_when_the_team_uses_odoos_assignment(self):
        self._enable_assignment()
        rep, rep_all = self.sales_team.crm_team_member_ids.sorted(
            lambda member: member.user_id != self.user_sales
        )
        self.assertEqual(rep.user_id, self.user_sales)
        rep.assignment_max = 30
        rep_all.assignment_max = 30
        # rep has two leads of the last 30 days, rep_all one from 40 days ago
        now = fields.Datetime.now()
        for _index in range(2):
            self._lead("clinic").handoff_to(self.sales_team.id, self.user_sales.id)
        old = self._lead("clinic")
        old.handoff_to(self.sales_team.id, self.user_sales_all.id)
        old.sudo().date_open = now - timedelta(days=40)
        lead = self._lead("clinic")
        self.assertEqual(self._suggestion(lead), (self.sales_team, self.user_sales_all))
        # a member's own rule: rep_all takes only doctors
        rep_all.assignment_domain = "[('pharmacy_segment', '=', 'doctor')]"
        self.assertEqual(self._suggestion(lead)[1], self.user_sales)
        self.assertEqual(self._suggestion(self._lead("doctor"))[1], self.user_sales_all)
        # capacity: rep is full (2 of 2), rep_all does not match: nobody
        rep.assignment_max = 2
        self.assertEqual(
            self._suggestion(lead), (self.sales_team, self.env["res.users"])
        )
        # opted out of the assignment: left out
        rep.assignment_max = 30
        rep.assignment_optout = True
        self.assertFalse(self._suggestion(lead)[1])
        # the team skips the assignment: a team, no salesperson
        rep.assignment_optout = False
        self.sales_team.assignment_optout = True
        self.assertFalse(self._suggestion(lead)[1])
        self.sales_team.assignment_optout = False
        self.env["ir.config_parameter"].set_param("crm.lead.auto.assignment", False)
        self.assertFalse(self._suggestion(lead)[1])

    def test_a_kanban_of_80_leads_costs_the_same_queries_as_8(self):
        self._enable_assignment()
        self.sales_team.crm_team_member_ids.assignment_max = 30
        self.sales_team.crm_team_member_ids[
            :1
        ].assignment_domain = "[('pharmacy_segment', '=', 'doctor')]"
        segments = ["clinic", "doctor", "corporate", "franchise", "patient"]
        Lead = self.env["crm.lead"].with_user(self.user_desk)
        leads = Lead.create(
            [
                {"name": f"Lead {index}", "pharmacy_segment": segments[index % 5]}
                for index in range(80)
            ]
        )
        leads.action_qualify()
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"mql"})

        def suggest(batch):
            return lambda: batch.mapped("suggested_team_id")

        self._count(suggest(leads))  # warm Odoo's caches (rules, settings)
        small = self._count(suggest(leads[:8].with_prefetch()))
        large = self._count(suggest(leads))
        self.assertEqual(small, large, "the queries do not grow with the leads")
        # the leads; the teams with a rule and each one's leads (2); Odoo's
        # assignment setting (its cron); the members and their month's load
        self.env.invalidate_all()
        with self.assertQueryCount(11):
            teams = leads.mapped("suggested_team_id")
        self.assertEqual(teams, self.sales_team | self.sales_team_2)
        self.assertEqual(
            len(leads.filtered(lambda lead: lead.suggested_user_id)), 32
        )  # clinics and doctors: 16 each


@tagged("post_install", "-at_install", "pla_routing")
class TestRoutingRules(PharmacyRoutingCommon):
    def test_refused_routing_rules(self):
        Team = self.sales_team.with_user(self.user_manager)
        rule = self.sales_team.assignment_domain
        for domain, message in (
            ("[('lead_score', '>', 50)]", "cannot filter on lead_score"),
            ("[('lifecycle_state', '=', 'mql')]", "cannot filter on lifecycle_state"),
            ("[('score_date', '!=', False)]", "cannot filter on score_date"),
            ("[('temperature', '=', 'hot')]", "temperature, which is computed"),
            ("[('user_id.login', '=', 'admin')]", "user_id.login, which not every"),
            ("[('no_such_field', '=', 1)]", "not a valid filter"),
            ("[('pharmacy_segment', '=',", "not a valid filter"),
        ):
            with self.subTest(domain=domain):
                with self.assertRaisesRegex(ValidationError, message) as caught:
                    Team.assignment_domain = domain
                self.assertIn("B2B Clinics", str(caught.exception))
        self.assertEqual(self.sales_team.assignment_domain, rule)

    def test_member_rules_are_checked_too(self):
        member = self.sales_team.crm_team_member_ids[:1].with_user(self.user_manager)
        with self.assertRaisesRegex(ValidationError, "cannot filter on lead_score"):
            member.assignment_domain = "[('lead_score', '>', 50)]"
        member.assignment_domain = "[('pharmacy_segment', '=', 'doctor')]"

    def test_a_team_getting_the_sales_role_gets_its_rule_checked(self):
        # a team without a role keeps Odoo's own check only
        self.plain_team.assignment_domain = "[('lead_score', '>', 50)]"
        with self.assertRaisesRegex(ValidationError, "cannot filter on lead_score"):
            self.plain_team.alignment_role = "sales"
        self.plain_team.crm_team_member_ids.assignment_domain = (
            "[('temperature', '=', 'hot')]"
        )
        self.plain_team.assignment_domain = False
        with self.assertRaisesRegex(ValidationError, "temperature"):
            self.plain_team.alignment_role = "sales"

    def test_the_desk_sets_the_routing_of_sales_teams_only(self):
        team = self.sales_team.with_user(self.user_desk)
        team.write({"assignment_domain": CORPORATE, "sequence": 30})
        self.assertEqual(self.sales_team.assignment_domain, CORPORATE)
        with self.assertRaisesRegex(AccessError, "Sales Team|Team Leader"):
            team.write({"name": "Renamed", "assignment_domain": CLINICS})
        with self.assertRaisesRegex(AccessError, "not a team with the role"):
            self.plain_team.with_user(self.user_desk).assignment_domain = CLINICS
        with self.assertRaisesRegex(AccessError, "not a team with the role"):
            self.desk_team.with_user(self.user_desk).sequence = 1
        with self.assertRaises(AccessError):
            self.env["crm.team"].with_user(self.user_desk).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            team.unlink()
        self.assertEqual(self.sales_team.name, "B2B Clinics")
        # the desk's rules are checked like everybody's
        with self.assertRaisesRegex(ValidationError, "lead_score"):
            team.assignment_domain = "[('lead_score', '>', 1)]"
        # sales managers keep every right on their teams; sales none
        self.sales_team.with_user(self.user_sales_manager).name = "B2B"
        with self.assertRaises(AccessError):
            self.sales_team.with_user(self.user_sales).assignment_domain = CLINICS


@tagged("post_install", "-at_install", "pla_routing")
class TestOneClickHandoff(PharmacyRoutingCommon):
    def test_one_click_from_the_card(self):
        lead = self._lead("clinic")
        with freeze_time(MONDAY_8AM):
            action = lead.with_env(self.desk_env).action_handoff_suggested()
        self.assertEqual(lead.lifecycle_state, "handed_off")
        self.assertEqual(lead.team_id, self.sales_team)
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["message"],
            "Handed off to B2B Clinics — they have until 16:00",
        )
        self.assertEqual(action["params"]["next"]["tag"], "soft_reload")
        event = lead.sudo().lifecycle_event_ids.sorted("id")[-1]
        self.assertEqual(event.user_id, self.user_desk)

    def test_with_the_suggested_salesperson(self):
        self._enable_assignment()
        self.sales_team.crm_team_member_ids.assignment_max = 30
        self.sales_team.crm_team_member_ids.filtered(
            lambda member: member.user_id != self.user_sales
        ).assignment_optout = True
        lead = self._lead("doctor")
        lead.with_env(self.desk_env).action_handoff_suggested()
        self.assertEqual(
            (lead.team_id, lead.user_id), (self.sales_team, self.user_sales)
        )

    def test_a_selection_each_to_its_own_team(self):
        leads = self._lead("clinic") | self._lead("doctor") | self._lead("corporate")
        with freeze_time(MONDAY_8AM):
            action = leads.with_env(self.desk_env).action_handoff_suggested()
        self.assertEqual(leads.mapped("team_id"), self.sales_team | self.sales_team_2)
        self.assertEqual(leads[2].team_id, self.sales_team_2)
        self.assertEqual(
            action["params"]["message"],
            "3 leads handed off to B2B Clinics, Corporate — they have until 16:00",
        )

    def test_leads_without_suggestion_are_refused_by_name(self):
        clinic = self._lead("clinic")
        patient = self._lead("patient")
        inquiry = self._lead("franchise", qualify=False)
        with self.assertRaisesRegex(UserError, "“Patient lead”, “Franchise lead”"):
            (clinic | patient | inquiry).with_user(
                self.user_desk
            ).action_handoff_suggested()
        self.assertEqual(clinic.lifecycle_state, "mql", "nothing handed off")

    def test_desk_only(self):
        lead = self._lead("clinic")
        self.env.flush_all()
        for user in (
            self.user_sales,
            self.user_sales_all,
            self.user_sales_manager,
            self.user_desk_other,  # the desk of the other pharmacy
        ):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    lead.with_user(user).action_handoff_suggested()
        self.assertEqual(lead.lifecycle_state, "mql")

    def test_without_a_response_clock(self):
        self.policy.active = False
        lead = self._lead("clinic")
        action = lead.with_env(self.desk_env).action_handoff_suggested()
        self.assertEqual(action["params"]["message"], "Handed off to B2B Clinics")

    def test_deadline_in_the_users_time_zone_and_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.user_desk.tz = "Europe/Moscow"
        lead, tomorrow = self._lead("clinic"), self._lead("doctor")
        with freeze_time("2026-12-07 05:00:00"):  # 8:00 in Moscow
            action = lead.with_env(self.desk_env).action_handoff_suggested()
        self.assertTrue(action["params"]["message"].endswith("until 16:00"))
        with freeze_time("2026-12-07 18:00:00"):  # 21:00: due tomorrow
            action = (
                tomorrow.with_user(self.user_desk)
                .with_context(lang="ru_RU")
                .action_handoff_suggested()
            )
        message = action["params"]["message"]
        self.assertIn("08.12.2026", message)  # the date, Russian style
        self.assertIn("05:00", message)  # 02:00 UTC


@tagged("post_install", "-at_install", "pla_routing")
class TestHandoffWizard(PharmacyRoutingCommon):
    def _wizard(self, leads):
        action = leads.with_env(self.desk_env).action_open_handoff()
        return Form(
            self.desk_env[action["res_model"]].with_context(**action["context"])
        )

    def test_prefilled_with_the_suggestion(self):
        self._enable_assignment()
        self.sales_team.crm_team_member_ids.assignment_max = 30
        leads = self._lead("clinic") | self._lead("doctor")
        wizard = self._wizard(leads)
        self.assertEqual(wizard.team_id, self.sales_team)
        self.assertIn(wizard.user_id, self.sales_team.member_ids)
        self.assertFalse(wizard.suggestion_note)
        with freeze_time(MONDAY_8AM):
            action = wizard.save().action_confirm()
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"handed_off"})
        self.assertEqual(
            action["params"]["message"],
            "2 leads handed off to B2B Clinics — they have until 16:00",
        )
        self.assertEqual(
            action["params"]["next"]["type"], "ir.actions.act_window_close"
        )

    def test_different_suggestions_are_said(self):
        clinic, corporate = self._lead("clinic"), self._lead("corporate")
        wizard = self._wizard(clinic | corporate)
        self.assertFalse(wizard.team_id, "the desk chooses, or each its own")
        self.assertIn("B2B Clinics: Clinic lead", wizard.suggestion_note)
        self.assertIn("Corporate: Corporate lead", wizard.suggestion_note)
        self.assertTrue(wizard.has_mixed_suggestions)
        wizard.team_id = self.sales_team
        record = wizard.save()
        action = record.action_handoff_each_suggested()
        self.assertEqual(clinic.team_id, self.sales_team)
        self.assertEqual(corporate.team_id, self.sales_team_2)
        self.assertEqual(
            action["params"]["next"]["type"], "ir.actions.act_window_close"
        )

    def test_no_suggestion_leaves_the_choice(self):
        wizard = self._wizard(self._lead("patient"))
        self.assertFalse(wizard.team_id)
        wizard.team_id = self.sales_team_2
        action = wizard.save().action_confirm()
        self.assertEqual(action["params"]["message"][:25], "Handed off to Corporate —")
