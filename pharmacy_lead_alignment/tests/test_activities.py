# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields
from odoo.tests import tagged

from .test_leadership import PharmacyLeadershipCommon

XMLID_READY = "pharmacy_lead_alignment.mail_activity_type_ready_handoff"
XMLID_MISHANDLED = "pharmacy_lead_alignment.mail_activity_type_mishandled"
XMLID_READ_MAP = "pharmacy_lead_alignment.mail_activity_type_read_process_map"


@tagged("post_install", "-at_install", "pla_activities")
class TestAutomatedActivities(PharmacyLeadershipCommon):
    """The add-on's activities are Odoo's automated ones, scheduled in batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        # run by hand below, enrols nobody
        cls.step = cls._call_track("Calls only", active=False, domain="[]").step_ids

    def _new_leads(self, count):
        return (
            self.env["crm.lead"]
            .with_user(self.user_desk)
            .create(
                [
                    {"name": f"Clinic #{index}", "email_from": f"c{index}@example.com"}
                    for index in range(count)
                ]
            )
        )

    def _of_type(self, records, xmlid):
        activity_type = self.env.ref(xmlid)
        return records.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == activity_type
        )

    def test_every_kind_is_automated(self):
        ready, nurtured = self._new_leads(2)
        ready._pla_schedule_ready_activity()
        nurtured._pla_nurture_perform(self.step)
        flagged = self._accepted_lead()
        flagged.with_user(self.user_desk).action_flag_mishandled(
            self._reason("no_contact_sla").id
        )
        breached = self._handed_off_lead()
        breached.sudo().sla_ids._escalate(1)
        pmap = self._map()
        pmap.action_publish()

        today = fields.Date.context_today(pmap)
        kinds = {
            "ready": self._of_type(ready, XMLID_READY),
            "nurture": nurtured.sudo().activity_ids,
            "mishandled": self._of_type(flagged, XMLID_MISHANDLED),
            "sla": self._of_type(breached, "mail.mail_activity_data_todo"),
            "process map": self._of_type(pmap, XMLID_READ_MAP),
        }
        for kind, activities in kinds.items():
            with self.subTest(kind=kind):
                self.assertTrue(activities)
                self.assertEqual(set(activities.mapped("automated")), {True})
        self.assertEqual(kinds["nurture"].activity_type_id, self.call)
        self.assertEqual(kinds["sla"].user_id, self.user_sales_manager)
        self.assertEqual(kinds["sla"].date_deadline, today)
        # readers get the activity type's own delay to read a new version
        self.assertEqual(
            kinds["process map"].mapped("date_deadline"),
            [self.env.ref(XMLID_READ_MAP)._get_date_deadline()] * 5,
        )
        # automated: Odoo's activity API finds them (the map's reminders are
        # withdrawn this way when a new version is published)
        ready.activity_unlink([XMLID_READY])
        self.assertFalse(self._of_type(ready, XMLID_READY))

    def test_cost_does_not_grow_with_the_leads(self):
        for kind, schedule in (
            ("ready", lambda leads: leads._pla_schedule_ready_activity()),
            ("nurture", lambda leads: leads._pla_nurture_perform(self.step)),
        ):
            with self.subTest(kind=kind):
                schedule(self._new_leads(1))  # warm the caches
                one, twenty = self._new_leads(1), self._new_leads(20)
                self.assertEqual(
                    self._count(lambda s=schedule, r=one: s(r)),
                    self._count(lambda s=schedule, r=twenty: s(r)),
                )
                self.assertEqual(len(twenty.sudo().activity_ids), 20)

    def test_automation_skip_schedules_nothing(self):
        lead = self._new_leads(1)
        skip = lead.with_context(mail_activity_automation_skip=True)
        self.assertFalse(skip._pla_schedule_ready_activity())
        self.assertFalse(lead.sudo().activity_ids)
