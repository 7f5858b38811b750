# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import PharmacyLeadCommon


@tagged("post_install", "-at_install", "pla_lifecycle", "pla_security")
class TestSecurity(PharmacyLeadCommon):
    qualify_any_grade = True

    def test_record_rule_hides_desk_leads_from_sales_by_every_path(self):
        desk_leads = (
            self._desk_lead() | self._mql_lead() | self._desk_lead(name="Nurtured")
        )
        desk_leads[2].write({"lifecycle_state": "nurturing"})
        disqualified = self._desk_lead(name="Spam")
        disqualified.write({"lifecycle_state": "disqualified"})
        desk_leads |= disqualified
        domain = [("id", "in", desk_leads.ids)]
        for user in (self.user_sales, self.user_sales_all, self.user_sales_manager):
            Lead = self.env["crm.lead"].with_user(user)
            with self.subTest(user=user.login):
                self.assertFalse(Lead.search(domain))
                self.assertEqual(Lead.search_count(domain), 0)
                self.assertFalse(Lead.search_read(domain, ["name"]))
                self.assertFalse(Lead.read_group(domain, ["name"], ["team_id"]))
                self.assertFalse(Lead.name_search("Clinic"))
                with self.assertRaises(AccessError):
                    Lead.browse(desk_leads.ids).read(["name"])
                with self.assertRaises(AccessError):
                    Lead.browse(desk_leads.ids).unlink()
                events = self.env["pharmacy.lead.event"].with_user(user)
                self.assertFalse(events.search([("lead_id", "in", desk_leads.ids)]))
        for user in (self.user_desk, self.user_manager):
            Lead = self.env["crm.lead"].with_user(user)
            self.assertEqual(Lead.search_count(domain), 4)

    def test_salesperson_keeps_stock_visibility_of_handed_off_leads(self):
        mine = self._handed_off_lead()
        Lead = self.env["crm.lead"].with_user(self.user_sales)
        self.assertEqual(Lead.search([("id", "=", mine.id)]), mine)
        others = self._handed_off_lead(user=self.user_sales_all)
        self.assertFalse(
            Lead.search([("id", "=", others.id)]),
            "own-documents salesmen still see only their own leads",
        )

    def test_multi_company(self):
        lead = self._handed_off_lead()
        Event = self.env["pharmacy.lead.event"].with_user(self.user_desk_other)
        self.assertFalse(Event.search([("lead_id", "=", lead.id)]))
        with self.assertRaises(AccessError):
            lead.with_user(self.user_desk_other).read(["name"])
        other = (
            self.env["crm.lead"]
            .with_user(self.user_desk_other)
            .with_company(self.other_company)
            .create({"name": "Other company lead"})
        )
        self.assertEqual(
            Event.search([("lead_id", "=", other.id)]).company_id, self.other_company
        )
        self.assertFalse(
            self.env["pharmacy.lead.event"]
            .with_user(self.user_desk)
            .search([("lead_id", "=", other.id)])
        )

    def test_desk_team_must_be_a_marketing_team_of_the_company(self):
        with self.assertRaisesRegex(ValidationError, "Lead Desk"):
            self.company.lead_desk_team_id = self.sales_team
        with self.assertRaisesRegex(ValidationError, "belong"):
            self.company.lead_desk_team_id = self.other_desk
        with self.assertRaisesRegex(ValidationError, "lead desk"):
            self.desk_team.alignment_role = "sales"
        with self.assertRaisesRegex(ValidationError, "lead desk"):
            self.desk_team.alignment_role = False

    def test_settings_choose_the_desk(self):
        new_desk = self.env["crm.team"].create(
            {"name": "Second desk", "alignment_role": "marketing"}
        )
        settings = Form(self.env["res.config.settings"])
        settings.lead_desk_team_id = new_desk
        settings.save().execute()
        self.assertEqual(self.company.lead_desk_team_id, new_desk)
        lead = self.env["crm.lead"].create({"name": "After the switch"})
        self.assertEqual(lead.team_id, new_desk)

    def test_groups(self):
        self.assertTrue(self.user_desk.has_group("crm.group_use_lead"))
        self.assertTrue(
            self.user_desk.has_group("sales_team.group_sale_salesman_all_leads")
        )
        self.assertFalse(self.user_desk.has_group("sales_team.group_sale_manager"))
        self.assertTrue(
            self.user_manager.has_group("pharmacy_lead_alignment.group_alignment_desk")
        )
        self.assertTrue(self.user_manager.has_group("sales_team.group_sale_manager"))


@tagged("post_install", "-at_install", "pla_lifecycle", "pla_performance")
class TestQueryBudget(PharmacyLeadCommon):
    qualify_any_grade = True

    def test_lead_creation_adds_no_query_per_lead(self):
        Lead = self.env["crm.lead"].with_user(self.user_desk)
        Lead.create({"name": "warm-up"})  # fill ormcaches (groups, rules)
        one = self._count(lambda: Lead.create([{"name": "one"}]))
        many = self._count(
            lambda: Lead.create([{"name": f"lead {i}"} for i in range(40)])
        )
        # Stock CRM itself spends a few queries per lead (mail followers,
        # tracking…); what this module adds must not grow with the batch.
        Plain = self.env["crm.lead"].with_user(self.user_sales_manager)
        Plain.create({"name": "warm-up", "team_id": self.plain_team.id})
        stock_one = self._count(
            lambda: Plain.create([{"name": "one", "team_id": self.plain_team.id}])
        )
        stock_many = self._count(
            lambda: Plain.create(
                [
                    {"name": f"lead {i}", "team_id": self.plain_team.id}
                    for i in range(40)
                ]
            )
        )
        self.assertLessEqual(
            (many - one) - (stock_many - stock_one),
            3,
            f"desk creation: 1 lead={one}, 40 leads={many}; "
            f"stock: 1 lead={stock_one}, 40 leads={stock_many}",
        )

    def test_hand_off_of_a_batch_is_not_per_lead(self):
        leads = (
            self.env["crm.lead"]
            .with_user(self.user_desk)
            .create([{"name": f"lead {i}"} for i in range(30)])
        )
        leads.action_qualify()
        single = leads[:1]
        batch = leads[1:]
        one = self._count(lambda: single.handoff_to(self.sales_team.id))
        many = self._count(lambda: batch.handoff_to(self.sales_team.id))
        self.assertLessEqual(many - one, 6, f"1 lead={one}, 29 leads={many}")
