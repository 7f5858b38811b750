# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PharmacyLeadCommon

MAIL = """Return-Path: <patient@example.com>
From: Patient <patient@example.com>
To: info@pharmacy.example.com
Subject: Need insulin delivered every month
Message-ID: <pla-gate-{n}@example.com>
Date: Fri, 27 Nov 2026 09:00:00 +0000
Content-Type: text/plain; charset=utf-8

Hello, can you deliver insulin to my home every month?
"""


@tagged("post_install", "-at_install", "pla_lifecycle", "pla_gate")
class TestGateArrival(PharmacyLeadCommon):
    def test_mail_gateway_lead_lands_in_desk(self):
        lead_id = self.env["mail.thread"].message_process("crm.lead", MAIL.format(n=1))
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual(lead.team_id, self.desk_team)
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(lead.type, "lead")
        self.assertFalse(lead.user_id)

    def test_rpc_and_automation_without_team_land_in_desk(self):
        lead = self.env["crm.lead"].create({"name": "Web form: price list"})
        self.assertEqual(lead.team_id, self.desk_team)
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertFalse(lead.user_id, "automations leave the desk lead unassigned")

    def test_automation_pushing_into_sales_team_is_rerouted(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Alias of the sales team",
                "team_id": self.sales_team.id,
                "user_id": self.user_sales.id,
                "type": "opportunity",
            }
        )
        self.assertEqual(lead.team_id, self.desk_team)
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(lead.type, "lead")
        self.assertFalse(lead.user_id)

    def test_import_lands_in_desk(self):
        result = (
            self.env["crm.lead"]
            .with_user(self.user_desk)
            .load(["name", "email_from"], [["Imported clinic", "c@example.com"]])
        )
        self.assertFalse(result["messages"])
        lead = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(lead.team_id, self.desk_team)
        self.assertEqual(lead.lifecycle_state, "inquiry")

    def test_desk_cannot_create_straight_into_sales(self):
        Lead = self.env["crm.lead"].with_user(self.user_desk)
        with self.assertRaisesRegex(UserError, "B2B Clinics"):
            Lead.create({"name": "Shortcut", "team_id": self.sales_team.id})
        with self.assertRaisesRegex(UserError, "Pla Sales"):
            Lead.create({"name": "Shortcut", "user_id": self.user_sales.id})
        with self.assertRaises(UserError):
            Lead.create({"name": "Shortcut", "lifecycle_state": "mql"})

    def test_lead_of_other_company_lands_in_its_desk(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_desk_other)
            .with_company(self.other_company)
            .create({"name": "Other pharmacy lead"})
        )
        self.assertEqual(lead.team_id, self.other_desk)
        self.assertEqual(lead.company_id, self.other_company)

    def test_sales_sourced_lead_starts_accepted(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_sales)
            .create({"name": "Doctor met at a seminar", "type": "lead"})
        )
        self.assertEqual(lead.team_id, self.sales_team)
        self.assertEqual(lead.lifecycle_state, "accepted")
        self.assertEqual(lead.lead_origin, "sales")
        self.assertEqual(self._events(lead), [(False, "accepted")])
        desk_count = self.env["crm.lead"].search_count(
            [("lead_origin", "=", "marketing"), ("id", "=", lead.id)]
        )
        self.assertEqual(desk_count, 0, "the funnel tells sales-sourced leads apart")

    def test_roleless_team_behaves_as_stock_crm(self):
        Lead = self.env["crm.lead"].with_user(self.user_sales_manager)
        lead = Lead.create({"name": "Retail walk-in", "team_id": self.plain_team.id})
        self.assertFalse(lead.lifecycle_state)
        self.assertFalse(lead.lead_origin)
        lead.convert_opportunity(lead.partner_id)
        lead.action_set_won()
        lead.write({"user_id": self.user_sales_manager.id, "probability": 50})
        self.assertFalse(lead.lifecycle_state)
        self.assertFalse(lead.sudo().lifecycle_event_ids)
        with self.assertRaisesRegex(UserError, "no alignment role"):
            lead.write({"lifecycle_state": "mql"})

    def test_roleless_lead_moved_into_a_role_team_enters_the_flow(self):
        lead = self.env["crm.lead"].create(
            {"name": "Old lead", "team_id": self.plain_team.id, "user_id": False}
        )
        self.assertFalse(lead.lifecycle_state)
        lead.with_user(self.user_desk).write({"team_id": self.desk_team.id})
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(self._events(lead), [(False, "inquiry")])

    def test_company_without_desk_behaves_as_stock_crm(self):
        self.company.lead_desk_team_id = False
        lead = self.env["crm.lead"].create({"name": "No desk configured"})
        self.assertFalse(lead.lifecycle_state)
        self.assertNotEqual(lead.team_id, self.desk_team)


@tagged("post_install", "-at_install", "pla_lifecycle", "pla_gate")
class TestGateWrite(PharmacyLeadCommon):
    qualify_any_grade = True

    def test_no_sales_team_or_salesperson_before_hand_off(self):
        for factory in (self._desk_lead, self._mql_lead):
            lead = factory()
            with self.assertRaisesRegex(UserError, "Hand Off"):
                lead.write({"team_id": self.sales_team.id})
            with self.assertRaisesRegex(UserError, "not a member of the Marketing"):
                lead.write({"user_id": self.user_sales.id})
            self.assertEqual(lead.team_id, self.desk_team)

    def test_desk_can_reassign_within_desk(self):
        lead = self._desk_lead()
        lead.write({"user_id": self.user_desk_2.id})
        self.assertEqual(lead.user_id, self.user_desk_2)
        self.assertEqual(lead.team_id, self.desk_team)
        lead.write({"user_id": False})
        self.assertEqual(lead.team_id, self.desk_team)

    def test_no_conversion_before_hand_off(self):
        lead = self._mql_lead()
        with self.assertRaisesRegex(UserError, "cannot become an opportunity"):
            lead.convert_opportunity(lead.partner_id)
        with self.assertRaisesRegex(UserError, "cannot become an opportunity"):
            lead.write({"type": "opportunity"})
        self.assertEqual(lead.type, "lead")

    def test_no_conversion_through_the_wizards(self):
        lead = self._mql_lead()
        wizard = self._wizard_form(
            "crm.lead2opportunity.partner", self.user_manager, lead, active_id=lead.id
        )
        wizard.name = "convert"
        wizard.action = "nothing"
        with self.assertRaises(UserError):
            wizard.save().action_apply()
        self.assertEqual(lead.type, "lead")

        mass = self._wizard_form(
            "crm.lead2opportunity.partner.mass",
            self.user_manager,
            lead,
            active_id=lead.id,
        )
        mass.action = "nothing"
        mass.team_id = self.sales_team
        with self.assertRaises(UserError):
            mass.save().action_mass_convert()
        self.assertEqual(lead.type, "lead")
        self.assertEqual(lead.team_id, self.desk_team)

    def test_no_merge_of_desk_leads_into_sales_leads(self):
        desk = self._mql_lead(name="Duplicate clinic", email_from="dup@example.com")
        accepted = self._accepted_lead(
            name="Duplicate clinic", email_from="dup@example.com"
        )
        leads = (desk | accepted).with_user(self.user_manager)
        merge = self._wizard_form("crm.merge.opportunity", self.user_manager, leads)
        with self.assertRaisesRegex(UserError, "cannot be merged"):
            merge.save().action_merge()
        self.assertTrue(desk.exists() and accepted.exists())
        # the desk may merge its own duplicates
        other = self._desk_lead(name="Duplicate clinic", email_from="dup@example.com")
        merged = (desk | other).with_user(self.user_desk).merge_opportunity()
        self.assertIn(merged.lifecycle_state, ("inquiry", "mql"))
        self.assertEqual(merged.team_id, self.desk_team)

    def test_salesperson_cannot_grab_over_rpc(self):
        lead = self._mql_lead()
        for user in (self.user_sales, self.user_sales_all, self.user_sales_manager):
            as_user = lead.with_user(user)
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    as_user.write({"user_id": user.id})
                with self.assertRaises(AccessError):
                    as_user.read(["name"])
                with self.assertRaises(AccessError):
                    as_user.handoff_to(self.sales_team.id, user_id=user.id)
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertEqual(lead.team_id, self.desk_team)

    def test_sales_cannot_use_the_statusbar_to_move_back(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        with self.assertRaisesRegex(UserError, "Accepted"):
            lead.write({"lifecycle_state": "handed_off"})


@tagged("post_install", "-at_install", "pla_lifecycle", "pla_gate")
class TestHandoff(PharmacyLeadCommon):
    qualify_any_grade = True

    def test_hand_off_needs_mql(self):
        lead = self._desk_lead()
        with self.assertRaisesRegex(UserError, "Alignment Manager"):
            lead.handoff_to(self.sales_team.id)
        self.assertEqual(lead.lifecycle_state, "inquiry")

    def test_hand_off_checks_team_user_and_company(self):
        lead = self._mql_lead()
        with self.assertRaisesRegex(UserError, "Sales"):
            lead.handoff_to(self.plain_team.id)
        with self.assertRaisesRegex(UserError, "Sales"):
            lead.handoff_to(self.desk_team.id)
        with self.assertRaisesRegex(UserError, "not a member"):
            lead.handoff_to(self.sales_team.id, user_id=self.user_desk_2.id)
        foreign = self.env["crm.team"].create(
            {
                "name": "Foreign sales",
                "alignment_role": "sales",
                "company_id": self.other_company.id,
            }
        )
        with self.assertRaisesRegex(UserError, "company"):
            lead.handoff_to(foreign.id)
        self.assertEqual(lead.lifecycle_state, "mql")

    def test_hand_off_without_salesperson(self):
        lead = self._mql_lead()
        lead.handoff_to(self.sales_team_2.id)
        self.assertEqual(lead.team_id, self.sales_team_2)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.lifecycle_state, "handed_off")

    def test_manager_override_needs_a_reason_and_is_logged(self):
        lead = self._desk_lead().with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "reason"):
            lead.handoff_to(self.sales_team.id)
        lead.handoff_to(self.sales_team.id, reason="Tender closes tomorrow")
        self.assertEqual(lead.lifecycle_state, "handed_off")
        event = lead.sudo().lifecycle_event_ids.sorted("id")[-1]
        self.assertEqual((event.from_state, event.to_state), ("inquiry", "handed_off"))
        self.assertEqual(event.reason, "Tender closes tomorrow")
        self.assertTrue(event.is_override)
        self.assertEqual(event.user_id, self.user_manager)

    def test_hand_off_wizard(self):
        leads = self._mql_lead() | self._mql_lead(name="Second")
        action = leads.action_open_handoff()
        wizard = self._wizard_form(
            action["res_model"], self.user_desk, **action["context"]
        )
        self.assertFalse(wizard.needs_reason)
        wizard.team_id = self.sales_team
        wizard.user_id = self.user_sales
        wizard.save().action_confirm()
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"handed_off"})
        self.assertEqual(leads.user_id, self.user_sales)

    def test_hand_off_wizard_requires_reason_for_unqualified(self):
        lead = self._desk_lead()
        wizard = self._wizard_form(
            "crm.lead.handoff", self.user_manager, default_lead_ids=lead.ids
        )
        self.assertTrue(wizard.needs_reason)
        wizard.team_id = self.sales_team
        with self.assertRaises(AssertionError):
            wizard.save()  # the reason is required in the form
        wizard.reason = "Existing customer asked for a call"
        wizard.save().action_confirm()
        self.assertEqual(lead.lifecycle_state, "handed_off")

    def test_sales_cannot_open_the_hand_off_wizard(self):
        with self.assertRaises(AccessError):
            self.env["crm.lead.handoff"].with_user(self.user_sales).create(
                {"team_id": self.sales_team.id}
            )

    def test_rep_sees_the_lead_only_after_hand_off(self):
        lead = self._mql_lead()
        Lead = self.env["crm.lead"].with_user(self.user_sales)
        domain = [("id", "=", lead.id)]
        self.assertFalse(Lead.search(domain))
        lead.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        self.assertEqual(Lead.search(domain), lead)
        self.assertEqual(Lead.browse(lead.id).lifecycle_state, "handed_off")
