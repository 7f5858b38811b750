# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rule and threshold changes show at once without clearing Odoo's caches."""

from unittest.mock import patch

from odoo.modules.registry import Registry
from odoo.tests import Form, tagged

from ..models.res_company import RULES_VERSION_SEQUENCE
from .test_scoring import PharmacyScoringCommon


@tagged("post_install", "-at_install", "pla_scoring")
class TestScoringCaches(PharmacyScoringCommon):
    def test_renaming_a_rule_shows_in_the_reasons(self):
        lead = self._desk_lead(pharmacy_segment="clinic")
        self.assertEqual(lead.score_summary, "Clinic +40")
        self.rule_clinic.with_user(self.user_manager).name = "Clinic segment"
        lead.invalidate_recordset(["score_summary"])
        self.assertEqual(lead.score_summary, "Clinic segment +40")

    def test_new_activity_signal_is_heard_at_once(self):
        lead = self._desk_lead()
        meeting = self.env.ref("mail.mail_activity_data_meeting")
        self.rule_call.with_user(self.user_manager).activity_type_id = meeting
        activity = lead.activity_schedule(
            "mail.mail_activity_data_meeting", user_id=self.user_desk.id
        )
        activity.with_user(self.user_desk).action_feedback()
        self.assertEqual(lead.engagement_ids.rule_id, self.rule_call)

    def _fit_points(self):
        """``{rule id: points}`` of the company's fit rules, as cached."""
        rules = self.env["pharmacy.scoring.rule"]._fit_rules_data(self.company.id)
        return {rule_id: points for rule_id, _domain, points in rules}

    def test_rule_and_threshold_writes_keep_odoo_caches(self):
        """Rules and thresholds change without dropping every ormcache of
        every worker (access rights, record rules, xmlids…)."""
        lead = self._desk_lead(pharmacy_segment="clinic")
        Rule = self.env["pharmacy.scoring.rule"].with_user(self.user_manager)
        # stock settings create their missing parameters on the first save
        Form(self.env["res.config.settings"]).save().execute()
        with patch.object(Registry, "clear_cache") as clear_cache:
            self.rule_clinic.with_user(self.user_manager).write(
                {"points": 45, "name": "Clinic segment", "sequence": 5}
            )
            rule = Rule.create(
                {
                    "name": "Pharmacist",
                    "domain": "[('function', 'ilike', 'pharmacist')]",
                    "company_id": self.company.id,
                }
            )
            rule.action_archive()
            rule.unlink()
            self.rule_call.with_user(self.user_manager).activity_type_id = self.env.ref(
                "mail.mail_activity_data_meeting"
            )
            self.company.write({"lead_warm_threshold": 20, "lead_hot_threshold": 60})
            wizard = Form(
                self.env["pharmacy.scoring.settings"].with_user(self.user_manager)
            )
            wizard.lead_mql_threshold = 70
            wizard.save().action_save()
            settings = Form(self.env["res.config.settings"])
            settings.lead_grade_a_threshold = 60
            settings.save().execute()
        clear_cache.assert_not_called()
        lead.invalidate_recordset()
        self.assertEqual(lead.score_summary, "Clinic segment +45")
        self.assertEqual(lead.temperature, "warm")

    def test_changed_rule_scores_at_once(self):
        """A rule's new points and name show on the next scoring and score
        summary, in the same transaction."""
        lead = self._desk_lead(pharmacy_segment="clinic")
        self.assertEqual(lead.score_summary, "Clinic +40")
        self.assertEqual(self._fit_points()[self.rule_clinic.id], 40)
        self.rule_clinic.with_user(self.user_manager).with_context(
            pla_defer_rescore=True
        ).write({"points": 45, "name": "Clinic segment"})
        self.assertEqual(self._fit_points()[self.rule_clinic.id], 45)
        other = self._desk_lead(name="Another clinic", pharmacy_segment="clinic")
        self.assertEqual(other.fit_score, 45)
        self.assertEqual(other.score_summary, "Clinic segment +45")
        lead.invalidate_recordset(["score_summary"])
        self.assertEqual(lead.score_summary, "Clinic segment +40", "not re-scored")
        lead._pla_rescore()
        lead.invalidate_recordset()
        self.assertEqual(lead.score_summary, "Clinic segment +45")

    def test_another_workers_rule_change_is_seen(self):
        """What another worker committed reaches this one's cache through the
        company's rules version, read in the same snapshot as the rules:
        no registry reload, no cache clearing."""
        self.assertEqual(self._fit_points()[self.rule_clinic.id], 40)
        # the other worker's transaction, as this one sees it once committed
        self.env.cr.execute(
            "UPDATE pharmacy_scoring_rule SET points = 45 WHERE id = %s",
            [self.rule_clinic.id],
        )
        self.env.cr.execute(
            "UPDATE res_company SET lead_rules_version = nextval(%s)",
            [RULES_VERSION_SEQUENCE],
        )
        self.env.invalidate_all()  # a new transaction: an empty record cache
        with patch.object(Registry, "clear_cache") as clear_cache:
            self.assertEqual(self._fit_points()[self.rule_clinic.id], 45)
        clear_cache.assert_not_called()

    def test_rolled_back_change_leaves_no_trace(self):
        """What a rolled back change cached is never read again: its
        versions are never drawn again."""
        rule = self.rule_clinic.with_context(pla_defer_rescore=True)
        self.assertEqual(self._fit_points()[rule.id], 40)
        with self.assertRaises(RuntimeError):  # in a savepoint, rolled back
            rule.points = 45
            self.assertEqual(self._fit_points()[rule.id], 45)
            raise RuntimeError("rolled back")
        self.assertEqual(self._fit_points()[rule.id], 40)
        rule.points = 50
        self.assertEqual(self._fit_points()[rule.id], 50)


@tagged("post_install", "-at_install", "pla_scoring")
class TestRuleMatching(PharmacyScoringCommon):
    def test_one_pass_sql_agrees_with_the_orm(self):
        """The rules decided in one SELECT match what Odoo's own search and
        filtered_domain say, for every kind of condition."""
        tag = self.env["crm.tag"].create({"name": "Delivery area"})
        country = self.env.ref("base.ru")
        partner = self.env["res.partner"].create(
            {"name": "Clinic partner", "country_id": country.id}
        )
        Rule = self.env["pharmacy.scoring.rule"]
        rules = Rule.create(
            [
                {"name": "Tag", "domain": f"[('tag_ids', 'in', [{tag.id}])]"},
                {
                    "name": "Partner country",
                    "domain": (f"[('partner_id.country_id', '=', {country.id})]"),
                },
                {"name": "No phone", "domain": "[('phone', '=', False)]"},
                {"name": "Everything", "domain": "[]", "applies_to_all": True},
                {"name": "Nothing", "domain": "[('id', 'in', [])]"},
                {
                    "name": "Or",
                    "domain": (
                        "['|', ('function', 'ilike', 'chief'), "
                        "('email_from', '=ilike', '%@gmail.com')]"
                    ),
                },
            ]
        )
        leads = (
            self.env["crm.lead"]
            .with_user(self.user_desk)
            .create(
                [
                    {"name": "A", "tag_ids": [(6, 0, tag.ids)], "phone": "+7 1"},
                    {"name": "B", "partner_id": partner.id, "function": "Chief"},
                    {"name": "C", "email_from": "c@gmail.com"},
                    {"name": "D", "phone": "+7 2"},
                ]
            )
            .sudo()
        )
        data = [
            row for row in Rule._fit_rules_data(self.company.id) if row[0] in rules.ids
        ]
        self.env.invalidate_all()
        in_sql = leads._pla_match_rules(data, in_memory=False)
        in_memory = leads._pla_match_rules(data, in_memory=True)
        by_search = {}
        for rule in rules:
            for lead in leads.search(rule._parse_domain() + [("id", "in", leads.ids)]):
                by_search.setdefault(lead.id, []).append(rule.id)
        for lead in leads:
            with self.subTest(lead=lead.name):
                expected = sorted(by_search.get(lead.id, []))
                self.assertEqual(sorted(in_sql.get(lead.id, [])), expected)
                self.assertEqual(sorted(in_memory.get(lead.id, [])), expected)
        self.assertIn(rules[0].id, in_sql[leads[0].id])
        self.assertIn(rules[1].id, in_sql[leads[1].id])
        self.assertNotIn(rules[4].id, in_sql.get(leads[0].id, []))
