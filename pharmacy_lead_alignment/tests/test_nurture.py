# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import PharmacyLeadCommon
from .test_scoring import PharmacyScoringCommon


class PharmacyNurtureCommon(PharmacyScoringCommon):
    qualify_any_grade = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Partnership offer",
                "model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "subject": "Partnership with our pharmacy",
                "body_html": "<p>Dear {{ object.contact_name }}, …</p>",
                "email_to": "{{ object.email_from }}",
            }
        )
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        Track = cls.env["pharmacy.nurture.track"]
        cls.track_clinics = Track.create(
            {
                "name": "Clinics and doctors",
                "sequence": 1,
                "domain": "[('pharmacy_segment', 'in', ['clinic', 'doctor'])]",
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Intro call",
                            "sequence": 1,
                            "wait_days": 0,
                            "action": "activity",
                            "activity_type_id": cls.call.id,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "name": "Offer",
                            "sequence": 2,
                            "wait_days": 7,
                            "action": "email",
                            "mail_template_id": cls.template.id,
                        },
                    ),
                ],
            }
        )
        cls.track_all = cls._call_track(
            "Everyone else", "Check in", wait_days=3, sequence=5, domain="[]"
        )

    def _consent(self, lead, kind="marketing"):
        return self.env["pharmacy.lead.consent"].create(
            {
                "lead_id": lead.id,
                "kind": kind,
                "source": "web_form",
                "document_ref": "Form #42",
            }
        )

    def _run(self):
        self.env["crm.lead"]._cron_run_nurture_steps()


@tagged("post_install", "-at_install", "pla_nurture")
class TestNurture(PharmacyNurtureCommon):
    def test_enrolment_on_arrival_by_priority(self):
        with freeze_time("2026-11-02"):
            doctor = self._desk_lead(pharmacy_segment="doctor")  # 0 pts: below MQL
            patient = self._desk_lead(pharmacy_segment="patient")
        self.assertEqual(doctor.lifecycle_state, "nurturing")
        self.assertEqual(doctor.nurture_track_id, self.track_clinics)
        self.assertEqual(doctor.nurture_state, "running")
        self.assertEqual(doctor.nurture_step_id.name, "Intro call")
        self.assertEqual(doctor.nurture_next_date, date(2026, 11, 2))
        self.assertEqual(patient.nurture_track_id, self.track_all)
        self.assertEqual(patient.nurture_next_date, date(2026, 11, 5))
        self.assertEqual(self._events(doctor)[-1], ("inquiry", "nurturing"))
        self.assertEqual(self.track_clinics.enrolled_count, 1)

    def test_qualified_arrivals_are_not_nurtured(self):
        lead = self._desk_lead(pharmacy_segment="clinic", function="chief")  # 65
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertFalse(lead.nurture_state)

    def test_steps_run_once_then_complete(self):
        with freeze_time("2026-11-02"):
            lead = self._desk_lead(pharmacy_segment="doctor", email_from="d@x.ru")
            self._consent(lead)
            self._run()
            self.assertEqual(len(lead.activity_ids), 1)
            self.assertEqual(lead.nurture_step_id.name, "Offer")
            self.assertEqual(lead.nurture_next_date, date(2026, 11, 9))
            self._run()  # a re-run the same day does nothing twice
            self.assertEqual(len(lead.activity_ids), 1)
        with freeze_time("2026-11-09"):
            mails = self.env["mail.mail"].search_count([])
            self._run()
            self.assertEqual(self.env["mail.mail"].search_count([]), mails + 1)
            self.assertEqual(lead.nurture_state, "completed")
            self.assertEqual(lead.lifecycle_state, "nurturing")
            self.assertEqual(lead.nurture_run_ids.mapped("result"), ["done", "done"])

    def test_email_needs_marketing_consent(self):
        with freeze_time("2026-11-02"):
            lead = self._desk_lead(pharmacy_segment="doctor", email_from="d@x.ru")
            self._run()
        with freeze_time("2026-11-09"):
            mails = self.env["mail.mail"].search_count([])
            self._run()
            self.assertEqual(self.env["mail.mail"].search_count([]), mails)
            run = lead.nurture_run_ids.filtered(lambda r: r.step_id.name == "Offer")
            self.assertEqual(run.result, "skipped")
            self.assertIn("consent", run.note)
            self.assertEqual(lead.nurture_state, "completed", "the lead moves on")

    def test_withdrawn_consent_and_blacklist(self):
        with freeze_time("2026-11-02"):
            lead = self._desk_lead(pharmacy_segment="doctor", email_from="b@x.ru")
            consent = self._consent(lead)
            self.assertTrue(lead.marketing_consent)
            consent.action_withdraw()
            self.assertFalse(lead.marketing_consent)
            self.assertTrue(consent.withdrawn_on, "the history is kept")
            self._consent(lead)
            self.env["mail.blacklist"].sudo()._add("b@x.ru")
            self._run()
        with freeze_time("2026-11-09"):
            self._run()
        run = lead.nurture_run_ids.filtered(lambda r: r.step_id.name == "Offer")
        self.assertEqual(run.result, "skipped")
        self.assertIn("blacklisted", run.note)

    def test_prescription_content_never_reaches_patients(self):
        self.track_all.step_ids.prescription_content = True
        with freeze_time("2026-11-02"):
            patient = self._desk_lead(pharmacy_segment="patient")
        with freeze_time("2026-11-05"):
            self._run()
        self.assertFalse(patient.activity_ids)
        self.assertEqual(patient.nurture_run_ids.result, "skipped")
        self.assertIn("prescription", patient.nurture_run_ids.note)

    def test_a_failing_lead_does_not_stop_the_others(self):
        with freeze_time("2026-11-02"):
            leads = self._desk_leads(3, "Doctor", pharmacy_segment="doctor")
            bad = leads[1]
            original = type(leads)._pla_nurture_perform

            def perform(records, step):
                if bad in records:
                    raise ValueError("template broken")
                return original(records, step)

            with patch.object(type(leads), "_pla_nurture_perform", perform):
                self._run()
            self.assertEqual(len((leads - bad).activity_ids), 2)
            self.assertEqual(bad.nurture_run_ids.result, "failed")
            self.assertIn("template broken", bad.message_ids[0].body)
            self.assertEqual(bad.nurture_step_id.name, "Offer", "it moves on")

    def test_crash_half_way_never_runs_a_step_twice(self):
        with freeze_time("2026-11-02"):
            leads = self._desk_leads(2, "Doctor", pharmacy_segment="doctor")

            def crash_after_the_steps(records, today):
                raise KeyboardInterrupt  # the worker dies before committing

            with self.assertRaises(KeyboardInterrupt):
                with self.env.cr.savepoint():
                    with patch.object(
                        type(leads), "_pla_nurture_advance", crash_after_the_steps
                    ):
                        self._run()
            self.env.invalidate_all()
            self.assertFalse(leads.activity_ids, "the crashed batch was rolled back")
            self._run()
            self._run()
            for lead in leads:
                self.assertEqual(len(lead.activity_ids), 1)

    def test_reaching_mql_graduates(self):
        lead = self._desk_lead(pharmacy_segment="doctor")
        self.assertEqual(lead.nurture_state, "running")
        self.rule_clinic.with_user(
            self.user_manager
        ).domain = "[('pharmacy_segment', 'in', ['clinic', 'doctor'])]"
        lead.action_log_engagement("price_list_request")  # 40 + 20
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertEqual(lead.nurture_state, "graduated")
        self.assertFalse(lead.nurture_step_id)
        self.assertEqual(self.track_clinics.graduated_count, 1)

    def test_desk_pauses_resumes_moves_and_removes(self):
        lead = self._desk_lead(pharmacy_segment="patient")
        lead.action_nurture_pause()
        self.assertEqual(lead.nurture_state, "paused")
        lead.action_nurture_resume()
        self.assertEqual(lead.nurture_state, "running")
        lead.nurture_track_id = self.track_clinics
        lead.action_nurture_enrol()
        self.assertEqual(lead.nurture_step_id.name, "Intro call")
        lead.action_nurture_remove()
        self.assertEqual(lead.nurture_state, "dropped")
        with self.assertRaises(AccessError):
            lead.with_user(self.user_sales).action_nurture_pause()

    def test_removing_from_the_track_cancels_its_step_activities(self):
        """The activity a step gave the desk asks for the track's work: out
        of the track, it no longer applies. A person's own activity stays."""
        with freeze_time("2026-11-02"):
            lead = self._desk_lead(pharmacy_segment="doctor", email_from="d@x.ru")
            self._consent(lead)
            self._run()
        step_activity = lead.activity_ids
        self.assertEqual(len(step_activity), 1, "the intro call of the track")
        # as a person schedules one in the chatter (not automated)
        own = (
            self.env["mail.activity"]
            .with_user(self.user_desk)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": lead.id,
                    "activity_type_id": step_activity.activity_type_id.id,
                    "summary": "Send the brochure by hand",
                    "user_id": self.user_desk.id,
                }
            )
        )
        lead.with_user(self.user_desk).action_nurture_remove()
        self.assertEqual(lead.nurture_state, "dropped")
        self.assertFalse(step_activity.exists(), "cancelled with the track")
        self.assertEqual(lead.activity_ids, own)

    def test_other_company_tracks_do_not_apply(self):
        self.track_all.company_id = self.other_company
        lead = self._desk_lead(pharmacy_segment="patient")
        self.assertFalse(lead.nurture_state)
        self.assertEqual(lead.lifecycle_state, "inquiry")


@tagged("post_install", "-at_install", "pla_nurture")
class TestRecycle(PharmacyNurtureCommon):
    def test_recycle_with_a_date(self):
        with freeze_time("2026-11-02"):
            lead = self._handed_off_lead(pharmacy_segment="patient")
            lead.with_user(self.user_sales).action_recycle(
                "Supplier contract ends in March", recycle_date="2027-03-01"
            )
            self.assertEqual(lead.lifecycle_state, "nurturing")
            self.assertEqual(lead.team_id, self.desk_team)
            self.assertFalse(lead.user_id)
            self.assertEqual(lead.recycle_count, 1)
            self.assertEqual(lead.nurture_state, "paused")
            self.assertEqual(lead.nurture_next_date, date(2027, 3, 1))
            self.assertEqual(self._events(lead)[-1], ("handed_off", "nurturing"))
            event = lead.sudo().lifecycle_event_ids.sorted("id")[-1]
            self.assertEqual(event.reason, "Supplier contract ends in March")
            self._run()
            self.assertEqual(lead.nurture_state, "paused")
        with freeze_time("2027-03-01"):
            self._run()
            self.assertEqual(lead.nurture_state, "running")
            self.assertEqual(lead.nurture_track_id, self.track_all)
            self.assertFalse(lead.recycle_date)

    def test_recycle_without_a_date_enrols_at_once(self):
        lead = self._handed_off_lead(pharmacy_segment="doctor")
        lead.with_user(self.user_sales).action_recycle("No budget this quarter")
        self.assertEqual(lead.nurture_state, "running")
        self.assertEqual(lead.nurture_track_id, self.track_clinics)
        self.assertFalse(
            self.env["crm.lead"]
            .with_user(self.user_sales)
            .search([("id", "=", lead.id)]),
            "back with the desk: sales no longer see it",
        )

    def test_recycle_needs_a_reason_and_a_handed_off_lead(self):
        lead = self._handed_off_lead()
        with self.assertRaisesRegex(UserError, "why"):
            lead.with_user(self.user_sales).action_recycle("  ")
        accepted = self._accepted_lead()
        with self.assertRaisesRegex(UserError, "handed-off"):
            accepted.with_user(self.user_sales).action_recycle("Not ready")


@tagged("post_install", "-at_install", "pla_nurture", "pla_security")
class TestNurtureConfiguration(PharmacyNurtureCommon):
    def test_access(self):
        self.assertTrue(
            self.env["pharmacy.nurture.track"].with_user(self.user_sales).search([])
        )
        with self.assertRaises(AccessError):
            self.track_all.with_user(self.user_sales).name = "Mine"
        self.track_all.with_user(self.user_desk).name = "Everyone"
        self.assertFalse(
            self.env["pharmacy.nurture.track"]
            .with_user(self.user_desk_other)
            .with_company(self.other_company)
            .search([])
        )

    def test_invalid_configuration(self):
        Track = self.env["pharmacy.nurture.track"].with_user(self.user_desk)
        with self.assertRaisesRegex(ValidationError, "no step"):
            Track.create({"name": "Empty"})
        with self.assertRaisesRegex(ValidationError, "negative"):
            self.track_all.step_ids.with_user(self.user_desk).wait_days = -1
        partner_template = self.env["mail.template"].create(
            {"name": "Partner", "model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        with self.assertRaisesRegex(ValidationError, "not for leads"):
            self.track_all.step_ids.with_user(self.user_desk).write(
                {"action": "email", "mail_template_id": partner_template.id}
            )
        with self.assertRaisesRegex(ValidationError, "not a valid filter"):
            self.track_all.with_user(self.user_desk).domain = "[('nope', '=', 1)]"
        with self.assertRaisesRegex(ValidationError, "hot"):
            self.company.lead_hot_threshold = 10

    def test_temperature(self):
        lead = self._desk_lead(pharmacy_segment="patient")
        self.assertEqual(lead.temperature, "cold")
        lead.action_log_engagement("price_list_request")
        lead.action_log_engagement("price_list_request")
        self.assertEqual(lead.lead_score, 40)
        lead.invalidate_recordset(["temperature"])
        self.assertEqual(lead.temperature, "hot")
        self.company.lead_hot_threshold = 50
        lead.invalidate_recordset(["temperature"])
        self.assertEqual(lead.temperature, "warm")


@tagged("post_install", "-at_install", "pla_nurture")
class TestPharmacyDefaults(PharmacyLeadCommon):
    def test_default_tracks_and_rules(self):
        tracks = self.env["pharmacy.nurture.track"].search(
            [
                (
                    "id",
                    "in",
                    [
                        self.env.ref(f"pharmacy_lead_alignment.nurture_track_{name}").id
                        for name in ("clinics", "corporate", "franchise")
                    ],
                )
            ]
        )
        self.assertEqual(len(tracks), 3)
        for track in tracks:
            self.assertTrue(3 <= len(track.step_ids) <= 5, track.name)
            emails = track.step_ids.filtered(lambda s: s.action == "email")
            self.assertTrue(emails)
            self.assertEqual(set(emails.mail_template_id.mapped("model")), {"crm.lead"})
        english = self.env.ref(
            "pharmacy_lead_alignment.nurture_track_clinics"
        ).with_context(lang="en_US")
        self.assertEqual(english.name, "Clinics and doctors: partnership")
        rules = self.env["pharmacy.scoring.rule"].search([])
        self.assertGreaterEqual(len(rules.filtered(lambda r: r.category == "fit")), 10)
        self.assertGreaterEqual(
            len(rules.filtered(lambda r: r.category == "engagement")), 6
        )

    def test_a_default_track_nurtures_a_clinic(self):
        lead = self._desk_lead(pharmacy_segment="clinic", email_from="c@clinic.ru")
        self.assertEqual(
            lead.nurture_track_id,
            self.env.ref("pharmacy_lead_alignment.nurture_track_clinics"),
        )
        self.env["pharmacy.lead.consent"].create(
            {"lead_id": lead.id, "kind": "marketing", "source": "paper"}
        )
        mails = self.env["mail.mail"].search_count([])
        self.env["crm.lead"]._cron_run_nurture_steps()
        self.assertEqual(self.env["mail.mail"].search_count([]), mails + 1)
        mail = self.env["mail.mail"].search([], order="id desc", limit=1)
        self.assertIn("pharmacy partner", mail.subject)


@tagged("post_install", "-at_install", "pla_nurture", "pla_security")
class TestConsentAndRunAccess(PharmacyNurtureCommon):
    def test_consents_by_role_and_company(self):
        lead = self._handed_off_lead()
        Consent = self.env["pharmacy.lead.consent"]
        consent = Consent.with_user(self.user_sales).create(
            {
                "lead_id": lead.id,
                "kind": "processing",
                "source": "phone",
                "document_ref": "Call 27.11",
            }
        )
        self.assertTrue(lead.processing_consent)
        with self.assertRaises(AccessError):
            consent.with_user(self.user_sales).unlink()
        consent.with_user(self.user_sales).action_withdraw()
        self.assertFalse(lead.processing_consent)
        self.assertFalse(
            Consent.with_user(self.user_desk_other)
            .with_company(self.other_company)
            .search([("lead_id", "=", lead.id)])
        )
        desk_lead = self._desk_lead()
        self._consent(desk_lead)
        self.assertFalse(
            Consent.with_user(self.user_sales).search([("lead_id", "=", desk_lead.id)]),
            "sales do not see the consents of desk leads",
        )
        with self.assertRaisesRegex(UserError, "stays withdrawn"):
            consent.write({"withdrawn_on": "2000-01-01"})
        again = self._consent(lead)
        with self.assertRaises(ValidationError):
            again.write({"withdrawn_on": "2000-01-01"})
        # a consent is evidence: never edited, moved or deleted, by anybody
        for user in (self.user_sales, self.user_manager):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, "kept"):
                    again.with_user(user).write({"lead_id": desk_lead.id})
                with self.assertRaisesRegex(UserError, "kept"):
                    again.with_user(user).write({"document_ref": "forged"})
                with self.assertRaises(AccessError):
                    again.with_user(user).unlink()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            again.sudo().unlink()

    def test_step_runs_are_read_only_below_manager(self):
        with freeze_time("2026-11-02"):
            lead = self._desk_lead(pharmacy_segment="doctor")
            self._run()
        run = lead.nurture_run_ids
        self.assertTrue(run.with_user(self.user_desk).read(["result"]))
        with self.assertRaises(AccessError):
            run.with_user(self.user_desk).write({"result": "failed"})
        self.assertFalse(
            self.env["pharmacy.nurture.step.run"]
            .with_user(self.user_sales)
            .search([("lead_id", "=", lead.id)])
        )
        self.assertFalse(
            self.env["pharmacy.nurture.step.run"]
            .with_user(self.user_desk_other)
            .with_company(self.other_company)
            .search([("lead_id", "=", lead.id)])
        )
