# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The clicks of a hand-off, before and after routing, counted in the
browser (static/tests/tours/desk_routing_tour.js)."""

from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import ChromeBrowser

from .test_tours import PharmacyTourCase

#: Console message of desk_routing_tour.js reporting the clicks of a path.
CLICKS_SIGNAL = "pla_clicks:"


@tagged("post_install", "-at_install", "pla_tour", "pla_routing")
class TestDeskRoutingTour(PharmacyTourCase):
    """Three qualified clinic and doctor leads, routed to B2B Clinics, whose
    assignment suggests Ivan Petrov."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_team.assignment_domain = (
            "[('pharmacy_segment', 'in', ['clinic', 'doctor'])]"
        )
        cls.env["ir.config_parameter"].set_param("crm.lead.auto.assignment", True)
        for member in cls.sales_team.crm_team_member_ids:
            member.write(
                {
                    "assignment_max": 30,
                    "assignment_optout": member.user_id != cls.user_sales,
                }
            )
        cls.leads = (
            cls._tour_lead("Clinic «Health»: vaccines")
            | cls._tour_lead("Clinic «Vita»: first aid kits")
            | cls._tour_lead("Doctor Petrova: samples", pharmacy_segment="doctor")
        )

    def test_clicks_of_a_hand_off(self):
        desk_leads = self.leads.with_user(self.user_desk)
        self.assertEqual(desk_leads.mapped("suggested_team_id"), self.sales_team)
        self.assertEqual(desk_leads.mapped("suggested_user_id"), self.user_sales)
        clicks = {}
        original = ChromeBrowser._handle_console

        def handle_console(browser, *args, **kwargs):
            params = kwargs.get("args") or []
            value = params[0].get("value") if params else None
            if isinstance(value, str) and value.startswith(CLICKS_SIGNAL):
                path, count = value[len(CLICKS_SIGNAL) :].rsplit(":", 1)
                clicks[path] = int(count)
            return original(browser, *args, **kwargs)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self._start_tour("pla_desk_routing", "pla_desk")
        self.assertEqual(clicks, {"by hand": 8, "wizard": 4, "card": 1})
        for lead in self.leads.sudo():
            with self.subTest(lead=lead.name):
                self.assertEqual(lead.lifecycle_state, "handed_off")
                self.assertEqual(lead.team_id, self.sales_team)
                self.assertEqual(lead.user_id, self.user_sales)
                self.assertEqual(lead.sla_ids.policy_id, self.response_policy)
