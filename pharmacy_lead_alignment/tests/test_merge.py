# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.crm_lead_merge import AUDIT_MODELS
from ..models.pharmacy_audit_mixin import trusted
from .common import SEGMENT_CLINIC, PharmacyScenarioCommon

RUNS = "pharmacy.nurture.step.run"


class PharmacyMergeCommon(PharmacyScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_clinic = cls._fit_rule("Clinic", SEGMENT_CLINIC, 10)
        cls.rule_price_list = cls._engagement_rule(
            "Price list requested", 20, code="price_list_request"
        )
        calendar = cls._calendar("Around the clock", 0, 24, days=7)
        for kind, hours in (("sales_response", 2), ("sales_contact", 8)):
            cls._sla_policy(
                f"{kind} within {hours} hours",
                kind,
                user=cls.user_manager,
                hours=hours,
                calendar_id=calendar.id,
            )
        call = cls.env.ref("mail.mail_activity_data_call")
        # archived: its steps ran in the past, it enrols nobody in these tests
        cls.track = cls.env["pharmacy.nurture.track"].create(
            {
                "name": "Clinics",
                "active": False,
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "name": name,
                            "sequence": sequence,
                            "action": "activity",
                            "activity_type_id": call.id,
                        },
                    )
                    for sequence, name in enumerate(("Intro call", "Visit", "Offer"))
                ],
            }
        )
        cls.step_1, cls.step_2, cls.step_3 = cls.track.step_ids.sorted("sequence")
        cls.reason_wrong_contact = cls._reason("wrong_contact")

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _consent(self, lead, kind, user):
        return (
            self.env["pharmacy.lead.consent"]
            .with_user(user)
            .create(
                {
                    "lead_id": lead.id,
                    "kind": kind,
                    "source": "web_form",
                    "document_ref": f"Form of {lead.name}",
                }
            )
        )

    def _step_run(self, lead, step, result, days_ago, note=False):
        """What the hourly nurture action writes (it is tested on its own)."""
        return trusted(self.env[RUNS].sudo()).create(
            {
                "lead_id": lead.id,
                "step_id": step.id,
                "result": result,
                "date": fields.Datetime.now() - timedelta(days=days_ago),
                "note": note,
            }
        )

    def _records(self, leads):
        """``{model: ids}`` of every audit record of ``leads``."""
        return {
            model: set(
                self.env[model].sudo().search([("lead_id", "in", leads.ids)]).ids
            )
            for model in AUDIT_MODELS
        }

    def _merge_event(self, lead):
        return (
            lead.sudo()
            .lifecycle_event_ids.filtered(lambda e: e.from_state == e.to_state)
            .sorted("id")
        )


@tagged("post_install", "-at_install", "pla_merge")
class TestMerge(PharmacyMergeCommon):
    def test_wizard_merge_by_a_salesperson_moves_every_record(self):
        leads = self.env["crm.lead"]
        for name in ("Clinic A", "Clinic B", "Clinic C"):
            lead = self._accepted_lead(
                name=name, email_from="dup@clinic.ru", pharmacy_segment="clinic"
            )
            lead.with_user(self.user_sales).action_log_engagement("price_list_request")
            leads |= lead
        survivor = leads._sort_by_confidence_level(reverse=True)[0]
        tail_1, tail_2 = leads - survivor
        tails = [f"“{tail.name}” (#{tail.id})" for tail in (tail_1, tail_2)]
        # consents: the survivor has none, the duplicates have one each
        self._consent(tail_1, "processing", self.user_sales)
        self._consent(tail_2, "marketing", self.user_sales)
        self.assertFalse(survivor.processing_consent or survivor.marketing_consent)
        # step runs: the same steps ran for several duplicates
        self._step_run(survivor, self.step_1, "done", 10)
        self._step_run(tail_1, self.step_1, "done", 9)  # clashes: survivor's kept
        self._step_run(tail_1, self.step_2, "skipped", 5, note="no consent")
        self._step_run(tail_2, self.step_2, "done", 4)  # done beats skipped
        self._step_run(tail_2, self.step_3, "failed", 1)
        # the most urgent open clock is a duplicate's
        urgent = tail_2.sudo().sla_ids.filtered(lambda c: c.kind == "sales_contact")
        trusted(urgent).write({"deadline": fields.Datetime.now() + timedelta(hours=1)})
        self.assertNotEqual(survivor.sla_deadline, urgent.deadline)
        self.assertEqual(survivor.engagement_score, 20)

        before = self._records(leads)
        self.assertEqual(
            {model: len(ids) for model, ids in before.items()},
            {
                "pharmacy.lead.event": 12,  # inquiry, mql, handed off, accepted
                "pharmacy.lead.consent": 2,
                "pharmacy.lead.engagement": 3,
                "pharmacy.lead.sla": 6,  # response (met) and contact (running)
                RUNS: 5,
                "pharmacy.lead.feedback": 3,  # the accept reviews
            },
        )
        kept_runs = self.env[RUNS].sudo().browse(before[RUNS]) - (
            tail_1.sudo().nurture_run_ids
        )

        wizard = self._wizard_form("crm.merge.opportunity", self.user_sales, leads)
        self.assertEqual(len(wizard.opportunity_ids), 3)
        wizard.save().action_merge()

        self.assertEqual(leads.exists(), survivor)
        after = self._records(survivor)
        self.assertEqual(
            {model: len(ids) for model, ids in after.items()},
            {
                "pharmacy.lead.event": 13,  # and the merge
                "pharmacy.lead.consent": 2,
                "pharmacy.lead.engagement": 3,
                "pharmacy.lead.sla": 6,
                RUNS: 3,  # one per step; the 2 others are told in the merge event
                "pharmacy.lead.feedback": 3,
            },
        )
        for model in AUDIT_MODELS:
            with self.subTest(model=model):
                if model == RUNS:
                    self.assertEqual(after[model], set(kept_runs.ids))
                elif model == "pharmacy.lead.event":
                    self.assertEqual(
                        after[model] - before[model],
                        set(self._merge_event(survivor).ids),
                    )
                    self.assertTrue(before[model] <= after[model])
                else:
                    self.assertEqual(after[model], before[model])
        self.assertEqual(
            survivor.sudo().nurture_run_ids.mapped(lambda r: (r.step_id, r.result)),
            [(self.step_3, "failed"), (self.step_2, "done"), (self.step_1, "done")],
        )
        # the merge is logged, with what the runs not kept said
        event = self._merge_event(survivor)
        self.assertRecordValues(
            event,
            [
                {
                    "from_state": "accepted",
                    "to_state": "accepted",
                    "user_id": self.user_sales.id,
                    "team_id": self.sales_team.id,
                }
            ],
        )
        for tail in tails:
            self.assertIn(tail, event.reason)
        self.assertIn("Step “Intro call” (Clinics) also ran for", event.reason)
        self.assertIn("Step “Visit” (Clinics) also ran for", event.reason)
        self.assertIn("Skipped (no consent)", event.reason)
        # score, consents and SLA summary of the survivor are recomputed
        self.assertEqual(survivor.engagement_score, 60)
        self.assertEqual(survivor.lead_score, 70)
        self.assertTrue(survivor.processing_consent)
        self.assertTrue(survivor.marketing_consent)
        self.assertEqual(survivor.sla_state, "running")
        self.assertEqual(survivor.sla_deadline, urgent.deadline)

    def test_merge_of_desk_duplicates_keeps_reviews_and_clocks(self):
        leads = self.env["crm.lead"]
        for name in ("Doctor X", "Doctor X (web)"):
            # sent back by sales: a review and a clock, back in Inquiry
            lead = self._handed_off_lead(name=name, email_from="x@doctor.ru")
            lead.with_user(self.user_sales).action_review_reject(
                self.reason_wrong_contact.id, 1
            )
            lead.with_user(self.user_desk).action_log_engagement("price_list_request")
            self._consent(lead, "marketing", self.user_desk)
            leads |= lead
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"inquiry"})
        before = self._records(leads)
        self.assertEqual(len(before["pharmacy.lead.feedback"]), 2)
        self.assertEqual(len(before["pharmacy.lead.sla"]), 2)

        # as the automatic assignment does: merge, delete the duplicates later
        merged = leads.with_user(self.user_desk)._merge_opportunity(auto_unlink=False)
        tail = leads - merged
        self.assertTrue(tail.exists())
        # the survivor's all-time funnel reach follows the moves it received;
        # the duplicate, left without moves, reaches nothing (counts nowhere)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, funnel_first_level, funnel_last_level FROM crm_lead"
            " WHERE id IN %s",
            [tuple(leads.ids)],
        )
        self.assertEqual(
            {row[0]: row[1:] for row in self.env.cr.fetchall()},
            {merged.id: (0, 2), tail.id: (None, None)},
        )
        tail.sudo().unlink()  # nothing of it is left to keep

        after = self._records(merged)
        self.assertEqual(len(self._merge_event(merged)), 1)
        after["pharmacy.lead.event"] -= set(self._merge_event(merged).ids)
        self.assertEqual(after, before)
        self.assertRecordValues(
            self._merge_event(merged),
            [{"from_state": "inquiry", "to_state": "inquiry"}],
        )
        self.assertEqual(merged.engagement_score, 40)
        self.assertTrue(merged.marketing_consent)
        self.assertFalse(merged.sla_state, "both clocks were reached")

    def test_leads_of_different_companies_are_not_merged(self):
        lead = self._desk_lead(email_from="same@clinic.ru")
        other = (
            self.env["crm.lead"]
            .with_user(self.user_desk_other)
            .create({"name": "Same clinic", "email_from": "same@clinic.ru"})
        )
        self.assertEqual(other.company_id, self.other_company)
        events = self._records(lead | other)["pharmacy.lead.event"]
        with self.assertRaisesRegex(UserError, "different companies"):
            (lead | other)._merge_opportunity()
        self.assertEqual((lead | other).exists(), lead | other)
        self.assertEqual(self._records(lead | other)["pharmacy.lead.event"], events)

    def test_merge_without_the_flow_is_odoo_merge(self):
        Lead = self.env["crm.lead"].with_user(self.user_sales_manager)
        leads = Lead.create(
            [{"name": f"Retail {i}", "team_id": self.plain_team.id} for i in range(2)]
        )
        merged = leads._merge_opportunity()
        self.assertEqual(leads.exists(), merged)
        self.assertFalse(merged.lifecycle_state)
        self.assertFalse(merged.sudo().lifecycle_event_ids)
        # as Odoo's automatic assignment may, across companies
        other_team = self.env["crm.team"].create(
            {"name": "Other retail", "company_id": self.other_company.id}
        )
        leads = merged.sudo() | self.env["crm.lead"].create(
            {
                "name": "Retail elsewhere",
                "team_id": other_team.id,
                "company_id": self.other_company.id,
            }
        )
        self.assertTrue(leads._merge_opportunity(max_length=0).exists())

    def test_a_survivor_outside_the_flow_receives_the_records(self):
        accepted = self._accepted_lead(name="Clinic", email_from="c@clinic.ru")
        self._consent(accepted, "processing", self.user_sales)
        plain = self.env["crm.lead"].create(
            {
                "name": "Clinic (retail)",
                "email_from": "c@clinic.ru",
                "team_id": self.plain_team.id,
                "probability": 90,
            }
        )
        leads = accepted | plain
        self.assertEqual(leads._sort_by_confidence_level(reverse=True)[0], plain)
        self._step_run(plain, self.step_1, "done", 3)
        dropped = self._step_run(accepted, self.step_1, "skipped", 2)
        before = self._records(leads)
        merged = leads._merge_opportunity()
        self.assertEqual(merged, plain)
        self.assertFalse(accepted.exists())
        before[RUNS].remove(dropped.id)
        self.assertEqual(self._records(plain), before)
        self.assertFalse(plain.lifecycle_state, "no state: no merge event either")
        self.assertIn(
            "Step “Intro call” (Clinics) also ran for “Clinic”",
            plain.message_ids[0].body,
        )
        self.assertTrue(plain.processing_consent)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            plain.unlink()


@tagged("post_install", "-at_install", "pla_merge")
class TestDeletion(PharmacyMergeCommon):
    def test_leads_of_the_flow_are_archived_not_deleted(self):
        lead = self._desk_lead(name="Clinic «Health»")
        accepted = self._accepted_lead(name="Clinic «Care»")
        for user, record in (
            (self.user_manager, lead),
            (self.user_sales_manager, accepted),
            (self.env.user, lead.sudo()),
        ):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(
                    UserError, f"“{record.name}” cannot be deleted.*lost"
                ):
                    record.with_user(user).unlink()
        self.assertEqual((lead | accepted).exists(), lead | accepted)
        lead.with_user(self.user_desk).action_disqualify()
        self.assertEqual(lead.lifecycle_state, "disqualified")
        accepted.with_user(self.user_sales).action_set_lost()
        self.assertEqual(accepted.lifecycle_state, "lost")

    def test_a_consent_alone_keeps_a_lead(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_sales_manager)
            .create({"name": "Retail customer", "team_id": self.plain_team.id})
        )
        self.assertFalse(lead.lifecycle_state)
        self._consent(lead, "processing", self.user_sales_manager)
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            lead.with_user(self.user_sales_manager).unlink()

    def test_leads_without_the_flow_are_deleted_as_in_odoo(self):
        leads = (
            self.env["crm.lead"]
            .with_user(self.user_sales_manager)
            .create(
                [
                    {"name": "Retail customer", "team_id": self.plain_team.id},
                    {"name": "Walk-in", "team_id": self.plain_team.id},
                ]
            )
        )
        self.assertFalse(any(leads.mapped("lifecycle_state")))
        leads.with_user(self.user_sales_manager).unlink()
        self.assertFalse(leads.exists())
