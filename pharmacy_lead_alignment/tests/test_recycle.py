# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A lead sales send back as "not ready" does not come straight back: it
re-qualifies only on engagement earned after the recycle (or by hand), and
when it returns it joins a nurture track, or the desk is asked to decide."""

from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_nurture import PharmacyNurtureCommon

DECIDE = "pharmacy_lead_alignment.mail_activity_type_recycle_decide"


@tagged("post_install", "-at_install", "pla_nurture", "pla_recycle")
class TestRecycle(PharmacyNurtureCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.not_ready = cls._reason("no_budget")
        cls.competitor = cls._reason("competitor")

    def _hot_lead(self, **vals):
        """A grade A lead (clinic, chief: 65) with engagement, handed off."""
        lead = self._handed_off_lead(
            pharmacy_segment="clinic", function="chief", **vals
        )
        lead.action_log_engagement("price_list_request")  # 85
        return lead

    def _reject(self, lead, reason=None, recycle_date=None):
        lead.with_user(self.user_sales).action_review_reject(
            (reason or self.not_ready).id,
            3,
            "Budget comes next year",
            recycle_date=recycle_date,
        )

    def test_not_ready_stays_nurtured_until_it_engages_again(self):
        with freeze_time("2026-11-02 09:00:00"):
            lead = self._hot_lead()
        with freeze_time("2026-11-02 10:00:00"):
            self._reject(lead)
            self.assertEqual(lead.lifecycle_state, "nurturing")
            self.assertEqual(lead.recycled_at, datetime(2026, 11, 2, 10, 0))
            self.assertEqual(lead.nurture_track_id, self.track_clinics)
            self.assertEqual(lead.nurture_state, "running")
            self.assertEqual(lead.lead_score, 85)
            # the next scoring, a fit field written, a fit rule raised
            self.env["crm.lead"]._cron_rescore_leads()
            lead.with_user(self.user_desk).write({"function": "Chief physician"})
            self.rule_clinic.with_user(self.user_manager).points = 50
            self.assertEqual(lead.lead_score, 95)
            self.assertEqual(lead.lifecycle_state, "nurturing", "fit alone: no")
        with freeze_time("2026-11-03 08:00:00"):
            self.env["crm.lead"]._cron_rescore_leads()
            # a signal from before the recycle, logged late, is old engagement
            lead.with_user(self.user_desk).action_log_engagement(
                "price_list_request", date="2026-11-01"
            )
            self.assertEqual(lead.engagement_since_recycle, 0)
            self.assertEqual(lead.lifecycle_state, "nurturing", "old engagement: no")
            lead.with_user(self.user_desk).action_log_engagement("price_list_request")
            self.assertEqual(lead.engagement_since_recycle, 20)
            self.assertEqual(lead.lifecycle_state, "mql")
            self.assertEqual(lead.nurture_state, "graduated")
            self.assertFalse(lead.mql_by_hand)
            self.assertEqual(self._events(lead)[-1], ("nurturing", "mql"))

    def test_the_desk_may_qualify_it_by_hand(self):
        with freeze_time("2026-11-02 09:00:00"):
            lead = self._hot_lead()
        with freeze_time("2026-11-02 10:00:00"):
            self._reject(lead)
            lead.with_user(self.user_desk).action_qualify()
            self.assertEqual(lead.lifecycle_state, "mql")
            self.assertTrue(lead.mql_by_hand)
            # handed off again, a later recycle starts a new count
            lead.with_user(self.user_desk).handoff_to(self.sales_team.id)
            self.assertFalse(lead.recycled_at)
            lead.write({"pharmacy_segment": "doctor"})  # rescored: 65 → 40 + 40
            self.assertEqual(lead.lifecycle_state, "handed_off")

    def test_it_comes_back_on_its_date_into_a_track(self):
        with freeze_time("2026-11-02 09:00:00"):
            lead = self._hot_lead()
        with freeze_time("2026-11-02 10:00:00"):
            self._reject(lead, self.competitor, recycle_date="2026-12-01")
            self.assertEqual(lead.nurture_state, "paused")
            self.assertEqual(lead.recycle_date, date(2026, 12, 1))
        with freeze_time("2026-11-20 10:00:00"):
            self._run()
            self.env["crm.lead"]._cron_rescore_leads()
            self.assertEqual(lead.nurture_state, "paused")
            self.assertEqual(lead.lifecycle_state, "nurturing")
        with freeze_time("2026-12-01 06:00:00"):
            self._run()
            self.assertEqual(lead.lifecycle_state, "nurturing")
            self.assertEqual(lead.nurture_track_id, self.track_clinics)
            self.assertEqual(lead.nurture_state, "running")
            self.assertFalse(lead.recycle_date)
            self.assertTrue(lead.recycled_at, "still recycled: old score won't do")
            self.assertFalse(self._open_activities(lead, DECIDE))

    def test_engaging_during_the_pause_qualifies_at_once(self):
        with freeze_time("2026-11-02 09:00:00"):
            lead = self._hot_lead()
        with freeze_time("2026-11-02 10:00:00"):
            self._reject(lead, self.competitor, recycle_date="2026-12-01")
        with freeze_time("2026-11-20 10:00:00"):
            lead.with_user(self.user_desk).action_log_engagement("price_list_request")
            self.assertEqual(lead.lifecycle_state, "mql")
            self.assertEqual(lead.nurture_state, "graduated")
            self.assertFalse(lead.recycle_date, "not due back any more")
        with freeze_time("2026-12-01 06:00:00"):
            self._run()
            self.assertEqual(lead.lifecycle_state, "mql")
            self.assertFalse(self._open_activities(lead, DECIDE))

    def test_no_matching_track_asks_the_desk(self):
        (self.track_clinics | self.track_all).active = False
        with freeze_time("2026-11-02 09:00:00"):
            now = self._hot_lead(name="Now")
            later = self._hot_lead(name="Later")
        with freeze_time("2026-11-02 10:00:00"):
            self._reject(now)
            self._reject(later, self.competitor, recycle_date="2026-11-10")
            activity = self._open_activities(now, DECIDE)
            self.assertEqual(len(activity), 1)
            self.assertIn(activity.user_id, self.desk_team.member_ids)
            self.assertIn("Budget comes next year", str(activity.note))
            self.assertFalse(now.nurture_state)
            self.assertFalse(self._open_activities(later, DECIDE), "not back yet")
        with freeze_time("2026-11-10 06:00:00"):
            self._run()
            self.assertEqual(len(self._open_activities(later, DECIDE)), 1)
            self.assertEqual(later.lifecycle_state, "nurturing")

    def test_leads_returning_together_are_told_in_one_batch(self):
        (self.track_clinics | self.track_all).active = False
        with freeze_time("2026-11-02 09:00:00"):
            leads = self._hot_lead(name="A") | self._hot_lead(name="B")
        with freeze_time("2026-11-02 10:00:00"):
            for lead in leads:
                self._reject(lead, self.competitor, recycle_date="2026-11-10")
        with freeze_time("2026-11-10 06:00:00"):
            self._run()
            self.assertEqual(len(self._open_activities(leads, DECIDE)), 2)
            self.assertEqual(set(leads.mapped("lifecycle_state")), {"nurturing"})

    def test_the_recycling_fields_are_the_flows_own(self):
        with freeze_time("2026-11-02 09:00:00"):
            lead = self._hot_lead()
        with freeze_time("2026-11-02 10:00:00"):
            self._reject(lead)
        for vals in (
            {"recycled_at": False},
            {"engagement_since_recycle": 50},
            {"mql_by_hand": True},
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(UserError, "cannot be set by hand"):
                    lead.with_user(self.user_desk).write(vals)
        self.assertTrue(lead.recycled_at)
