# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two runs of the same scheduled action at once (two Odoo servers, or a
manual "Run" beside the scheduler) share the work: neither fails, nothing is
done twice (the harness is in ``cron_common.py``)."""

from datetime import datetime, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from ..models import crm_team
from ..models.crm_lead_feedback import DIGEST_PARAM
from ..models.crm_lead_scoring import SCORING_CURSOR_PARAM
from .cron_common import CronConcurrencyCase


@tagged("post_install", "-at_install", "pla_cron")
class TestCronConcurrency(CronConcurrencyCase):
    # ------------------------------------------------------------
    # nurture
    # ------------------------------------------------------------

    def _nurture_leads(self, count):
        def build(env):
            track = env["pharmacy.nurture.track"].browse(self.track_id)
            leads = self._make_leads(env, env["crm.team"].browse(self.team_id), count)
            self._set_lead_columns(
                env,
                leads,
                lifecycle_state="nurturing",
                nurture_state="running",
                nurture_track_id=track.id,
                nurture_step_id=track.step_ids.sorted("sequence")[0].id,
                nurture_next_date=fields.Date.today() - timedelta(days=1),
            )
            return leads

        with self.registry.cursor() as cr:
            Lead = self._env(cr)["crm.lead"]
            today = fields.Date.context_today(Lead)
            self._skip_if(
                Lead.search_count(
                    [
                        ("lifecycle_state", "=", "nurturing"),
                        "|",
                        "&",
                        ("nurture_state", "=", "running"),
                        ("nurture_next_date", "<=", today),
                        "&",
                        ("nurture_state", "=", "paused"),
                        ("recycle_date", "<=", today),
                    ]
                ),
                "leads with a nurture step due",
            )
        return self._commit_data(build)

    def _assert_nurtured_once(self, lead_ids):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            leads = env["crm.lead"].browse(lead_ids)
            track = env["pharmacy.nurture.track"].browse(self.track_id)
            first, second = track.step_ids.sorted("sequence")
            runs = env["pharmacy.nurture.step.run"].search(
                [("lead_id", "in", lead_ids)]
            )
            self.assertEqual(sorted(runs.lead_id.ids), sorted(lead_ids))
            self.assertEqual(set(runs.mapped("result")), {"done"})
            self.assertEqual(runs.step_id, first)
            activities = env["mail.activity"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "in", lead_ids)]
            )
            self.assertEqual(
                sorted(activities.mapped("res_id")),
                sorted(lead_ids),
                "one activity per lead",
            )
            self.assertEqual(leads.nurture_step_id, second)

    def test_nurture_runs_share_the_leads(self):
        lead_ids = self._nurture_leads(10)
        hook = self._wait_for_each_other("crm.lead", "_pla_nurture_run_due_steps")
        results, done = self._run_shared("_cron_run_nurture_steps", hook, 10)
        self.assertEqual(
            [batches[0][0] for batches in results],
            [3, 3],
            "both first batches worked at once, on different leads",
        )
        self.assertTrue(all(done))
        self._assert_nurtured_once(lead_ids)
        value, done, remaining = self._run_once("_cron_run_nurture_steps")
        self.assertEqual((done, remaining), (0, 0), "a third run finds nothing")
        self._assert_nurtured_once(lead_ids)

    def test_nurture_run_with_an_older_snapshot_yields(self):
        lead_ids = self._nurture_leads(4)
        self._assert_stale_run_yields(
            "_cron_run_nurture_steps", "it left the committed leads alone"
        )
        self._assert_nurtured_once(lead_ids)

    # ------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------

    def _breached_clocks(self, lead_count):
        """A clock past its deadline per lead, and a second one on the first
        two leads (two clocks of a lead must be handled by one run)."""
        deadline = fields.Datetime.now() - timedelta(hours=1)

        def build(env):
            team = env["crm.team"].browse(self.team_id)
            policy = env["pharmacy.sla.policy"].browse(self.policy_id)
            leads, _clocks = self._make_handed_off(
                env, team, policy, lead_count, deadline
            )
            self._make_clocks(env, leads[:2], policy, team, deadline)
            return leads

        with self.registry.cursor() as cr:
            self._skip_if(
                self._sla_work_due(self._env(cr), fields.Datetime.now()),
                "SLA clocks with work due",
            )
        return self._commit_data(build)

    def _assert_breached_once(self, lead_ids, clock_count):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            clocks = env["pharmacy.lead.sla"].search([("lead_id", "in", lead_ids)])
            self.assertEqual(len(clocks), clock_count)
            self.assertEqual(set(clocks.mapped("state")), {"breached"})
            self.assertEqual(set(clocks.mapped("escalation_level")), {1})
            activities = env["mail.activity"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "in", lead_ids)]
            )
            self.assertEqual(len(activities), clock_count, "one warning per clock")
            self.assertEqual(
                activities.user_id, env.ref("base.user_admin"), "the team leader"
            )
            messages = env["mail.message"].search(
                [("model", "=", "crm.lead"), ("res_id", "in", lead_ids)]
            )
            notes = sum(message.body.count("SLA breached") for message in messages)
            self.assertEqual(notes, clock_count, "one breach note per clock")
            followers = env["mail.followers"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "in", lead_ids)]
            )
            self.assertEqual(len(followers), len(lead_ids))

    def test_sla_runs_share_the_clocks(self):
        lead_ids = self._breached_clocks(8)  # 10 clocks
        hook = self._wait_for_each_other("crm.lead", "_pla_sla_breach")
        results, done = self._run_shared("_cron_check_sla", hook, 10)
        self.assertTrue(all(done), "both runs took a share")
        self._assert_breached_once(lead_ids, 10)
        value, done, remaining = self._run_once("_cron_check_sla")
        self.assertEqual((done, remaining), (0, 0), "a third run finds nothing")
        self._assert_breached_once(lead_ids, 10)

    def test_sla_run_with_an_older_snapshot_yields(self):
        lead_ids = self._breached_clocks(4)  # 6 clocks
        self._assert_stale_run_yields(
            "_cron_check_sla", "it left the committed clocks alone"
        )
        self._assert_breached_once(lead_ids, 6)

    # ------------------------------------------------------------
    # adoption
    # ------------------------------------------------------------

    def _unadopted_leads(self, count):
        """Leads of a team that got its role with too many leads to adopt in
        the request: they wait for the scheduled action."""

        def build(env):
            team = env["crm.team"].create({"name": "PLA cron test chain"})
            self.addCleanup(self._delete_team, team.id)
            leads = self._make_leads(env, team, count)
            with (
                patch.object(crm_team, "ADOPT_SYNC_LIMIT", 0),
                patch.object(type(env["ir.cron"]), "_trigger", autospec=True),
            ):
                team.alignment_role = "sales"
            return leads

        with self.registry.cursor() as cr:
            self._skip_if(
                self._env(cr)["crm.lead"]
                .with_context(active_test=False)
                .search_count(
                    [
                        ("team_id.alignment_role", "!=", False),
                        ("lifecycle_state", "=", False),
                    ]
                ),
                "leads waiting to join the flow",
            )
        return self._commit_data(build)

    def _delete_team(self, team_id):
        self._delete_test_data()  # its leads and their events first
        with self.registry.cursor() as cr:
            self._env(cr)["crm.team"].browse(team_id).unlink()

    def _assert_adopted_once(self, lead_ids):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            leads = env["crm.lead"].browse(lead_ids)
            self.assertEqual(set(leads.mapped("lifecycle_state")), {"accepted"})
            events = env["pharmacy.lead.event"].search([("lead_id", "in", lead_ids)])
            self.assertEqual(len(events), len(lead_ids), "one event per lead")

    def test_adoption_runs_share_the_leads(self):
        lead_ids = self._unadopted_leads(10)
        hook = self._wait_for_each_other("crm.lead", "_pla_adopt")
        results, done = self._run_shared("_cron_adopt_leads", hook, 10)
        self.assertTrue(all(done), "both runs took a share")
        self._assert_adopted_once(lead_ids)
        value, done, remaining = self._run_once("_cron_adopt_leads")
        self.assertEqual((done, remaining), (0, 0), "a third run finds nothing")

    def test_adoption_run_with_an_older_snapshot_yields(self):
        lead_ids = self._unadopted_leads(4)
        self._assert_stale_run_yields(
            "_cron_adopt_leads", "it left the committed leads alone"
        )
        self._assert_adopted_once(lead_ids)

    # ------------------------------------------------------------
    # scoring
    # ------------------------------------------------------------

    def _flow_leads(self, count):
        def build(env):
            env["ir.config_parameter"].set_param(SCORING_CURSOR_PARAM, "2000-01-01:0")
            leads = self._make_leads(
                env,
                env["crm.team"].browse(self.team_id),
                count,
                pharmacy_segment="doctor",
                email_from="doctor@clinic.example.com",
            )
            self._set_lead_columns(env, leads, lifecycle_state="inquiry")
            return leads

        with self.registry.cursor() as cr:
            Lead = self._env(cr)["crm.lead"]
            self._skip_if(
                Lead.search_count(Lead._pla_scoring_domain()), "leads in the flow"
            )
        return self._commit_data(build)

    def _assert_scored(self, lead_ids):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            leads = env["crm.lead"].browse(lead_ids)
            self.assertEqual(set(leads.mapped("fit_score")), {20})
            today = fields.Date.context_today(leads)
            self.assertEqual(set(leads.mapped("score_date")), {today})
            self.assertEqual(
                env["crm.lead"]._pla_read_param(SCORING_CURSOR_PARAM),
                f"{fields.Date.to_string(today)}:{max(lead_ids)}",
            )

    def test_scoring_second_run_returns_at_once(self):
        lead_ids = self._flow_leads(7)
        hook = self._hold_until_other_returns("crm.lead", "_pla_rescore")
        results, done = self._run_shared("_cron_rescore_leads", hook, 7)
        self.assertIn(0, done, "the second run left the work to the first")
        idle = results[done.index(0)]
        self.assertEqual(idle, [(0, 7)], "it says how much remains, honestly")
        self._assert_scored(lead_ids)
        value, done, remaining = self._run_once("_cron_rescore_leads")
        self.assertEqual((done, remaining), (0, 0), "a third run finds nothing")

    def test_scoring_run_with_an_older_snapshot_yields(self):
        lead_ids = self._flow_leads(4)
        self._assert_stale_run_yields(
            "_cron_rescore_leads", "it left the work to the committed run"
        )
        self._assert_scored(lead_ids)

    # ------------------------------------------------------------
    # weekly digest
    # ------------------------------------------------------------

    def test_digest_is_sent_once(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            today = fields.Date.context_today(env["crm.lead"])
            week_start = today - relativedelta(days=today.weekday())
            period_start = week_start - relativedelta(weeks=1)
            env.cr.execute(
                SQL(
                    "SELECT count(*) FROM pharmacy_lead_feedback"
                    " WHERE direction = 'sales' AND date >= %s AND date < %s",
                    period_start,
                    week_start,
                )
            )
            self._skip_if(env.cr.fetchone()[0], "reviews of last week")

        def build(env):
            env["ir.config_parameter"].set_param(DIGEST_PARAM, "2000-01-03")
            admin = env.ref("base.user_admin")
            leads = self._make_leads(env, env["crm.team"].browse(self.team_id), 3)
            when = datetime.combine(period_start, datetime.min.time())
            for index, lead in enumerate(leads):
                env.cr.execute(
                    SQL(
                        "INSERT INTO pharmacy_lead_feedback (lead_id, lead_name,"
                        " direction, verdict, rating, user_id, handoff_user_id,"
                        " company_id, date) VALUES"
                        " (%s, %s, 'sales', 'accept', 4, %s, %s, %s, %s)",
                        lead.id,
                        lead.name,
                        admin.id,
                        admin.id,
                        lead.company_id.id or env.company.id,
                        when + timedelta(days=2, hours=index),
                    )
                )
            return leads

        self._commit_data(build)
        results = self._run_together(
            "_cron_send_feedback_digest",
            hook=self._hold_until_other_returns("mail.template", "send_mail"),
        )
        self.assertEqual(
            sorted(value for values in results for value in values),
            [False, True],
            "one run sent the digest, the other found the week taken",
        )
        value, done, remaining = self._run_once("_cron_send_feedback_digest")
        self.assertFalse(value, "a third run sends nothing")
        with self.registry.cursor() as cr:
            env = self._env(cr)
            mails = env["mail.mail"].search(
                [
                    ("id", ">=", self.first_mail_id),
                    ("subject", "like", "Sales feedback on your leads"),
                ]
            )
            self.assertEqual(len(mails), 1, "one digest to the desk member")
            self.assertEqual(
                env["crm.lead"]._pla_read_param(DIGEST_PARAM),
                fields.Date.to_string(period_start),
            )
