# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FUNCTION_CHIEF, SEGMENT_CLINIC, PharmacyScenarioCommon


class PharmacyFeedbackCommon(PharmacyScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_clinic = cls._fit_rule("Clinic", SEGMENT_CLINIC, 20)
        cls.rule_chief = cls._fit_rule("Chief physician", FUNCTION_CHIEF, 10)
        cls.response = cls._sla_policy(
            "Answer within 2 hours", "sales_response", user=cls.user_manager, hours=2
        )
        Reason = cls.env["pharmacy.feedback.reason"]
        cls.reason_no_budget = cls._reason("no_budget")
        cls.reason_competitor = cls._reason("competitor")
        cls.reason_wrong_contact = cls._reason("wrong_contact")
        cls.reason_duplicate = cls._reason("duplicate")
        cls.reason_no_contact = cls._reason("no_contact_sla")
        cls.reason_other_company = Reason.create(
            {
                "name": "Other pharmacy's reason",
                "direction": "sales",
                "action": "disqualify",
                "company_id": cls.other_company.id,
            }
        )
        cls.campaign = cls.env["utm.campaign"].create({"name": "Flu season 2026"})
        cls.source = cls.env["utm.source"].create({"name": "Doctors' newsletter"})
        cls.medium = cls.env.ref("utm.utm_medium_email")

    def _clinic_lead(self, **vals):
        return self._handed_off_lead(
            pharmacy_segment="clinic",
            function="Chief physician",
            campaign_id=self.campaign.id,
            source_id=self.source.id,
            medium_id=self.medium.id,
            **vals,
        )

    def _review(self, leads, user=None, **values):
        return self._confirm_wizard(
            "crm.lead.review", user or self.user_sales, leads, **values
        )


@tagged("post_install", "-at_install", "pla_feedback")
class TestSalesReview(PharmacyFeedbackCommon):
    def test_accept_with_rating_keeps_a_snapshot_and_meets_the_sla(self):
        lead = self._clinic_lead()
        self.assertEqual(lead.lead_score, 30)
        self._review(lead, verdict="accept", rating="4", comment="Ready to order")
        self.assertEqual(lead.lifecycle_state, "accepted")
        review = lead.sudo().feedback_ids
        self.assertRecordValues(
            review,
            [
                {
                    "direction": "sales",
                    "verdict": "accept",
                    "rating": 4,
                    "comment": "Ready to order",
                    "user_id": self.user_sales.id,
                    "handoff_user_id": self.user_desk.id,
                    "team_id": self.sales_team.id,
                    "lead_score": 30,
                    "lead_grade": lead.lead_grade,
                    "pharmacy_segment": "clinic",
                    "campaign_id": self.campaign.id,
                    "source_id": self.source.id,
                    "medium_id": self.medium.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(review.rule_ids, self.rule_clinic | self.rule_chief)
        clock = lead.sudo().sla_ids.filtered(lambda c: c.kind == "sales_response")
        self.assertEqual(clock.state, "met")
        # the snapshot stays when the lead changes afterwards
        lead.with_user(self.user_sales).write({"pharmacy_segment": "corporate"})
        self.assertEqual(review.pharmacy_segment, "clinic")
        self.assertEqual(review.rule_ids, self.rule_clinic | self.rule_chief)

    def test_accept_button_writes_an_unrated_review(self):
        lead = self._accepted_lead()
        self.assertRecordValues(
            lead.sudo().feedback_ids, [{"verdict": "accept", "rating": 0}]
        )

    def test_reject_recycle_with_date(self):
        lead = self._clinic_lead()
        with freeze_time("2026-11-27 10:00:00"):
            self._review(
                lead,
                verdict="reject",
                reason_id=self.reason_competitor,
                rating="2",
                recycle_date=date(2027, 3, 1),
                comment="Contract until March",
            )
        lead = lead.sudo()
        self.assertRecordValues(
            lead,
            [
                {
                    "lifecycle_state": "nurturing",
                    "team_id": self.desk_team.id,
                    "recycle_count": 1,
                    "recycle_date": date(2027, 3, 1),
                    "nurture_state": "paused",
                }
            ],
        )
        self.assertRecordValues(
            lead.feedback_ids,
            [
                {
                    "verdict": "reject",
                    "reason_id": self.reason_competitor.id,
                    "rating": 2,
                    "comment": "Contract until March",
                }
            ],
        )
        clock = lead.sla_ids.filtered(lambda c: c.kind == "sales_response")
        self.assertTrue(clock.reached_date)
        # sales still read their review once the lead is back with the desk
        review = lead.feedback_ids.with_user(self.user_sales)
        self.assertEqual(review.reason_id, self.reason_competitor)
        self.assertFalse(lead.with_user(self.user_sales).search([("id", "=", lead.id)]))

    def test_reject_recycle_without_date_goes_back_at_once(self):
        lead = self._clinic_lead()
        lead.with_user(self.user_sales).action_review_reject(
            self.reason_no_budget.id, 3
        )
        self.assertEqual(lead.sudo().lifecycle_state, "nurturing")
        self.assertEqual(lead.sudo().recycle_reason, "No budget now")

    def test_reject_return_goes_back_to_inquiry(self):
        lead = self._clinic_lead()
        self._review(
            lead, verdict="reject", reason_id=self.reason_wrong_contact, rating="1"
        )
        lead = lead.sudo()
        self.assertRecordValues(
            lead,
            [
                {
                    "lifecycle_state": "inquiry",
                    "team_id": self.desk_team.id,
                    "user_id": False,
                    "type": "lead",
                }
            ],
        )
        self.assertEqual(
            self._events(lead)[-1], ("handed_off", "inquiry"), "logged as a move"
        )
        self.assertIn("Wrong contact data", lead.lifecycle_event_ids[0].reason)

    def test_reject_disqualify(self):
        lead = self._clinic_lead()
        self._review(
            lead, verdict="reject", reason_id=self.reason_duplicate, rating="1"
        )
        self.assertEqual(lead.sudo().lifecycle_state, "disqualified")
        self.assertEqual(lead.sudo().team_id, self.desk_team)

    def test_rejecting_hides_the_lead_without_breaking_the_request(self):
        """After a rejection the lead is the desk's: what its move left to
        recompute must not be computed as the rep at the end of the request
        (a browser request flushes as the user; this flush does the same)."""
        for reason in (
            self.reason_wrong_contact,
            self.reason_no_budget,
            self.reason_duplicate,
        ):
            with self.subTest(reason=reason.name):
                lead = self._clinic_lead()
                self.env.flush_all()
                self.env.invalidate_all()
                wizard = (
                    self.env["crm.lead.review"]
                    .with_user(self.user_sales)
                    .create(
                        {
                            "lead_ids": lead.ids,
                            "verdict": "reject",
                            "reason_id": reason.id,
                            "rating": "3",
                        }
                    )
                )
                wizard.action_confirm()
                wizard.env.flush_all()
                self.assertEqual(lead.sudo().team_id, self.desk_team)

    def test_mass_review_from_a_selection(self):
        leads = self._clinic_lead() | self._clinic_lead()
        self._review(leads, verdict="accept", rating="5")
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"accepted"})
        self.assertEqual(len(leads.sudo().feedback_ids), 2)

    def test_bad_reviews_are_refused_with_nothing_written(self):
        lead = self._clinic_lead().with_user(self.user_sales)
        cases = [
            (lambda: lead.action_review_reject(False, 3), "needs a reason"),
            (
                lambda: lead.action_review_reject(self.reason_no_budget.id, None),
                "needs a quality rating",
            ),
            (lambda: lead.action_review_accept(rating=7), "from 1 .* to 5"),
            (
                lambda: lead.action_review_reject(self.reason_no_budget.id, 0),
                "needs a quality rating",
            ),
            (
                lambda: lead.action_review_reject(
                    self.reason_other_company.sudo().id, 2
                ),
                "belongs to Аптека «Другая»",
            ),
            (
                lambda: lead.action_review_reject(self.reason_no_contact.id, 2),
                "not a reason for this kind",
            ),
            (
                lambda: lead.action_review_reject(self.reason_competitor.id, 2),
                "asks when the lead comes back",
            ),
            (
                lambda: lead.action_review_reject(
                    self.reason_competitor.id, 2, recycle_date="2020-01-01"
                ),
                "a day that has passed",
            ),
        ]
        for call, message in cases:
            with self.subTest(message=message):
                with self.assertRaisesRegex(UserError, message):
                    call()
        self.assertEqual(lead.lifecycle_state, "handed_off")
        self.assertFalse(lead.sudo().feedback_ids)

    def test_only_handed_off_leads_by_their_team(self):
        accepted = self._accepted_lead()
        with self.assertRaisesRegex(UserError, "Only handed-off leads"):
            accepted.with_user(self.user_sales).action_review_accept()
        lead = self._handed_off_lead()
        outsider = mail_new_test_user(
            self.env,
            login="pla_outsider",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
        )
        with self.assertRaisesRegex(UserError, "only its members or a sales manager"):
            lead.with_user(outsider).action_review_accept()
        # the sales manager may review for the team
        lead.with_user(self.user_sales_manager).action_review_accept(rating=3)
        self.assertEqual(lead.lifecycle_state, "accepted")

    def test_rating_out_of_range_on_the_record(self):
        lead = self._accepted_lead()
        review = lead.sudo().feedback_ids.with_user(self.user_sales)  # its author
        with self.assertRaisesRegex(ValidationError, "from 1 .* to 5"):
            review.write({"rating": 6})

    def test_lost_opportunity_keeps_odoo_lost_reason(self):
        lead = self._accepted_lead().with_user(self.user_sales)
        lost_reason = self.env["crm.lost.reason"].create({"name": "Too expensive"})
        wizard = (
            self.env["crm.lead.lost"]
            .with_user(self.user_sales)
            .create({"lead_ids": lead.ids, "lost_reason_id": lost_reason.id})
        )
        wizard.action_lost_reason_apply()
        self.assertEqual(lead.lifecycle_state, "lost")
        self.assertEqual(lead.lost_reason_id, lost_reason)
        lost = lead.sudo().feedback_ids.filtered(lambda r: r.verdict == "lost")
        self.assertEqual(lost.lost_reason_id, lost_reason)
        self.assertEqual(lost.handoff_user_id, self.user_desk)
        # the desk reads why leads are lost downstream
        desk_view = lost.with_user(self.user_desk)
        self.assertEqual(desk_view.lost_reason_id.name, "Too expensive")

    def test_sales_sourced_lost_leads_write_no_review(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_sales)
            .create({"name": "Walk-in", "team_id": self.sales_team.id})
        )
        lead.action_set_lost()
        self.assertFalse(lead.sudo().feedback_ids)


@tagged("post_install", "-at_install", "pla_feedback")
class TestMarketingFlags(PharmacyFeedbackCommon):
    def _flag(self, leads, user=None, **values):
        return self._confirm_wizard(
            "crm.lead.flag", user or self.user_desk, leads, **values
        )

    def test_flag_gives_the_team_leader_an_activity(self):
        lead = self._accepted_lead()
        self._flag(lead, reason_id=self.reason_no_contact, comment="Nobody called")
        flag = lead.sudo().feedback_ids.filtered(lambda r: r.verdict == "flag")
        self.assertRecordValues(
            flag,
            [
                {
                    "direction": "marketing",
                    "reason_id": self.reason_no_contact.id,
                    "user_id": self.user_desk.id,
                    "team_id": self.sales_team.id,
                    "comment": "Nobody called",
                }
            ],
        )
        activity = lead.sudo().activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("pharmacy_lead_alignment.mail_activity_type_mishandled")
            )
        )
        self.assertEqual(activity.user_id, self.user_sales_manager)
        self.assertIn("No contact within the SLA", activity.summary)
        # sales read the flag, and cannot change it
        sales_view = flag.with_user(self.user_sales)
        self.assertEqual(sales_view.reason_id, self.reason_no_contact)
        with self.assertRaisesRegex(UserError, "only its author"):
            sales_view.write({"comment": "We did call"})
        # the ledger counts it against the sales team
        ledger = self.env["pharmacy.sla.report"].search(
            [("team_id", "=", self.sales_team.id), ("mishandled_count", ">", 0)]
        )
        self.assertEqual(sum(ledger.mapped("mishandled_count")), 1)

    def test_flag_twice_and_bad_flags(self):
        lead = self._accepted_lead()
        lead.with_user(self.user_desk).action_flag_mishandled(self.reason_no_contact.id)
        with self.assertRaisesRegex(UserError, "already flagged"):
            lead.with_user(self.user_desk).action_flag_mishandled(
                self.reason_no_contact.id
            )
        handed = self._handed_off_lead()
        with self.assertRaisesRegex(UserError, "Only leads the desk handed off"):
            handed.with_user(self.user_desk).action_flag_mishandled(
                self.reason_no_contact.id
            )
        with self.assertRaisesRegex(UserError, "not a reason for this kind"):
            lead.with_user(self.user_desk).action_flag_mishandled(
                self.reason_no_budget.id
            )
        with self.assertRaises(AccessError):
            lead.with_user(self.user_sales).action_flag_mishandled(
                self.reason_no_contact.id
            )

    def test_flag_needs_someone_to_tell(self):
        self.sales_team.user_id = False
        lead = self._accepted_lead()
        with self.assertRaisesRegex(UserError, "Nobody leads the sales team"):
            lead.with_user(self.user_desk).action_flag_mishandled(
                self.reason_no_contact.id
            )
        self.assertFalse(
            lead.sudo().feedback_ids.filtered(lambda r: r.verdict == "flag")
        )


@tagged("post_install", "-at_install", "pla_feedback")
class TestFeedbackAccess(PharmacyFeedbackCommon):
    def test_author_corrects_only_rating_and_comment(self):
        lead = self._clinic_lead()
        lead.with_user(self.user_sales).action_review_accept(rating=3)
        review = lead.sudo().feedback_ids.with_user(self.user_sales)
        review.write({"rating": 4, "comment": "Better than I thought"})
        self.assertEqual(review.rating, 4)
        with self.assertRaisesRegex(UserError, "only its rating and comment"):
            review.write({"verdict": "reject"})
        with self.assertRaisesRegex(UserError, "only its author"):
            review.with_user(self.user_sales_all).write({"rating": 1})
        with self.assertRaises(AccessError):
            review.with_user(self.user_sales).unlink()
        with self.assertRaises(AccessError):
            self.env["pharmacy.lead.feedback"].with_user(self.user_desk).create(
                {
                    "lead_id": lead.id,
                    "direction": "sales",
                    "verdict": "accept",
                    "company_id": self.company.id,
                }
            )

    def test_reasons_are_configured_by_managers(self):
        Reason = self.env["pharmacy.feedback.reason"]
        self.assertTrue(Reason.with_user(self.user_sales).search([]))
        for user in (self.user_sales, self.user_desk):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Reason.with_user(user).create(
                    {"name": "Spam", "direction": "sales", "action": "disqualify"}
                )
        reason = Reason.with_user(self.user_manager).create(
            {"name": "Spam", "direction": "sales", "action": "disqualify"}
        )
        self.assertEqual(reason.company_id, self.company)
        with self.assertRaisesRegex(ValidationError, "choose what a rejection"):
            Reason.with_user(self.user_manager).create(
                {"name": "Vague", "direction": "sales"}
            )
        with self.assertRaisesRegex(ValidationError, "only a recycling reason"):
            reason.ask_recycle_date = True

    def test_wizards_and_log_by_role(self):
        with self.assertRaises(AccessError):
            self.env["crm.lead.flag"].with_user(self.user_sales).create({})
        with self.assertRaises(AccessError):
            self.env["pharmacy.rule.effectiveness"].with_user(self.user_sales).create(
                {}
            )
        Revision = self.env["pharmacy.scoring.rule.revision"]
        for user in (self.user_sales, self.user_desk, self.user_manager):
            with self.subTest(user=user.login):
                Revision.with_user(user).search([])  # everybody reads the log
                with self.assertRaises(AccessError):
                    Revision.with_user(user).create(
                        {
                            "rule_id": self.rule_clinic.id,
                            "old_points": 1,
                            "new_points": 2,
                            "user_id": user.id,
                        }
                    )

    def test_multi_company(self):
        lead = self._accepted_lead()
        Reason = self.env["pharmacy.feedback.reason"]
        self.assertNotIn(
            self.reason_other_company, Reason.with_user(self.user_sales).search([])
        )
        self.assertIn(
            self.reason_other_company, Reason.with_user(self.user_desk_other).search([])
        )
        Feedback = self.env["pharmacy.lead.feedback"]
        self.assertIn(
            lead.sudo().feedback_ids, Feedback.with_user(self.user_desk).search([])
        )
        self.assertFalse(Feedback.with_user(self.user_desk_other).search([]))
