# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import PharmacyScenarioCommon


class PharmacySlaCommon(PharmacyScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a pharmacy that works 9:00–20:00 on weekdays, in UTC for readability
        cls.calendar_weekdays = cls._calendar("Weekdays 9-20", 9, 20, days=5)
        cls.calendar_24h = cls._calendar("Around the clock", 0, 24, days=7)
        # set by the Alignment Manager, counted in the pharmacy's working hours
        weekdays = {"user": cls.user_manager, "calendar_id": cls.calendar_weekdays.id}
        cls.response = cls._sla_policy(
            "Answer within 2 working hours",
            "sales_response",
            hours=2,
            escalation_delay=4,
            **weekdays,
        )
        cls.contact = cls._sla_policy(
            "First contact within 8 working hours", "sales_contact", hours=8, **weekdays
        )
        cls._escalate_to_managers()

    def _clock(self, lead, kind="sales_response"):
        return lead.sudo().sla_ids.filtered(lambda c: c.kind == kind)


@tagged("post_install", "-at_install", "pla_sla")
class TestSlaClocks(PharmacySlaCommon):
    def test_friday_evening_hand_off_is_due_on_monday(self):
        with freeze_time("2026-11-27 19:55:00"):  # a Friday
            lead = self._handed_off_lead()
        clock = self._clock(lead)
        self.assertEqual(clock.state, "running")
        self.assertEqual(clock.policy_id, self.response)
        # 5 minutes on Friday, 1 h 55 on Monday from 9:00
        self.assertEqual(clock.deadline, datetime(2026, 11, 30, 10, 55))
        self.assertEqual(lead.sla_deadline, clock.deadline)
        self.assertEqual(lead.sla_state, "running")

    def test_24_hour_branch_is_due_around_the_clock(self):
        self.response.calendar_id = self.calendar_24h
        with freeze_time("2026-11-28 23:30:00"):  # Saturday night
            lead = self._handed_off_lead()
        self.assertEqual(self._clock(lead).deadline, datetime(2026, 11, 29, 1, 30))

    def test_holidays_of_the_calendar_are_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Unity Day",
                "calendar_id": self.calendar_weekdays.id,
                "date_from": "2026-11-04 00:00:00",
                "date_to": "2026-11-04 23:59:59",
            }
        )
        with freeze_time("2026-11-03 19:00:00"):  # Tuesday, holiday on Wednesday
            lead = self._handed_off_lead()
        self.assertEqual(self._clock(lead).deadline, datetime(2026, 11, 5, 10, 0))

    def test_accepting_in_time_meets_and_starts_the_contact_clock(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._handed_off_lead()
        with freeze_time("2026-11-30 10:30:00"):
            lead.with_user(self.user_sales).action_accept()
        response = self._clock(lead)
        self.assertEqual(response.state, "met")
        self.assertEqual(response.reached_date, datetime(2026, 11, 30, 10, 30))
        contact = self._clock(lead, "sales_contact")
        self.assertEqual(contact.state, "running")
        self.assertEqual(contact.deadline, datetime(2026, 11, 30, 18, 30))
        with freeze_time("2026-11-30 12:00:00"):
            activity = lead.activity_schedule(
                "mail.mail_activity_data_call", user_id=self.user_sales.id
            )
            activity.with_user(self.user_sales).action_feedback(feedback="Talked")
        self.assertEqual(contact.state, "met")
        self.assertFalse(lead.sla_state)

    def test_an_email_to_the_customer_is_a_contact(self):
        customer = self.env["res.partner"].create(
            {"name": "Clinic «Health»", "email": "clinic@example.com"}
        )
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._accepted_lead()
            lead.with_user(self.user_sales).message_post(
                body="Hello, here is our offer",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=customer.ids,
            )
        self.assertEqual(self._clock(lead, "sales_contact").state, "met")

    def test_a_note_or_a_message_to_no_customer_is_no_contact(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._accepted_lead()
            Lead = lead.with_user(self.user_sales)
            Lead.message_post(body=".", message_type="comment")  # a note
            Lead.message_post(
                body=".", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            Lead.message_post(
                body="FYI",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.user_sales_manager.partner_id.ids,
            )
        self.assertEqual(self._clock(lead, "sales_contact").state, "running")

    def test_a_held_meeting_is_a_contact(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._accepted_lead()
            self.env["calendar.event"].create(
                {
                    "name": "Meeting at the clinic",
                    "opportunity_id": lead.id,
                    "start": "2026-11-30 13:00:00",
                    "stop": "2026-11-30 14:00:00",
                }
            )
        with freeze_time("2026-11-30 13:30:00"):
            self.env["crm.lead"]._cron_check_sla()
            self.assertEqual(self._clock(lead, "sales_contact").state, "running")
        with freeze_time("2026-11-30 14:15:00"):
            self.env["crm.lead"]._cron_check_sla()
        contact = self._clock(lead, "sales_contact")
        self.assertEqual(contact.state, "met")
        self.assertEqual(contact.reached_date, datetime(2026, 11, 30, 13, 0))
        self.assertAlmostEqual(contact.hours_taken, 4.0, places=2)

    def test_late_acceptance_is_breached_and_rejection_counts_as_an_answer(self):
        with freeze_time("2026-11-30 09:00:00"):
            late = self._handed_off_lead()
            recycled = self._handed_off_lead(name="Recycled")
        with freeze_time("2026-11-30 10:00:00"):
            recycled.with_user(self.user_sales).action_recycle("No budget")
        self.assertEqual(self._clock(recycled).state, "met")
        with freeze_time("2026-11-30 12:00:00"):
            late.with_user(self.user_sales).action_accept()
        self.assertEqual(self._clock(late).state, "breached")

    def test_leaving_the_flow_closes_without_breach(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._handed_off_lead()
            lead.with_user(self.user_sales).action_set_lost()
        self.assertEqual(self._clock(lead).state, "closed")
        self.assertFalse(lead.sla_state)

    def test_grade_policy_takes_precedence(self):
        rule = self.env["pharmacy.scoring.rule"].create(
            {
                "name": "Clinic",
                "domain": "[('pharmacy_segment', '=', 'clinic')]",
                "points": 70,
            }
        )
        self.assertTrue(rule)
        urgent = self.response.copy(
            {"name": "Grade A within 1 hour", "min_grade": "a", "hours": 1}
        )
        with freeze_time("2026-11-30 09:00:00"):
            lead_a = self._handed_off_lead(pharmacy_segment="clinic")
            lead_d = self._handed_off_lead(pharmacy_segment="patient")
        self.assertEqual(self._clock(lead_a).policy_id, urgent)
        self.assertEqual(self._clock(lead_d).policy_id, self.response)

    def test_no_policy_no_clock(self):
        lead = self._mql_lead()
        lead.handoff_to(self.sales_team_2.id)
        self.assertFalse(lead.sudo().sla_ids)


@tagged("post_install", "-at_install", "pla_sla")
class TestSlaBreach(PharmacySlaCommon):
    def test_breach_and_each_escalation_level_once(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._handed_off_lead()
        Lead = self.env["crm.lead"]
        todo = self.env.ref("mail.mail_activity_data_todo")

        def warned(user):
            return lead.activity_ids.filtered(
                lambda a: a.activity_type_id == todo and a.user_id == user
            )

        with freeze_time("2026-11-30 11:01:00"):
            Lead._cron_check_sla()
            Lead._cron_check_sla()
        clock = self._clock(lead)
        self.assertEqual(clock.state, "breached")
        self.assertEqual(clock.escalation_level, 1)
        self.assertEqual(lead.sla_state, "breached")
        self.assertEqual(len(warned(self.user_sales_manager)), 1, "the team leader")
        self.assertIn("SLA breached", lead.message_ids[0].body)
        with freeze_time("2026-11-30 14:00:00"):
            Lead._cron_check_sla()
        self.assertEqual(clock.escalation_level, 1, "not yet 4 hours later")
        with freeze_time("2026-11-30 15:01:00"):
            Lead._cron_check_sla()
            Lead._cron_check_sla()
        self.assertEqual(clock.escalation_level, 2)
        self.assertEqual(len(warned(self.user_sales_manager)), 2, "sales manager")
        with freeze_time("2026-11-30 19:01:00"):
            Lead._cron_check_sla()
            Lead._cron_check_sla()
        self.assertEqual(clock.escalation_level, 3)
        self.assertEqual(len(warned(self.user_manager)), 1, "the head")
        with freeze_time("2026-12-03 09:00:00"):
            Lead._cron_check_sla()
        self.assertEqual(clock.escalation_level, 3)
        self.assertEqual(len(warned(self.user_manager)), 1)

    def test_a_lost_lead_is_no_longer_escalated(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._handed_off_lead()
        Lead = self.env["crm.lead"]
        with freeze_time("2026-11-30 11:01:00"):
            Lead._cron_check_sla()
        clock = self._clock(lead)
        self.assertEqual((clock.state, clock.escalation_level), ("breached", 1))
        with freeze_time("2026-11-30 12:00:00"):
            lead.with_user(self.user_sales).action_set_lost()
        self.assertEqual(lead.lifecycle_state, "lost")
        with freeze_time("2026-12-03 09:00:00"):
            Lead._cron_check_sla()
            self.assertEqual(Lead._pla_sla_remaining(fields.Datetime.now()), 0)
        self.assertEqual(clock.escalation_level, 1, "no escalation after the loss")
        self.assertEqual(clock.state, "breached", "the breach stays in the ledger")

    def test_at_risk_filter(self):
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._handed_off_lead()
        Lead = self.env["crm.lead"]
        with freeze_time("2026-11-30 09:30:00"):
            self.assertNotIn(lead, Lead.search([("sla_at_risk", "=", True)]))
            lead.invalidate_recordset(["sla_colour"])
            self.assertEqual(lead.sla_colour, "green")
        with freeze_time("2026-11-30 10:40:00"):
            self.assertIn(lead, Lead.search([("sla_at_risk", "=", True)]))
            self.assertNotIn(lead, Lead.search([("sla_at_risk", "=", False)]))
            lead.invalidate_recordset(["sla_colour"])
            self.assertEqual(lead.sla_colour, "amber")


@tagged("post_install", "-at_install", "pla_sla", "pla_security")
class TestSlaConfiguration(PharmacySlaCommon):
    def test_bad_policies(self):
        Policy = self.env["pharmacy.sla.policy"].with_user(self.user_manager)
        base = {
            "name": "Bad",
            "kind": "sales_response",
            "team_ids": [(6, 0, self.sales_team.ids)],
            "hours": 2,
            "calendar_id": self.calendar_weekdays.id,
        }
        empty = self.env["resource.calendar"].create(
            {"name": "Nothing", "attendance_ids": [(5, 0, 0)]}
        )
        cases = [
            ({"hours": 0}, "more than 0"),
            ({"hours": -3}, "more than 0"),
            ({"team_ids": [(5, 0, 0)]}, "no sales team"),
            ({"calendar_id": empty.id}, "no working time"),
            ({"kind": "marketing_volume", "volume_target": 0}, "at least one lead"),
            (
                {
                    "kind": "marketing_volume",
                    "volume_target": 30,
                    "acceptance_target": 120,
                },
                "between 1 and 100",
            ),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(ValidationError, message):
                    Policy.create({**base, **vals})

    def test_access(self):
        for user in (self.user_desk, self.user_sales):
            policies = self.env["pharmacy.sla.policy"].with_user(user).search([])
            self.assertIn(self.response, policies)
            with self.assertRaises(AccessError):
                self.response.with_user(user).hours = 10
        self.assertFalse(
            self.env["pharmacy.sla.policy"]
            .with_user(self.user_desk_other)
            .with_company(self.other_company)
            .search([])
        )
        with freeze_time("2026-11-30 09:00:00"):
            lead = self._handed_off_lead()
        self.assertFalse(
            self.env["pharmacy.lead.sla"]
            .with_user(self.user_desk_other)
            .with_company(self.other_company)
            .search([("lead_id", "=", lead.id)])
        )
        clocks = self.env["pharmacy.lead.sla"].with_user(self.user_sales)
        self.assertTrue(clocks.search([("lead_id", "=", lead.id)]))
        with self.assertRaises(AccessError):
            clocks.search([("lead_id", "=", lead.id)]).write({"state": "met"})


@tagged("post_install", "-at_install", "pla_sla")
class TestSlaLedger(PharmacySlaCommon):
    def test_both_sides_in_one_ledger(self):
        self._volume_policy("Desk: 4 leads a month, 50 % accepted", 4, 50)
        with freeze_time("2026-11-30 09:00:00"):
            fast = self._handed_off_lead(name="Fast")
            slow = self._handed_off_lead(name="Slow")
            rejected = self._handed_off_lead(name="Rejected")
        with freeze_time("2026-11-30 10:00:00"):
            fast.with_user(self.user_sales).action_accept()
            rejected.with_user(self.user_sales).action_recycle("Not now")
        with freeze_time("2026-11-30 14:00:00"):
            slow.with_user(self.user_sales).action_accept()
        Report = self.env["pharmacy.sla.report"].with_user(self.user_sales_manager)
        november = [
            ("date", ">=", "2026-11-01"),
            ("date", "<", "2026-12-01"),
            ("team_id", "=", self.sales_team.id),
        ]
        # one row per fact; every group recomputes its ratios from the sums
        [sales] = Report._read_group(
            [*november, ("side", "=", "sales"), ("kind", "=", "sales_response")],
            [],
            [
                "clock_count:sum",
                "met_count:sum",
                "breached_count:sum",
                "met_rate:avg",
                "median_hours:avg",
                "p90_hours:avg",
            ],
        )
        self.assertEqual(sales[:3], (3, 2, 1))
        self.assertAlmostEqual(sales[3], 200 / 3, places=2)
        self.assertAlmostEqual(sales[4], 1.0, places=2)
        self.assertAlmostEqual(sales[5], 4.2, places=2)  # 1, 1, 5 hours
        [marketing] = Report._read_group(
            [*november, ("side", "=", "marketing")],
            [],
            [
                "handed_off_count:sum",
                "accepted_count:sum",
                "rejected_count:sum",
                "acceptance_rate:avg",
                "volume_target:sum",
                "volume_attainment:avg",
                "acceptance_target:avg",
            ],
        )
        self.assertEqual(marketing[:3], (3, 2, 1))
        self.assertAlmostEqual(marketing[3], 200 / 3, places=2)
        self.assertEqual(marketing[4], 4)
        self.assertAlmostEqual(marketing[5], 75.0, places=2)
        self.assertAlmostEqual(marketing[6], 50.0, places=2)
        self.assertFalse(
            Report.with_user(self.user_desk_other)
            .with_company(self.other_company)
            .search([("team_id", "=", self.sales_team.id)])
        )
