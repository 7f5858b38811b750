# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The browser flows of each role, as tours (static/tests/tours/).

Each tour may ask for a screenshot of its key step (``screenshot(name)`` in
``pla_tour_utils.js``): the test hears the request on the browser console,
saves the page under ``<screenshots>/<db>/screenshots/pla_<file>_*.png`` (the
``screenshots`` option of Odoo's config) and lets the tour go on. (Odoo 18
closes the browser when ``start_tour`` returns, hence pictures taken during
the tour.) ``scripts/screenshots`` copies them to docs/screenshots/.
"""

import json
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import PharmacyLeadCommon

#: Console message of pla_tour_utils.js asking for a screenshot.
SCREENSHOT_SIGNAL = "pla_screenshot:"
#: The lead every flow works on, as the tours name it.
LEAD_NAME = "Clinic «Health»: vaccines"


class PharmacyTourMixin:
    """Runs a tour and saves the screenshots it asks for."""

    #: Wide enough for the form and its notebook, like a laptop screen.
    browser_size = "1440x900"

    def _start_tour(self, tour, login, screenshots=None, url="/odoo"):
        """Run ``tour`` as ``login`` and save its screenshots.

        :param dict screenshots: ``{name asked by the tour: file stem}``; the
            file is ``pla_<stem>_<date>_<test class>.png``. Every one must be
            taken, and the tour may ask for no other.
        """
        screenshots = screenshots or {}
        taken = []
        original = ChromeBrowser._handle_console

        def handle_console(browser, *args, **kwargs):
            params = kwargs.get("args") or []
            value = params[0].get("value") if params else None
            if (
                kwargs.get("type") == "log"
                and isinstance(value, str)
                and value.startswith(SCREENSHOT_SIGNAL)
            ):
                self._take_screenshot(
                    browser, value[len(SCREENSHOT_SIGNAL) :], screenshots, taken
                )
            return original(browser, *args, **kwargs)

        with patch.object(ChromeBrowser, "_handle_console", handle_console):
            self.start_tour(url, tour, login=login)
        self.env.invalidate_all()  # the browser wrote through its own cursor
        self.assertEqual(
            sorted(taken),
            sorted(screenshots),
            "The tour took other screenshots than the test expects",
        )

    @staticmethod
    def _take_screenshot(browser, name, screenshots, taken):
        """Capture the page, then mark the body so the tour goes on.

        Runs in the browser's websocket thread: it must not wait for the
        capture, so the rest is done in the callbacks of its future (Odoo's
        own callback writes the file first, then ours marks the body).
        """
        stem = screenshots.get(name, f"unexpected_{name}")
        future = browser.take_screenshot(prefix=f"pla_{stem}_")

        def mark_done(done):
            if done.exception() is None:
                taken.append(name)
            browser._websocket_send(
                "Runtime.evaluate",
                params={
                    "expression": "document.body.dataset.plaScreenshot = "
                    + json.dumps(name)
                },
            )

        future.add_done_callback(mark_done)


class PharmacyTourCase(PharmacyTourMixin, PharmacyLeadCommon, HttpCase):
    """The role users of PharmacyLeadCommon with readable names, the scoring
    rules and the response SLA every flow sees, and lead factories."""

    archive_defaults = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_desk.name = "Marina Sokolova"
        cls.user_sales.name = "Ivan Petrov"
        cls.user_manager.name = "Olga Smirnova"

        Rule = cls.env["pharmacy.scoring.rule"]
        cls.rule_clinic = Rule.create(
            {
                "name": "Segment: clinic",
                "sequence": 10,
                "domain": "[('pharmacy_segment', '=', 'clinic')]",
                "points": 30,
            }
        )
        cls.rule_decision_maker = Rule.create(
            {
                "name": "Decision maker (chief physician, director)",
                "sequence": 20,
                "domain": "['|', ('function', 'ilike', 'chief'), "
                "('function', 'ilike', 'director')]",
                "points": 20,
            }
        )
        cls.rule_email = Rule.create(
            {
                "name": "E-mail address given",
                "sequence": 30,
                "domain": "[('email_from', '!=', False)]",
                "points": 5,
            }
        )

        calendar = cls._calendar("Around the clock", 0, 24, days=7)
        cls.response_policy = cls._sla_policy(
            "Answer within 8 hours", "sales_response", hours=8, calendar_id=calendar.id
        )

    @classmethod
    def _tour_lead(cls, name=LEAD_NAME, **vals):
        """A desk lead that matches the three fit rules (30 + 20 + 5 = 55
        points) and is Marketing Qualified."""
        lead = (
            cls.env["crm.lead"]
            .with_user(cls.user_desk)
            .create(
                {
                    "name": name,
                    "partner_name": "Clinic «Health»",
                    "contact_name": "Anna Volkova",
                    "function": "Chief physician",
                    "email_from": "a.volkova@clinic-health.example.com",
                    "pharmacy_segment": "clinic",
                    **vals,
                }
            )
        )
        if lead.lifecycle_state != "mql":  # may qualify on its own score
            lead.action_qualify()
        return lead

    @classmethod
    def _tour_handed_off_lead(cls, name=LEAD_NAME, **vals):
        lead = cls._tour_lead(name, **vals)
        lead.handoff_to(cls.sales_team.id, user_id=cls.user_sales.id)
        return lead


@tagged("post_install", "-at_install", "pla_tour")
class TestDeskTour(PharmacyTourCase):
    """The lead desk qualifies, explains and hands off."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls._tour_lead()
        cls.env["crm.lead"].with_user(cls.user_desk).create(
            {
                "name": "Pharmacy chain «Vita»: first aid kits",
                "pharmacy_segment": "other",
            }
        )

    def test_desk_reads_score_and_hands_off(self):
        self.assertEqual(self.lead.lead_score, 55)
        self._start_tour(
            "pla_desk_handoff",
            "pla_desk",
            screenshots={"desk_score_breakdown": "desk_score_breakdown"},
        )
        lead = self.lead.sudo()
        self.assertEqual(lead.lifecycle_state, "handed_off")
        self.assertEqual(lead.team_id, self.sales_team)
        self.assertEqual(lead.user_id, self.user_sales)
        self.assertEqual(lead.sla_state, "running")
        self.assertEqual(lead.sla_ids.policy_id, self.response_policy)


class SalesTourCommon(PharmacyTourCase):
    """Two leads handed off to the sales rep, each with a running response
    clock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls._tour_handed_off_lead()
        cls.other_lead = cls._tour_handed_off_lead(
            "Care home «Sunny»",
            partner_name="Care home «Sunny»",
            contact_name="Pavel Orlov",
            function="Director",
            email_from="director@sunny.example.com",
            pharmacy_segment="care_home",
        )
        cls.reason = cls._reason("wrong_contact")

    def _review_rejected_from_card(self, tour, screenshot, comment):
        self.assertEqual(self.lead.sla_state, "running")
        self._start_tour(tour, "pla_sales", screenshots={"sales_review": screenshot})
        lead = self.lead.sudo()
        self.assertEqual(lead.lifecycle_state, "inquiry", "back at the desk")
        self.assertEqual(lead.team_id, self.desk_team)
        self.assertFalse(lead.user_id)
        review = self.env["pharmacy.lead.feedback"].search([("lead_id", "=", lead.id)])
        self.assertEqual(len(review), 1)
        self.assertRecordValues(
            review,
            [
                {
                    "direction": "sales",
                    "verdict": "reject",
                    "reason_id": self.reason.id,
                    "rating": 3,  # the third star
                    "comment": comment,
                    "user_id": self.user_sales.id,
                    "team_id": self.sales_team.id,
                    "handoff_user_id": self.user_desk.id,
                }
            ],
        )
        self.assertEqual(
            lead.sla_ids.filtered(lambda c: c.kind == "sales_response").state,
            "met",
        )
        self.assertEqual(self.other_lead.sudo().lifecycle_state, "handed_off")


@tagged("post_install", "-at_install", "pla_tour")
class TestSalesTour(SalesTourCommon):
    """A sales rep rejects a lead from its kanban card."""

    def test_sales_rejects_from_card(self):
        self._review_rejected_from_card(
            "pla_sales_review",
            "sales_review_from_card",
            "The phone number belongs to another clinic.",
        )


@tagged("post_install", "-at_install", "pla_tour")
class TestSalesTourRussian(SalesTourCommon):
    """The same review, by a sales rep who works in Russian."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("ru_RU")
        # the CRM menus too, so that the whole screen is in Russian
        cls.env["ir.module.module"]._load_module_terms(
            ["sales_team", "crm", "pharmacy_lead_alignment"], ["ru_RU"], overwrite=True
        )
        cls.user_sales.lang = "ru_RU"

    def test_sales_rejects_from_card_in_russian(self):
        self._review_rejected_from_card(
            "pla_sales_review_ru",
            "sales_review_ru",
            "Телефон принадлежит другой клинике.",
        )


@tagged("post_install", "-at_install", "pla_tour")
class TestManagerTour(PharmacyTourCase):
    """The Alignment Manager re-weights a fit rule; leads are re-scored."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lead = cls._tour_lead()

    def test_manager_changes_rule_points(self):
        self.assertEqual(self.lead.lead_score, 55)
        self._start_tour(
            "pla_manager_rescore",
            "pla_manager",
            screenshots={"manager_rule_rescored": "manager_rule_rescored"},
        )
        self.assertEqual(self.rule_clinic.points, 40)
        self.assertEqual(self.lead.lead_score, 65)
        self.assertEqual(self.lead.fit_score, 65)


@tagged("post_install", "-at_install", "pla_tour")
class TestHeadTour(PharmacyTourMixin, HttpCase):
    """The head of the pharmacy, in a real browser."""

    #: Tall enough for the dashboard's first two rows of tiles.
    browser_size = "1440x1300"

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
        company = cls.env.company
        desk = Team.create(
            {
                "name": "Tour Desk",
                "alignment_role": "marketing",
                "company_id": company.id,
                "member_ids": [(6, 0, cls.head.ids)],
            }
        )
        rep = mail_new_test_user(
            cls.env,
            login="pla_tour_rep",
            name="Tour Rep",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        sales = Team.create(
            {
                "name": "Tour Sales",
                "alignment_role": "sales",
                "company_id": company.id,
                "member_ids": [(6, 0, rep.ids)],
            }
        )
        company.lead_desk_team_id = desk
        # not a scenario about grades: the head qualifies leads of any grade
        company.lead_mql_min_grade = "d"
        # a response clock for every hand-off, so that the SLA tile has figures
        cls.env["pharmacy.sla.policy"].create(
            {
                "name": "Answer within 8 working hours",
                "kind": "sales_response",
                "team_ids": [(6, 0, sales.ids)],
                "hours": 8,
            }
        )
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
            # the receiving team decides, never the side that handed it off
            lead.with_user(rep).action_review_accept(rating=4)
            lead.with_user(rep).action_set_won()
        # a rejection, so that the rejection tile has something to show
        rejected = Lead.create({"name": "Clinic 3", "campaign_id": campaign.id})
        rejected.action_qualify()
        rejected.handoff_to(sales.id)
        rejected.with_user(rep).action_review_reject(
            cls.env.ref("pharmacy_lead_alignment.feedback_reason_wrong_contact").id,
            2,
        )
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

    def test_head_clicks_every_figure(self):
        """Each figure opens a list with that many rows (tools.kpi)."""
        self.start_tour(
            "/odoo/action-pharmacy_lead_alignment.pharmacy_alignment_dashboard_action",
            "pla_dashboard_figures",
            login="pla_head",
        )

    def test_head_dashboard_screenshot(self):
        self._start_tour(
            "pla_head_dashboard_screenshot",
            "pla_head",
            screenshots={"head_dashboard": "head_dashboard"},
        )
