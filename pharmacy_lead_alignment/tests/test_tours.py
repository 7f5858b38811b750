# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install", "pla_tour")
class TestHeadTour(HttpCase):
    """The head of the pharmacy, in a real browser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.head = mail_new_test_user(
            cls.env,
            login="pla_head",
            name="Head of the Pharmacy",
            groups="base.group_user,pharmacy_lead_alignment.group_alignment_manager",
        )
        Team = cls.env["crm.team"]
        desk = Team.create(
            {
                "name": "Tour Desk",
                "alignment_role": "marketing",
                "member_ids": [(6, 0, cls.head.ids)],
            }
        )
        sales = Team.create({"name": "Tour Sales", "alignment_role": "sales"})
        cls.env.company.lead_desk_team_id = desk
        campaign = cls.env["utm.campaign"].create({"title": "Flu season"})
        cls.env["pharmacy.marketing.cost"].create(
            {"campaign_id": campaign.id, "amount": 1000}
        )
        Lead = cls.env["crm.lead"].with_user(cls.head)
        for index in range(3):
            lead = Lead.create(
                {
                    "name": f"Clinic {index}",
                    "campaign_id": campaign.id,
                    "expected_revenue": 5000,
                }
            )
            lead.action_qualify()
            lead.handoff_to(sales.id)
            lead.action_review_accept(rating=4)
            lead.action_set_won()
        pmap = (
            cls.env["pharmacy.process.map"]
            .with_user(cls.head)
            .create(
                {
                    "name": "How a lead becomes a customer",
                    "step_ids": [
                        (0, 0, {"lifecycle_state": "inquiry", "name": "Inquiry"}),
                        (0, 0, {"lifecycle_state": "mql", "name": "Qualified"}),
                    ],
                }
            )
        )
        pmap.action_publish()

    def test_head_opens_dashboard_and_map(self):
        self.start_tour(
            "/odoo/action-pharmacy_lead_alignment.pharmacy_alignment_dashboard_action",
            "pla_head_dashboard",
            login="pla_head",
        )
