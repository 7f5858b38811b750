# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models import crm_team
from .common import PharmacyLeadCommon


@tagged("post_install", "-at_install", "pla_lifecycle")
class TestLifecycle(PharmacyLeadCommon):
    qualify_any_grade = True

    def test_desk_lead_starts_in_inquiry_and_is_logged(self):
        lead = self._desk_lead()
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(lead.lead_origin, "marketing")
        self.assertEqual(lead.team_id, self.desk_team)
        self.assertEqual(lead.type, "lead")
        self.assertEqual(lead.user_id, self.user_desk)
        self.assertEqual(self._events(lead), [(False, "inquiry")])
        event = lead.sudo().lifecycle_event_ids
        self.assertEqual(event.user_id, self.user_desk)
        self.assertEqual(event.company_id, self.company)

    def test_full_waterfall(self):
        lead = self._desk_lead()
        lead.write({"lifecycle_state": "nurturing"})
        lead.action_qualify()
        self.assertEqual(lead.lifecycle_state, "mql")
        lead.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        self.assertEqual(lead.lifecycle_state, "handed_off")
        self.assertEqual(lead.team_id, self.sales_team)
        self.assertEqual(lead.user_id, self.user_sales)

        rep_lead = lead.with_user(self.user_sales)
        rep_lead.action_accept()
        self.assertEqual(rep_lead.lifecycle_state, "accepted")
        rep_lead.convert_opportunity(rep_lead.partner_id)
        self.assertEqual(rep_lead.type, "opportunity")
        self.assertEqual(rep_lead.lifecycle_state, "opportunity")
        rep_lead.action_set_won()
        self.assertEqual(rep_lead.lifecycle_state, "won")
        self.assertEqual(
            self._events(lead),
            [
                (False, "inquiry"),
                ("inquiry", "nurturing"),
                ("nurturing", "mql"),
                ("mql", "handed_off"),
                ("handed_off", "accepted"),
                ("accepted", "opportunity"),
                ("opportunity", "won"),
            ],
        )
        users = lead.sudo().lifecycle_event_ids.sorted("id").user_id
        self.assertIn(self.user_sales, users)
        self.assertIn(self.user_desk, users)

    def test_converting_a_handed_off_lead_accepts_it(self):
        lead = self._handed_off_lead().with_user(self.user_sales)
        lead.convert_opportunity(lead.partner_id)
        self.assertEqual(lead.lifecycle_state, "opportunity")
        self.assertEqual(
            self._events(lead)[-2:],
            [("handed_off", "accepted"), ("accepted", "opportunity")],
        )

    def test_lead_to_opportunity_wizard_after_hand_off(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        wizard = self._wizard_form(
            "crm.lead2opportunity.partner", self.user_sales, lead, active_id=lead.id
        )
        wizard.name = "convert"
        wizard.action = "nothing"
        wizard.save().action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.lifecycle_state, "opportunity")

    def test_lost_and_restore_returns_to_previous_state(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        lead.action_set_lost(lost_reason_id=self.env.ref("crm.lost_reason_1").id)
        self.assertFalse(lead.active)
        self.assertEqual(lead.lifecycle_state, "lost")
        lead.toggle_active()
        self.assertTrue(lead.active)
        self.assertEqual(lead.lifecycle_state, "accepted")
        self.assertEqual(
            self._events(lead)[-2:], [("accepted", "lost"), ("lost", "accepted")]
        )

    def test_desk_lead_lost_and_restored(self):
        lead = self._mql_lead()
        lead.action_set_lost()
        self.assertEqual(lead.lifecycle_state, "lost")
        lead.action_unarchive()
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertEqual(lead.team_id, self.desk_team)

    def test_won_reopened_by_stage_returns_to_opportunity(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        lead.convert_opportunity(lead.partner_id)
        lead.action_set_won()
        self.assertEqual(lead.lifecycle_state, "won")
        open_stage = self.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        lead.write({"stage_id": open_stage.id})
        self.assertEqual(lead.lifecycle_state, "opportunity")

    def test_won_then_lost(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        lead.action_set_won()
        lead.action_set_lost()
        self.assertEqual(lead.lifecycle_state, "lost")
        lead.action_unarchive()
        self.assertEqual(lead.lifecycle_state, "won")

    def test_plain_write_of_state_keeps_odoo_in_step(self):
        won = self._accepted_lead().with_user(self.user_sales)
        won.write({"lifecycle_state": "won"})
        self.assertTrue(won.stage_id.is_won)
        self.assertEqual(won.probability, 100)
        lost = self._accepted_lead().with_user(self.user_sales)
        lost.write({"lifecycle_state": "lost"})
        self.assertFalse(lost.active)
        opportunity = self._accepted_lead().with_user(self.user_sales)
        opportunity.write({"lifecycle_state": "opportunity"})
        self.assertEqual(opportunity.type, "opportunity")
        self.assertEqual(self._events(opportunity)[-1], ("accepted", "opportunity"))

    def test_illegal_transitions_raise_naming_both_states(self):
        cases = [
            (self._desk_lead, "accepted", ("Inquiry", "Accepted")),
            (self._desk_lead, "won", ("Inquiry", "Won")),
            (self._mql_lead, "opportunity", ("Marketing Qualified", "Opportunity")),
            (self._accepted_lead, "mql", ("Accepted", "Marketing Qualified")),
            (self._accepted_lead, "nurturing", ("Accepted", "Nurturing")),
            (self._accepted_lead, "inquiry", ("Accepted", "Inquiry")),
        ]
        for factory, target, labels in cases:
            lead = factory()
            user = self.user_desk if lead.lifecycle_state == "inquiry" else None
            if lead.lifecycle_state == "accepted":
                user = self.user_sales
            lead = lead.with_user(user or self.user_desk)
            before = self._events(lead)
            with self.subTest(start=lead.lifecycle_state, target=target):
                with self.assertRaises(UserError) as error:
                    lead.write({"lifecycle_state": target})
                for label in labels:
                    self.assertIn(label, str(error.exception))
                self.assertEqual(self._events(lead), before)

    def test_won_or_lost_cannot_be_rewritten_by_hand(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        lead.action_set_lost()
        with self.assertRaisesRegex(UserError, "restore it"):
            lead.write({"lifecycle_state": "opportunity"})

    def test_unknown_state_is_refused(self):
        lead = self._desk_lead()
        with self.assertRaisesRegex(UserError, "recycled"):
            lead.write({"lifecycle_state": "recycled"})
        self.assertEqual(lead.lifecycle_state, "inquiry")

    def test_event_log_is_append_only_for_everybody(self):
        lead = self._handed_off_lead()
        for user in (self.user_desk, self.user_sales, self.user_manager):
            events = lead.with_user(user).lifecycle_event_ids
            self.assertTrue(events, "every role reads the log")
            with self.assertRaises(AccessError):
                events.with_user(user).write({"reason": "rewritten"})
            with self.assertRaises(AccessError):
                events.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.env["pharmacy.lead.event"].with_user(user).create(
                    {"lead_id": lead.id, "to_state": "won"}
                )
        # not even as superuser: only the flow itself writes the log
        events = lead.sudo().lifecycle_event_ids
        with self.assertRaisesRegex(UserError, "kept"):
            events[0].write({"reason": "corrected by the head"})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            events.unlink()
        with self.assertRaisesRegex(AccessError, "cannot be created by hand"):
            self.env["pharmacy.lead.event"].sudo().create(
                {"lead_id": lead.id, "to_state": "won"}
            )

    def test_disqualify_and_reopen(self):
        lead = self._mql_lead()
        lead.action_disqualify()
        self.assertEqual(lead.lifecycle_state, "disqualified")
        self.assertEqual(lead.team_id, self.desk_team)
        lead.action_reopen()
        self.assertEqual(lead.lifecycle_state, "inquiry")
        accepted = self._accepted_lead().with_user(self.user_sales)
        with self.assertRaises(AccessError):
            accepted.action_disqualify()
        self.assertEqual(accepted.lifecycle_state, "accepted")

    def test_kanban_columns_follow_the_action(self):
        self._mql_lead()
        Lead = self.env["crm.lead"].with_user(self.user_desk)
        domain = [("team_id", "=", self.desk_team.id)]
        groups = Lead.read_group(domain, ["lifecycle_state"], ["lifecycle_state"])
        self.assertEqual(len(groups), 9)
        desk = Lead.with_context(pla_lifecycle_columns=["inquiry", "nurturing", "mql"])
        groups = desk.read_group(domain, ["lifecycle_state"], ["lifecycle_state"])
        self.assertEqual(
            [group["lifecycle_state"] for group in groups],
            ["inquiry", "nurturing", "mql"],
        )
        self.assertEqual(groups[2]["lifecycle_state_count"], 1)

    def test_copy_enters_the_flow_again(self):
        lead = self._mql_lead()
        copy = lead.copy()
        self.assertEqual(copy.lifecycle_state, "inquiry")
        self.assertEqual(self._events(copy), [(False, "inquiry")])


@tagged("post_install", "-at_install", "pla_lifecycle")
class TestAdoption(PharmacyLeadCommon):
    """Leads that were in a team before it got its alignment role."""

    def test_team_getting_a_role_adopts_its_leads_as_they_are(self):
        Lead = self.env["crm.lead"]
        team = self.env["crm.team"].create({"name": "Retail", "use_leads": True})
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        with freeze_time("2026-01-15 10:00:00"):  # date_closed of the lost one
            lead, opportunity, won, lost = Lead.create(
                [
                    {
                        "name": "Open lead",
                        "team_id": team.id,
                        "user_id": self.user_sales.id,
                    },
                    {"name": "Open deal", "team_id": team.id, "type": "opportunity"},
                    {"name": "Won deal", "team_id": team.id, "type": "opportunity"},
                    {"name": "Lost deal", "team_id": team.id, "type": "opportunity"},
                ]
            )
            won.stage_id = won_stage
            lost.action_set_lost()
        self.assertFalse(
            any((lead | opportunity | won | lost).mapped("lifecycle_state"))
        )
        team.alignment_role = "sales"
        self.assertRecordValues(
            lead | opportunity | won | lost,
            [
                {"lifecycle_state": "accepted", "lead_origin": "sales"},
                {"lifecycle_state": "opportunity", "lead_origin": "sales"},
                {"lifecycle_state": "won", "lead_origin": "sales"},
                {"lifecycle_state": "lost", "lead_origin": "sales"},
            ],
        )
        self.assertEqual(lead.user_id, self.user_sales, "nothing else moves")
        self.assertEqual(self._events(lead), [(False, "accepted")])
        self.assertEqual(
            lead.sudo().lifecycle_event_ids.date, lead.create_date, "dated as it was"
        )
        self.assertEqual(lost.sudo().lifecycle_event_ids.date, lost.date_closed)
        # setting the role again adopts nothing twice
        team.alignment_role = "sales"
        self.assertEqual(len(lead.sudo().lifecycle_event_ids), 1)

    def test_many_leads_join_in_the_background_in_batches(self):
        """Above the limit, giving the role does not adopt in the request: the
        scheduled action does it a batch at a time, with progress, once."""
        Lead = self.env["crm.lead"]
        team = self.env["crm.team"].create({"name": "Chain", "use_leads": True})
        leads = Lead.create(
            [{"name": f"Old lead {n}", "team_id": team.id} for n in range(5)]
        )
        cron = self.env.ref("pharmacy_lead_alignment.ir_cron_adopt_leads")
        with (
            patch.object(crm_team, "ADOPT_SYNC_LIMIT", 3),
            patch.object(type(cron), "_trigger", autospec=True) as trigger,
        ):
            team.alignment_role = "sales"
        trigger.assert_called_once()
        self.assertFalse(any(leads.mapped("lifecycle_state")), "not in the request")
        self.assertIn("5 leads of this team join", team.message_ids[0].body)
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": cron.id, "remaining": 0, "done": 0}
        )
        Job = Lead.with_context(ir_cron_progress_id=progress.id)
        Job._cron_adopt_leads(batch_size=2)
        self.assertEqual((progress.done, progress.remaining), (2, 3))
        while progress.remaining:
            Job._cron_adopt_leads(batch_size=2)
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"accepted"})
        Job._cron_adopt_leads(batch_size=2)  # nothing twice
        self.assertEqual((progress.done, progress.remaining), (0, 0))
        self.assertEqual(
            self.env["pharmacy.lead.event"]
            .sudo()
            .search_count([("lead_id", "in", leads.ids)]),
            5,
        )

    def test_desk_adopts_open_leads_as_inquiries(self):
        team = self.env["crm.team"].create({"name": "Call centre", "use_leads": True})
        lead = self.env["crm.lead"].create(
            {"name": "Caller", "team_id": team.id, "user_id": self.user_sales.id}
        )
        team.alignment_role = "marketing"
        self.assertRecordValues(
            lead,
            [
                {
                    "lifecycle_state": "inquiry",
                    "lead_origin": "marketing",
                    # a salesperson outside the desk would cross the gate
                    "user_id": False,
                }
            ],
        )
