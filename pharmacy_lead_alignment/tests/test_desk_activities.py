# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every automatic activity is done when what it asks for happens, and
cancelled when it no longer applies; reminders to read the process map are
done by reading it and replaced by a new version's."""

from freezegun import freeze_time

from odoo.tests import tagged

from .test_desk_flow import FLAGGED, MONDAY, READ_MAP, READY, RECYCLED, DeskFlowCommon
from .test_leadership import PharmacyLeadershipCommon


@tagged("post_install", "-at_install", "pla_desk_flow", "pla_activities")
class TestActivitiesClose(DeskFlowCommon):
    """Each automatic activity closes with what it asked for."""

    def test_ready_for_handoff_is_done_by_the_handoff(self):
        lead = self._auto_qualified()
        self._handed(lead)
        self._assert_done(lead, READY, feedback="handed off to sales")
        # the sales rep's card shows no desk activity
        self.assertFalse(lead.with_user(self.user_sales).activity_ids)

    def test_ready_for_handoff_is_cancelled_when_it_no_longer_applies(self):
        disqualified = self._auto_qualified("Clinic «A»")
        disqualified.with_user(self.user_desk).action_disqualify()
        self._assert_cancelled(disqualified, READY)

        lost = self._auto_qualified("Clinic «C»")
        lost.with_user(self.user_desk).action_set_lost()
        self.assertEqual(lost.lifecycle_state, "lost")
        self._assert_cancelled(lost, READY)

        fallen = self._auto_qualified("Clinic «B»")
        self.signal.points = 10  # quotes weigh less: its score falls back
        self.assertIn(fallen.lifecycle_state, ("inquiry", "nurturing"))
        self._assert_cancelled(fallen, READY)

    def test_ready_for_handoff_of_a_lead_merged_away_is_cancelled(self):
        survivor = self._clinic("Clinic «Health»")
        survivor.sudo().probability = 90  # the likeliest to win: Odoo keeps it
        tail = self._clinic("Clinic «Health» (again)")
        tail.with_user(self.user_desk).action_qualify()
        tail._pla_schedule_ready_activity()  # as when its score qualifies it
        self.assertEqual(len(self._open_activities(tail, READY)), 1)
        leads = survivor | tail
        self.assertEqual(leads._sort_by_confidence_level(reverse=True)[0], survivor)
        merged = leads.with_user(self.user_desk)._merge_opportunity()
        self.assertEqual(merged, survivor)
        self.assertEqual(survivor.lifecycle_state, "inquiry")
        self.assertFalse(
            self._open_activities(survivor, READY), "not the survivor's to do"
        )

    def test_nurture_steps_are_cancelled_when_the_lead_leaves_nurturing(self):
        qualified = self._nurtured(self._clinic("Clinic «A»"))
        qualified.with_user(self.user_desk).action_qualify()
        self._assert_cancelled(qualified, self.call)

        disqualified = self._nurtured(self._clinic("Clinic «B»"))
        disqualified.with_user(self.user_desk).action_disqualify()
        self._assert_cancelled(disqualified, self.call)

        forced = self._nurtured(self._walk_in())
        forced.with_user(self.user_manager).handoff_to(
            self.sales_team.id, reason="Urgent tender"
        )
        self._assert_cancelled(forced, self.call)
        # a call the desk planned itself stays
        manual = self._nurtured(self._clinic("Clinic «C»"))
        manual.with_user(self.user_desk).activity_schedule(
            activity_type_id=self.call.id, user_id=self.user_desk.id, automated=False
        )
        manual.with_user(self.user_desk).action_qualify()
        self.assertEqual(len(self._open_activities(manual, self.call)), 1)
        self.assertFalse(self._open_activities(manual, self.call).automated)

    def test_recycled_lead_decision_is_done_when_the_desk_decides(self):
        if not self.env.ref(RECYCLED, raise_if_not_found=False):
            self.skipTest("no recycled-lead activity type")
        lead = self._nurtured()
        self._open_activities(lead, self.call).unlink()
        lead._pla_schedule_recycle_activity()
        self.assertEqual(len(self._open_activities(lead, RECYCLED)), 1)
        lead.with_user(self.user_desk).action_qualify()
        self._assert_done(lead, RECYCLED, feedback="Marketing Qualified")

    def test_flag_is_done_when_the_lead_is_won(self):
        lead = self._accepted()
        lead.with_user(self.user_desk).action_flag_mishandled(self.reason_flag.id)
        self.assertEqual(
            self._open_activities(lead, FLAGGED).user_id, self.user_sales_manager
        )
        lead.with_user(self.user_sales).convert_opportunity(lead.partner_id)
        self.assertEqual(lead.lifecycle_state, "opportunity")
        self.assertEqual(
            len(self._open_activities(lead, FLAGGED)), 1, "still to look into"
        )
        lead.with_user(self.user_sales).action_set_won()
        self.assertEqual(lead.lifecycle_state, "won")
        self._assert_done(lead, FLAGGED, feedback="won")

    def _escalated(self, lead=None):
        """Handed off on Monday 10:00, breached at 12:00, escalated to the
        team leader by the SLA job at 12:30."""
        with freeze_time(MONDAY):
            lead = self._handed(lead)
        with freeze_time("2026-03-02 12:30:00"):
            self.env["crm.lead"]._cron_check_sla()
        escalation = self._open_activities(lead, "mail.mail_activity_data_todo")
        self.assertEqual(escalation.user_id, self.user_sales_manager)
        self.assertTrue(escalation.automated)
        return lead

    def test_escalation_is_done_when_the_clock_is_reached(self):
        accepted = self._escalated(self._clinic("Clinic «A»"))
        # the team leader's own to-do on the lead is theirs to close
        accepted.with_user(self.user_sales_manager).activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=self.user_sales_manager.id,
            summary="Call the director myself",
            automated=False,
        )
        with freeze_time("2026-03-02 13:00:00"):
            accepted.with_user(self.user_sales).action_accept()
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.assertEqual(
            self._open_activities(accepted, todo).mapped("summary"),
            ["Call the director myself"],
        )
        self.assertEqual(len(self._done_messages(accepted, todo)), 1)

        returned = self._escalated(self._clinic("Clinic «B»"))
        with freeze_time("2026-03-02 13:00:00"):
            returned.with_user(self.user_sales).action_review_reject(
                self.reason_return.id, 2
            )
        self.assertEqual(returned.sudo().lifecycle_state, "inquiry")
        self._assert_done(returned, todo, feedback="SLA clock")

    def test_contact_escalation_is_done_by_the_first_contact(self):
        with freeze_time(MONDAY):
            lead = self._accepted()
        with freeze_time("2026-03-02 14:30:00"):  # contact due at 14:00
            self.env["crm.lead"]._cron_check_sla()
        todo = self.env.ref("mail.mail_activity_data_todo")
        self.assertEqual(len(self._open_activities(lead, todo)), 1)
        with freeze_time("2026-03-02 15:00:00"):
            lead.with_user(self.user_sales).activity_schedule(
                "mail.mail_activity_data_call", user_id=self.user_sales.id
            ).action_feedback(feedback="Reached the director")
        self._assert_done(lead, todo)

    def test_escalation_is_cancelled_when_the_lead_is_disqualified(self):
        lead = self._escalated()
        with freeze_time("2026-03-02 13:00:00"):
            lead.with_user(self.user_sales).action_review_reject(
                self.reason_disqualify.id, 1
            )
        self.assertEqual(lead.sudo().lifecycle_state, "disqualified")
        self._assert_cancelled(lead, "mail.mail_activity_data_todo")

    def test_cancelling_costs_the_same_for_one_lead_or_twenty(self):
        def disqualify(leads):
            events = [(lead, "mql", "disqualified", False, False) for lead in leads]
            return lambda: leads._pla_follow_activities(events)

        disqualify(self._auto_qualified("Clinic «warm-up»"))()  # warm the caches
        one = self._auto_qualified("Clinic #0")
        twenty = self.env["crm.lead"]
        for index in range(20):
            twenty |= self._auto_qualified(f"Clinic #{index + 1}")
        self.assertEqual(self._count(disqualify(one)), self._count(disqualify(twenty)))
        self._assert_cancelled(one | twenty, READY)


@tagged("post_install", "-at_install", "pla_desk_flow", "pla_activities")
class TestMapReminders(PharmacyLeadershipCommon):
    """The reminder to read the map is done when read, cancelled when a newer
    version replaces it."""

    def _reminders(self, pmap):
        return pmap.sudo().activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.env.ref(READ_MAP)
        )

    def test_read_then_replaced(self):
        pmap = self._map()
        pmap.action_publish()
        readers = self._reminders(pmap).user_id
        self.assertIn(self.user_sales, readers)
        pmap.with_user(self.user_sales).action_acknowledge()
        self.assertNotIn(self.user_sales, self._reminders(pmap).user_id)
        done = self._done_messages(pmap, READ_MAP)
        self.assertEqual(len(done), 1)
        newer = pmap.with_user(self.user_manager).action_new_version()
        newer = (
            self.env["pharmacy.process.map"]
            .with_user(self.user_manager)
            .browse(newer["res_id"])
        )
        newer.action_publish()
        self.assertFalse(self._reminders(pmap), "the old version asks nothing more")
        self.assertEqual(set(self._reminders(newer).user_id.ids), set(readers.ids))
