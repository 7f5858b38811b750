# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An action on more leads than a request should touch runs in the
background, a batch at a time, with the rights of the user who asked.

The limit is lowered to two leads here (``SYNC_LIMIT``), so that a handful
of leads shows what thousands would do."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..tools import mass_actions
from ..tools.groups import GROUP_DESK
from .common import PharmacyScenarioCommon

LIMIT = 2


@tagged("post_install", "-at_install")
class TestMassActions(PharmacyScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Action = cls.env["pharmacy.lead.mass.action"]
        cls.cron = cls.env.ref("pharmacy_lead_alignment.ir_cron_mass_actions")

    def setUp(self):
        super().setUp()
        limit = patch.object(mass_actions, "SYNC_LIMIT", LIMIT)
        limit.start()
        self.addCleanup(limit.stop)

    # ------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------

    def _mql_leads(self, count):
        leads = self._desk_leads(count, name="Clinic")
        for lead in leads:  # one at a time: under the limit
            lead.action_qualify()
        return leads

    def _run_all(self):
        """Run the scheduled action until nothing is queued: its number of
        runs."""
        runs = 0
        while self.Action.sudo().search_count([("state", "=", "queued")]):
            self.Action._cron_run()
            runs += 1
            self.assertLess(runs, 20, "the queue empties")
        return runs

    def _queued(self, result):
        self.assertEqual(result["params"]["type"], "info", result)
        self.assertIn("background", result["params"]["message"])
        return self.Action.sudo().search([], order="id desc", limit=1)

    # ------------------------------------------------------------
    # tests
    # ------------------------------------------------------------

    def test_a_big_hand_off_runs_in_the_background(self):
        leads = self._mql_leads(5)
        result = self._confirm_wizard(
            "crm.lead.handoff", self.user_desk, leads, team_id=self.sales_team
        )
        action = self._queued(result)
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"mql"}, "not yet")
        self.assertEqual(action.user_id, self.user_desk)
        self.assertEqual(action.method, "handoff_to")
        self.assertEqual(action.arguments["team_id"], self.sales_team.id)
        self.assertEqual((action.lead_count, action.state), (5, "queued"))
        self.assertEqual(action.pending_lead_ids, leads)
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]),
            "the scheduled action is woken at once",
        )
        self.assertEqual(self._run_all(), 3, "batches of the request limit")
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"handed_off"})
        self.assertEqual(leads.team_id, self.sales_team)
        events = leads.sudo().lifecycle_event_ids.filtered(
            lambda event: event.to_state == "handed_off"
        )
        self.assertEqual(len(events), 5, "each lead handed off once")
        self.assertEqual(events.user_id, self.user_desk, "as the user who asked")
        self.assertEqual(
            (action.state, action.done_count, action.failed_count), ("done", 5, 0)
        )
        self.assertFalse(action.pending_lead_ids)
        self.assertEqual(action.progress, 100.0)
        told = action.message_ids.filtered(
            lambda message: self.user_desk.partner_id in message.partner_ids
        )
        self.assertEqual(len(told), 1, "the inbox says it is done")
        self.assertIn("all 5 leads done", told.body)
        self.Action._cron_run()  # a run more does nothing
        self.assertEqual(action.done_count, 5)

    def test_up_to_the_limit_it_acts_at_once(self):
        leads = self._mql_leads(LIMIT)
        leads.with_user(self.user_desk).handoff_to(self.sales_team.id)
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"handed_off"})
        self.assertFalse(self.Action.sudo().search([]))

    def test_a_lead_that_cannot_move_is_listed_the_others_move(self):
        leads = self._mql_leads(3)
        self._queued(leads.with_user(self.user_desk).handoff_to(self.sales_team.id))
        stray = leads[1]
        stray.with_user(self.user_desk).action_disqualify()  # meanwhile
        self._run_all()
        action = self.Action.sudo().search([])
        self.assertEqual((leads - stray).mapped("lifecycle_state"), ["handed_off"] * 2)
        self.assertEqual(stray.lifecycle_state, "disqualified")
        self.assertEqual(
            (action.state, action.done_count, action.failed_count), ("failed", 2, 1)
        )
        self.assertIn(stray.name, action.failure_text)
        told = action.message_ids.filtered(
            lambda message: self.user_desk.partner_id in message.partner_ids
        )
        self.assertIn("1 could not be", told.body)

    def test_the_background_acts_with_the_rights_of_who_asked(self):
        leads = self._mql_leads(3)
        self._queued(leads.with_user(self.user_desk).handoff_to(self.sales_team.id))
        # the user leaves the desk before the action runs
        self.user_desk.groups_id = [(3, self.env.ref(GROUP_DESK).id)]
        self._run_all()
        action = self.Action.sudo().search([])
        self.assertEqual(set(leads.sudo().mapped("lifecycle_state")), {"mql"})
        self.assertEqual((action.state, action.failed_count), ("failed", 3))
        self.assertIn("Only members of the Marketing Desk", action.failure_text)

    def test_a_failure_never_names_a_lead_back_with_the_desk(self):
        """A lead that went back to the desk before the background action
        reached it fails, and the sales rep who asked reads its number
        only, never its (new) name."""
        leads = self._mql_leads(3)
        for lead in leads:
            lead.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        self._queued(leads.with_user(self.user_sales).action_review_accept())
        gone = leads[0]
        gone.with_user(self.user_sales_all).action_review_reject(
            self._reason("wrong_contact").id, 2
        )
        self.assertEqual(gone.lifecycle_state, "inquiry", "with the desk again")
        gone.with_user(self.user_desk).name = "Clinic «Secret»: new contact"
        self._run_all()
        action = self.Action.sudo().search([])
        self.assertEqual((action.done_count, action.failed_count), (2, 1))
        self.assertNotIn("Secret", action.failure_text)
        self.assertIn(f"lead #{gone.id}", action.failure_text)

    def test_bad_input_is_refused_at_once_not_queued(self):
        leads = self._mql_leads(3)
        Leads = leads.with_user(self.user_desk)
        with self.assertRaisesRegex(UserError, "role “Sales”"):
            Leads.handoff_to(self.plain_team.id)
        with self.assertRaisesRegex(UserError, "Argument “team_id”"):
            Leads.handoff_to("abc")
        with self.assertRaises(AccessError):
            leads.with_user(self.user_sales).handoff_to(self.sales_team.id)
        with self.assertRaises(AccessError):
            leads.with_user(self.user_sales).action_disqualify()
        self.assertFalse(self.Action.sudo().search([]))

    def test_a_big_rejection_keeps_reason_rating_and_date(self):
        leads = self._mql_leads(3)
        for lead in leads:
            lead.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        reason = self._reason("no_budget")
        back_on = date.today() + timedelta(days=30)
        result = self._confirm_wizard(
            "crm.lead.review",
            self.user_sales,
            leads,
            verdict="reject",
            reason_id=reason,
            rating="2",
            comment="Budget in spring",
            recycle_date=back_on,
        )
        action = self._queued(result)
        self.assertEqual(action.user_id, self.user_sales)
        self._run_all()
        reviews = leads.sudo().feedback_ids
        self.assertEqual(len(reviews), 3)
        self.assertEqual(set(reviews.mapped("rating")), {2})
        self.assertEqual(reviews.reason_id, reason)
        self.assertEqual(reviews.user_id, self.user_sales)
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"nurturing"})
        self.assertEqual(action.state, "done")

    def test_cancel_by_who_asked_or_the_head(self):
        leads = self._mql_leads(3)
        self._queued(leads.with_user(self.user_desk).handoff_to(self.sales_team.id))
        action = self.Action.sudo().search([])
        with self.assertRaises(AccessError):  # not even visible to them
            action.with_user(self.user_desk_2).action_cancel()
        action.with_user(self.user_manager).action_cancel()
        self.assertEqual(action.state, "cancelled")
        self.assertFalse(action.pending_lead_ids)
        self.Action._cron_run()
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"mql"})
        with self.assertRaisesRegex(UserError, "nothing left"):
            action.with_user(self.user_desk).action_cancel()

    def test_who_sees_a_background_action(self):
        leads = self._mql_leads(3)
        self._queued(leads.with_user(self.user_desk).handoff_to(self.sales_team.id))
        action = self.Action.sudo().search([])
        for user, sees in (
            (self.user_desk, True),
            (self.user_manager, True),
            (self.user_desk_2, False),
            (self.user_sales, False),
            (self.user_manager_other, False),
        ):
            with self.subTest(user=user.login):
                found = self.Action.with_user(user).search([("id", "=", action.id)])
                self.assertEqual(bool(found), sees)
        for user in (self.user_desk, self.user_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                action.with_user(user).write({"state": "done"})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                action.with_user(user).unlink()

    def test_every_queued_method_acts_in_the_background(self):
        """Each method that queues, called on too many leads, queues itself
        with the arguments it was given."""
        leads = self._mql_leads(3)
        handed = self._mql_leads(3)
        for lead in handed:
            lead.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        desk = leads.with_user(self.user_desk)
        sales = handed.with_user(self.user_sales)
        calls = {
            "action_qualify": lambda: desk.action_qualify(reason="Tender"),
            "action_disqualify": desk.action_disqualify,
            "action_handoff_suggested": desk.action_handoff_suggested,
            "action_review_accept": lambda: sales.action_review_accept(rating=4),
            "action_recycle": lambda: sales.action_recycle("Spring"),
            "action_nurture_pause": desk.action_nurture_pause,
        }
        for method, call in calls.items():
            with self.subTest(method=method):
                action = self._queued(call())
                self.assertEqual(action.method, method)
        self.assertFalse(
            self.Action.sudo().search([("method", "=", "action_disqualify")]).arguments
        )
        self.assertEqual(
            self.Action.sudo()
            .search([("method", "=", "action_review_accept")])
            .arguments,
            {"rating": 4, "comment": None},
        )
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"mql"}, "not yet")
