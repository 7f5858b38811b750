# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One month of known events, and the same figures on every surface: the
dashboard, the SLA ledger (its pivot totals included), the funnel report,
the digest, and the records each dashboard figure opens (tools.kpi)."""

from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_leadership import PharmacyLeadershipCommon

NOVEMBER = [("date", ">=", "2026-11-01"), ("date", "<", "2026-12-01")]


@tagged("post_install", "-at_install", "pla_leadership", "pla_figures")
class TestSameFigureEverywhere(PharmacyLeadershipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the corporate team is promised 20 leads a month, 50 % accepted
        cls._volume_policy("20 MQLs a month to corporate", 20, 50, cls.sales_team_2)
        cls.recycling = cls._reason("no_budget")
        cls.duplicate = cls._reason("duplicate")
        cls.no_contact = cls._reason("no_contact_sla")
        cls.user_sales.sale_team_id = cls.sales_team
        cls.sales_team_2.member_ids |= cls.user_sales_all

    def _hand(self, lead, team, user):
        lead.handoff_to(team.id, user_id=user.id)
        return lead

    def _month(self):
        """November: 5 leads handed off (one of them twice), 6 decisions, 4
        response clocks, one flag, one lead left in MQL."""
        team_a, team_b = self.sales_team, self.sales_team_2
        rep_a, rep_b = self.user_sales, self.user_sales_all
        with freeze_time("2026-11-02 09:00:00"):
            fast = self._hand(self._mql_lead(name="Fast"), team_a, rep_a)
            slow = self._hand(self._mql_lead(name="Slow"), team_a, rep_a)
            back = self._hand(self._mql_lead(name="Not now"), team_a, rep_a)
            corp_yes = self._hand(self._mql_lead(name="Corp yes"), team_b, rep_b)
            corp_no = self._hand(self._mql_lead(name="Corp no"), team_b, rep_b)
            self._mql_lead(name="Still MQL")
        with freeze_time("2026-11-02 10:00:00"):
            fast.with_user(rep_a).action_review_accept(rating=5)
            back.with_user(rep_a).action_review_reject(self.recycling.id, 2)
            corp_yes.with_user(rep_b).action_review_accept(rating=4)
            corp_no.with_user(rep_b).action_review_reject(self.duplicate.id, 1)
        with freeze_time("2026-11-02 16:00:00"):
            slow.with_user(rep_a).action_review_accept(rating=3)  # late
        with freeze_time("2026-11-09 09:00:00"):
            back.action_qualify()
            self._hand(back, team_a, rep_a)
        with freeze_time("2026-11-09 10:00:00"):
            back.with_user(rep_a).action_review_accept(rating=4)
        with freeze_time("2026-11-20 09:00:00"):
            slow.with_user(self.user_desk).action_flag_mishandled(self.no_contact.id)

    def test_same_figures_on_every_surface(self):
        self._month()
        with freeze_time("2026-11-25 12:00:00"):
            data = (
                self.env["pharmacy.alignment.dashboard"]
                .with_user(self.user_manager)
                .get_dashboard_data("month")
            )
        sales, marketing = data["sla"]["sales"], data["sla"]["marketing"]
        funnel = {row["key"]: row for row in data["funnel"]["all"]}

        # the figures, by their definitions (tools.kpi)
        self.assertEqual(marketing["handed_off"], 5, "the recycled lead counts once")
        self.assertEqual(funnel["handed_off"]["count"], marketing["handed_off"])
        self.assertEqual(marketing["volume_target"], 60, "40 + 20, each team's")
        self.assertEqual(marketing["attainment"], 8.3)
        self.assertEqual((marketing["accepted"], marketing["reviewed"]), (4, 6))
        self.assertEqual(marketing["acceptance_rate"], 66.7)
        self.assertEqual(marketing["acceptance_target"], 63.3, "(70×40 + 50×20) / 60")
        self.assertEqual(funnel["accepted"]["count"], marketing["accepted"])
        self.assertEqual((sales["met"], sales["breached"]), (3, 1))
        self.assertEqual(sales["rate"], 75.0)

        # the ledger: per team, and its total recomputed from the sums (as
        # the pivot asks for it), never the average of the teams' ratios
        Ledger = self.env["pharmacy.sla.report"].with_user(self.user_manager)
        measures = [
            "handed_off_count:sum",
            "volume_target:sum",
            "volume_attainment:avg",
            "acceptance_rate:avg",
            "met_rate:avg",
            "mishandled_count:sum",
        ]
        per_team = {
            team: values
            for team, *values in Ledger._read_group(NOVEMBER, ["team_id"], measures)
        }
        self.assertEqual(per_team[self.sales_team][:3], [3, 40, 7.5])
        self.assertEqual(per_team[self.sales_team_2][:3], [2, 20, 10.0])
        self.assertEqual(per_team[self.sales_team][3], 75.0)
        self.assertEqual(per_team[self.sales_team_2][3], 50.0)
        # what the pivot's total row reads (web read_group, no groupby)
        [total] = Ledger.read_group(NOVEMBER, measures, [])
        self.assertEqual(total["handed_off_count"], marketing["handed_off"])
        self.assertEqual(total["volume_target"], marketing["volume_target"])
        self.assertEqual(round(total["volume_attainment"], 1), marketing["attainment"])
        self.assertNotEqual(round(total["volume_attainment"], 1), (7.5 + 10.0) / 2)
        self.assertEqual(
            round(total["acceptance_rate"], 1), marketing["acceptance_rate"]
        )
        self.assertNotEqual(round(total["acceptance_rate"], 1), (75.0 + 50.0) / 2)
        self.assertEqual(round(total["met_rate"], 1), sales["rate"])
        self.assertEqual(total["mishandled_count"], 1)

        # the digest of November
        digest = (
            self.env["digest.digest"]
            .create({"name": "Head's monthly", "company_id": self.company.id})
            .with_user(self.user_manager)
            .with_context(
                start_datetime=datetime(2026, 11, 1),
                end_datetime=datetime(2026, 12, 1),
            )
        )
        self.assertEqual(digest.kpi_pla_handed_off_value, marketing["handed_off"])
        self.assertEqual(digest.kpi_pla_acceptance_value, marketing["acceptance_rate"])
        self.assertEqual(digest.kpi_pla_sla_sales_value, sales["rate"])
        self.assertEqual(digest.kpi_pla_sla_marketing_value, marketing["attainment"])

        # every figure opens as many records as it counts
        def opened(item, domain_key="domain"):
            return (
                self.env[item["res_model"]]
                .with_user(self.user_manager)
                .search_count(item[domain_key])
            )

        for row in data["funnel"]["all"]:
            self.assertEqual(opened(row), row["count"], row["key"])
        self.assertEqual(opened(sales), sales["clocks"])
        self.assertEqual(opened(sales, "met_domain"), sales["met"])
        self.assertEqual(opened(sales, "breached_domain"), sales["breached"])
        self.assertEqual(opened(marketing), marketing["handed_off"])
        self.assertEqual(opened(marketing, "reviewed_domain"), marketing["reviewed"])
        for rejection in data["rejections"]:
            self.assertEqual(opened(rejection), rejection["count"])
        for row in data["velocity"]:
            self.assertEqual(opened(row), row["count"], row["key"])

        # one team: the same rules, narrowed
        with freeze_time("2026-11-25 12:00:00"):
            corporate = (
                self.env["pharmacy.alignment.dashboard"]
                .with_user(self.user_manager)
                .get_dashboard_data("month", self.sales_team_2.id)
            )
        self.assertEqual(corporate["sla"]["marketing"]["handed_off"], 2)
        self.assertEqual(corporate["sla"]["marketing"]["volume_target"], 20)
        self.assertEqual(corporate["sla"]["marketing"]["acceptance_rate"], 50.0)

    def test_logged_reach_equals_the_log_replayed(self):
        """The stages a move reached first, set when it is logged
        (tools.kpi.first_reached), are what replaying the log in SQL gives
        (the upgrade of a database with moves logged before them)."""
        self._month()
        Event = self.env["pharmacy.lead.event"]
        events = Event.search([])
        logged = {e.id: (e.reach_from, e.reach_to) for e in events}
        self.assertIn((2, 2), logged.values(), "hand-offs reached Handed Off")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE pharmacy_lead_event SET reach_from = NULL, reach_to = NULL"
        )
        Event._backfill_reach()
        events.invalidate_recordset()
        self.assertEqual({e.id: (e.reach_from, e.reach_to) for e in events}, logged)

    def test_lead_funnel_reach_equals_its_moves(self):
        """The all-time reach kept on each lead, widened as its moves are
        logged, is what its moves give (and what the backfill of an
        upgraded database sets); nobody writes it by hand."""
        self._month()
        Lead = self.env["crm.lead"].with_context(active_test=False)
        leads = Lead.search([("lifecycle_event_ids", "!=", False)])
        self.assertGreater(len(leads), 3)

        def from_moves():
            result = {}
            for lead in leads:
                moves = lead.sudo().lifecycle_event_ids.filtered(
                    lambda event: event.reach_to >= 0
                )
                result[lead.id] = (
                    (min(moves.mapped("reach_from")), max(moves.mapped("reach_to")))
                    if moves
                    else (0, 0)  # an empty integer column reads 0
                )
            return result

        def kept():
            leads.invalidate_recordset()
            return {
                lead.id: (lead.funnel_first_level, lead.funnel_last_level)
                for lead in leads
            }

        expected = from_moves()
        self.assertIn(2, {last for _first, last in expected.values()})
        self.assertEqual(kept(), expected)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET funnel_first_level = NULL, funnel_last_level = NULL"
        )
        Lead._pla_backfill_funnel_levels()
        self.assertEqual(kept(), expected)
        with self.assertRaisesRegex(UserError, "computes these fields"):
            leads.with_user(self.user_manager).write({"funnel_last_level": 6})

    def test_default_period_has_data(self):
        self._month()
        Dashboard = self.env["pharmacy.alignment.dashboard"].with_user(self.user_desk)
        with freeze_time("2026-12-01 08:00:00"):
            data = Dashboard.get_dashboard_data()
        self.assertEqual(data["period"]["key"], "last_month")
        self.assertEqual(data["period"]["date_from"], "2026-11-01")
        self.assertEqual(data["sla"]["marketing"]["handed_off"], 5)
        with freeze_time("2026-11-25 08:00:00"):
            self.assertEqual(Dashboard.get_dashboard_data()["period"]["key"], "month")
            picked = Dashboard.get_dashboard_data("last_month")
        self.assertEqual(picked["period"]["date_from"], "2026-10-01")
        self.assertEqual(picked["sla"]["marketing"]["handed_off"], 0)
