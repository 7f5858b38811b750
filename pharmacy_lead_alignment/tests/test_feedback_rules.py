# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rule effectiveness, predictive scoring and the weekly desk digest."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..models.pharmacy_audit_mixin import trusted
from .test_feedback import PharmacyFeedbackCommon


@tagged("post_install", "-at_install", "pla_feedback")
class TestRuleEffectiveness(PharmacyFeedbackCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.feedback_min_sample = 4
        cls.rule_rare = cls.env["pharmacy.scoring.rule"].create(
            {
                "name": "Rare",
                "domain": "[('function', '=', 'Pharmacist')]",
                "points": 5,
                "company_id": False,
            }
        )
        # 8 reviewed leads: 4 matched "Clinic" (3 accepted, rated 5, 4, 4, 1;
        # 2 won), 4 did not (1 accepted, rated 2, 2, 2, 2; none won).
        Feedback = trusted(cls.env["pharmacy.lead.feedback"].sudo())
        vals_list = []
        with freeze_time("2026-11-10 10:00:00"):
            for index, (clinic, accepted, rating, won) in enumerate(
                [
                    (True, True, 5, True),
                    (True, True, 4, True),
                    (True, True, 4, False),
                    (True, False, 1, False),
                    (False, True, 2, False),
                    (False, False, 2, False),
                    (False, False, 2, False),
                    (False, False, 2, False),
                ]
            ):
                lead = cls.env["crm.lead"].create(
                    {"name": f"Reviewed {index}", "team_id": cls.plain_team.id}
                )
                if won:
                    lead.write({"lifecycle_state": False})
                    cls.env.cr.execute(
                        "UPDATE crm_lead SET lifecycle_state = 'won' WHERE id = %s",
                        [lead.id],
                    )
                rules = cls.rule_clinic if clinic else cls.rule_chief
                if index == 0:
                    rules |= cls.rule_rare
                vals_list.append(
                    {
                        "lead_id": lead.id,
                        "lead_name": lead.name,
                        "direction": "sales",
                        "verdict": "accept" if accepted else "reject",
                        "rating": rating,
                        "user_id": cls.user_sales.id,
                        "company_id": cls.company.id,
                        "rule_ids": [(6, 0, rules.ids)],
                    }
                )
            Feedback.create(vals_list)
        cls.env["crm.lead"].invalidate_model(["lifecycle_state"])

    def _rules(self, user=None):
        return (
            (self.rule_clinic | self.rule_chief | self.rule_rare)
            .with_user(user or self.user_manager)
            .with_context(pla_period_from="2026-11-01", pla_period_to="2026-11-30")
        )

    def test_figures_on_a_known_data_set(self):
        clinic, chief, rare = self._rules()
        self.assertRecordValues(
            clinic,
            [
                {
                    "eff_matched": 4,
                    "eff_accept_rate": 75.0,
                    "eff_others_accept_rate": 25.0,
                    "eff_won_rate": 50.0,
                    "eff_rating_avg": 3.5,
                    "eff_lift": 3.0,
                    "eff_has_verdict": True,
                    # 20 × log2(3) = 31.7, capped at +10
                    "eff_suggested_points": 30,
                }
            ],
        )
        self.assertRecordValues(
            chief,
            [
                {
                    "eff_matched": 4,
                    "eff_accept_rate": 25.0,
                    "eff_lift": 0.33,
                    "eff_has_verdict": True,
                    "eff_suggested_points": 0,
                }
            ],
        )
        self.assertRecordValues(
            rare,
            [{"eff_matched": 1, "eff_has_verdict": False, "eff_suggested_points": 5}],
        )
        # outside the period, nothing was reviewed
        october = clinic.with_context(
            pla_period_from="2026-10-01", pla_period_to="2026-10-31"
        )
        self.assertEqual(october.eff_matched, 0)
        self.assertFalse(october.eff_has_verdict)

    def test_figures_in_one_pass_whatever_the_number_of_rules(self):
        rules = self._rules()
        rules.with_context(pla_period_from="2026-01-01").mapped("eff_lift")  # warm

        def count(records):
            self.env.invalidate_all()
            return self._count(lambda: records.mapped("eff_lift"))

        self.assertEqual(count(rules[:1]), count(rules))
        self.assertLessEqual(count(rules), 8)

    def test_apply_and_revert(self):
        clinic, chief, rare = self._rules()
        lead = self._desk_lead(pharmacy_segment="clinic")
        self.assertEqual(lead.fit_score, 20)
        (clinic | chief).action_apply_suggestion()
        self.assertEqual((clinic.points, chief.points), (30, 0))
        self.assertEqual(lead.fit_score, 30, "re-scored once the points changed")
        Revision = self.env["pharmacy.scoring.rule.revision"]
        revision = Revision.search([("rule_id", "=", clinic.id)])
        self.assertRecordValues(
            revision,
            [
                {
                    "old_points": 20,
                    "new_points": 30,
                    "lift": 3.0,
                    "matched": 4,
                    "user_id": self.user_manager.id,
                    "state": "applied",
                }
            ],
        )
        revision.with_user(self.user_manager).action_revert()
        self.assertEqual(clinic.points, 20)
        self.assertEqual(lead.fit_score, 20)
        self.assertRecordValues(
            revision, [{"state": "reverted", "reverted_by_id": self.user_manager.id}]
        )
        with self.assertRaisesRegex(UserError, "already reverted"):
            revision.with_user(self.user_manager).action_revert()
        chief_revision = Revision.search([("rule_id", "=", chief.id)])
        chief.write({"points": 3})
        with self.assertRaisesRegex(UserError, "changed since"):
            chief_revision.with_user(self.user_manager).action_revert()

    def test_no_suggestion_on_too_few_leads_or_by_non_managers(self):
        clinic, _chief, rare = self._rules()
        with self.assertRaisesRegex(UserError, "too few reviewed leads"):
            (clinic | rare).action_apply_suggestion()
        self.assertEqual(clinic.points, 20, "nothing half-applied")
        with self.assertRaises(AccessError):
            clinic.with_user(self.user_desk).action_apply_suggestion()

    def test_wizard_opens_the_period(self):
        wizard = (
            self.env["pharmacy.rule.effectiveness"]
            .with_user(self.user_desk)
            .create({"date_from": "2026-11-01", "date_to": "2026-11-30"})
        )
        action = wizard.action_open()
        self.assertEqual(action["context"]["pla_period_from"], "2026-11-01")
        with self.assertRaisesRegex(ValidationError, "swap the dates"):
            wizard.date_from = "2026-12-31"

    def test_settings_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "at least 1"):
            self.company.feedback_min_sample = 0
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.company.feedback_max_step = 200


@tagged("post_install", "-at_install", "pla_feedback")
class TestPredictiveScoring(PharmacyFeedbackCommon):
    def test_setting_adds_grade_and_segment_to_predictive_scoring(self):
        admin = mail_new_test_user(
            self.env,
            login="pla_settings_admin",
            groups="base.group_user,base.group_system,sales_team.group_sale_manager",
        )
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param("crm.pls_fields", "phone_state,email_state")
        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertFalse(settings.pla_pls_alignment)
        settings.pla_pls_alignment = True
        settings.save().execute()
        fields_ = Param.get_param("crm.pls_fields").split(",")
        self.assertEqual(
            fields_, ["phone_state", "email_state", "lead_grade", "pharmacy_segment"]
        )

        # history: grade A leads of the plain team were won, grade D lost
        Lead = self.env["crm.lead"]
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        history = Lead.create(
            [
                {"name": f"Old {i}", "team_id": self.plain_team.id, "email_from": ""}
                for i in range(20)
            ]
        )
        # a test stands in for the scoring here: plain leads, grades given
        for index, lead in enumerate(history):
            trusted(lead).write(
                {
                    "lead_grade": "a" if index < 10 else "d",
                    "pharmacy_segment": "clinic" if index < 10 else "patient",
                }
            )
        history[:10].write({"stage_id": won_stage.id})
        history[10:].action_set_lost()
        Lead._cron_update_automated_probabilities()
        good, bad = Lead.create(
            [
                {"name": "New A", "team_id": self.plain_team.id},
                {"name": "New D", "team_id": self.plain_team.id},
            ]
        )
        trusted(good).write({"lead_grade": "a", "pharmacy_segment": "clinic"})
        trusted(bad).write({"lead_grade": "d", "pharmacy_segment": "patient"})
        probabilities = (good | bad)._pls_get_naive_bayes_probabilities()
        self.assertGreater(probabilities[good.id], 80)
        self.assertLess(probabilities[bad.id], 20)

        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertTrue(settings.pla_pls_alignment)
        settings.pla_pls_alignment = False
        settings.save().execute()
        self.assertEqual(Param.get_param("crm.pls_fields"), "phone_state,email_state")


@tagged("post_install", "-at_install", "pla_feedback")
class TestDeskDigest(PharmacyFeedbackCommon):
    def test_weekly_digest_once(self):
        with freeze_time("2026-11-18 10:00:00"):  # a Wednesday
            good = self._clinic_lead(name="Clinic «Vita»")
            good.with_user(self.user_sales).action_review_accept(rating=5)
            poor = self._clinic_lead(name="Clinic «Old»")
            poor.with_user(self.user_sales).action_review_reject(
                self.reason_wrong_contact.id, 1
            )
        Mail = self.env["mail.mail"].sudo()
        with freeze_time(datetime(2026, 11, 23, 6, 0)):  # the Monday after
            before = Mail.search([])
            self.env["crm.lead"]._cron_send_feedback_digest()
            mails = Mail.search([]) - before
            self.assertEqual(len(mails), 1)
            self.assertIn(self.user_desk.email, mails.email_to)
            self.assertIn("Clinic «Old»", mails.body_html)
            self.assertIn("Wrong contact data", mails.body_html)
            self.assertIn("3.0", mails.body_html)  # average of 5 and 1
            self.assertIn(f"/odoo/crm.lead/{poor.id}", mails.body_html)
            # running it again that week sends nothing more
            self.env["crm.lead"]._cron_send_feedback_digest()
            self.assertEqual(Mail.search([]) - before, mails)
