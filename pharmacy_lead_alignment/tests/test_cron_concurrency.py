# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two runs of the same scheduled action at once (two Odoo servers, or a
manual "Run" beside the scheduler) share the work: neither fails, nothing is
done twice.

The runs are real: two threads, each with its own cursor on the database,
call the job as ``ir.cron`` does (a progress record per batch, a commit after
each, up to ten batches while work remains). Their data must be committed for
the other cursor to see it, so this class creates it in its own cursor and
deletes it again by SQL (leads with lifecycle rows refuse ``unlink``) in a
cleanup that runs even when a test fails. Every record the jobs could pick up
is the test's own, so leftovers of other tests are no concern, and a test is
skipped when the database holds due work of its own (a committed run would
process it).
"""

import threading
from contextlib import nullcontext
from datetime import datetime, timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL

from ..models import crm_team
from ..models.crm_lead_feedback import DIGEST_PARAM
from ..models.crm_lead_scoring import SCORING_CURSOR_PARAM

#: As ``ir.cron._run_job``: at most this many batches per run.
MAX_BATCHES = 10
#: Seconds a thread waits for the other one before the test fails.
TIMEOUT = 30
#: The scheduled action of each job (``ir.cron`` progress is kept per action).
CRONS = {
    "_cron_rescore_leads": "pharmacy_lead_alignment.ir_cron_rescore_leads",
    "_cron_run_nurture_steps": "pharmacy_lead_alignment.ir_cron_run_nurture_steps",
    "_cron_check_sla": "pharmacy_lead_alignment.ir_cron_check_sla",
    "_cron_send_feedback_digest": "pharmacy_lead_alignment.ir_cron_feedback_digest",
    "_cron_adopt_leads": "pharmacy_lead_alignment.ir_cron_adopt_leads",
}
LEAD_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}


class CronDataMixin:
    """What the scheduled actions work on, built in a given environment."""

    @classmethod
    def _make_team(cls, env):
        return env["crm.team"].create(
            {
                "name": "PLA cron test team",
                "user_id": env.ref("base.user_admin").id,
            }
        )

    @classmethod
    def _make_policy(cls, env, team):
        return env["pharmacy.sla.policy"].create(
            {
                "name": "PLA cron test: answer within 2 hours",
                "kind": "sales_response",
                "team_ids": [(6, 0, team.ids)],
                "hours": 2,
                "escalation_delay": 4,
                "active": False,
            }
        )

    @classmethod
    def _make_track(cls, env):
        todo = env.ref("mail.mail_activity_data_todo")
        step = {
            "action": "activity",
            "activity_type_id": todo.id,
            "assign_to": "user",
            "user_id": env.ref("base.user_admin").id,
        }
        return env["pharmacy.nurture.track"].create(
            {
                "name": "PLA cron test track",
                "active": False,
                "step_ids": [
                    (0, 0, dict(step, name="PLA call", sequence=1, wait_days=0)),
                    (0, 0, dict(step, name="PLA visit", sequence=2, wait_days=7)),
                ],
            }
        )

    @classmethod
    def _make_leads(cls, env, team, count, **vals):
        return (
            env["crm.lead"]
            .with_context(**LEAD_CONTEXT)
            .create(
                [
                    {
                        "name": f"PLA cron test lead {index}",
                        "type": "lead",
                        "team_id": team.id,
                        **vals,
                    }
                    for index in range(count)
                ]
            )
        )

    @classmethod
    def _set_lead_columns(cls, env, leads, **values):
        """Put leads in a state behind the ORM's back (no transition, no
        side effect): only the scheduled action is under test."""
        env.flush_all()
        env.cr.execute(
            SQL(
                "UPDATE crm_lead SET %s WHERE id = ANY(%s)",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(name), value)
                    for name, value in values.items()
                ),
                leads.ids,
            )
        )
        env.invalidate_all()

    @classmethod
    def _make_clocks(cls, env, leads, policy, team, deadline):
        return (
            env["pharmacy.lead.sla"]
            .sudo()
            .create(
                [
                    {
                        "lead_id": lead.id,
                        "policy_id": policy.id,
                        "kind": "sales_response",
                        "team_id": team.id,
                        "start": deadline - timedelta(hours=2),
                        "deadline": deadline,
                        "company_id": lead.company_id.id or env.company.id,
                    }
                    for lead in leads
                ]
            )
        )

    @classmethod
    def _make_handed_off(cls, env, team, policy, count, deadline):
        """``count`` leads handed off to ``team``, their response clock due
        at ``deadline``: ``(leads, clocks)``."""
        leads = cls._make_leads(env, team, count)
        cls._set_lead_columns(env, leads, lifecycle_state="handed_off")
        return leads, cls._make_clocks(env, leads, policy, team, deadline)

    @classmethod
    def _sla_work_due(cls, env, now):
        return env["crm.lead"]._pla_sla_remaining(now)


@tagged("post_install", "-at_install", "pla_cron")
class TestCronConcurrency(CronDataMixin, BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(
                SQL(
                    "SELECT key, value FROM ir_config_parameter WHERE key IN %s",
                    (SCORING_CURSOR_PARAM, DIGEST_PARAM),
                )
            )
            cls.saved_params = dict(cr.fetchall())
            cr.execute("SELECT COALESCE(max(id), 0) FROM mail_mail")
            cls.first_mail_id = cr.fetchone()[0] + 1
            cls.team_id = cls._make_team(env).id
            cls.addClassCleanup(cls._delete_class_data)
            cr.commit()  # pylint: disable=invalid-commit
            team = env["crm.team"].browse(cls.team_id)
            cls.policy_id = cls._make_policy(env, team).id
            cls.track_id = cls._make_track(env).id
            cr.commit()  # pylint: disable=invalid-commit

    @classmethod
    def _delete_class_data(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute(
                SQL(
                    "DELETE FROM mail_message WHERE id IN"
                    " (SELECT mail_message_id FROM mail_mail WHERE id >= %s)",
                    cls.first_mail_id,
                )
            )
            cr.execute(
                SQL(
                    "DELETE FROM ir_config_parameter WHERE key IN %s",
                    (SCORING_CURSOR_PARAM, DIGEST_PARAM),
                )
            )
            for key, value in cls.saved_params.items():
                cr.execute(
                    SQL(
                        "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)",
                        key,
                        value,
                    )
                )
            if getattr(cls, "track_id", None):
                env["pharmacy.nurture.track"].browse(cls.track_id).unlink()
            if getattr(cls, "policy_id", None):
                env["pharmacy.sla.policy"].browse(cls.policy_id).unlink()
            env["crm.team"].browse(cls.team_id).unlink()
            env.registry.clear_cache()

    def setUp(self):
        super().setUp()
        self.lead_ids = []
        self.progress_ids = []
        self.addCleanup(self._delete_test_data)

    def _delete_test_data(self):
        """Delete the test's leads and what hangs on them, in dependency
        order, by SQL: leads with lifecycle rows refuse ``unlink``."""
        with self.registry.cursor() as cr:
            if self.progress_ids:
                cr.execute(
                    SQL(
                        "DELETE FROM ir_cron_progress WHERE id = ANY(%s)",
                        self.progress_ids,
                    )
                )
            if not self.lead_ids:
                return
            ids = self.lead_ids
            for table in ("mail_activity", "mail_followers"):
                cr.execute(
                    SQL(
                        "DELETE FROM %s WHERE res_model = 'crm.lead'"
                        " AND res_id = ANY(%s)",
                        SQL.identifier(table),
                        ids,
                    )
                )
            cr.execute(
                SQL(
                    "DELETE FROM mail_message WHERE model = 'crm.lead'"
                    " AND res_id = ANY(%s)",
                    ids,
                )
            )
            # every table whose rows keep a lead from being deleted
            cr.execute(
                """
                SELECT cls.relname, att.attname
                  FROM pg_constraint con
                  JOIN pg_class cls ON cls.oid = con.conrelid
                  JOIN pg_attribute att
                    ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
                 WHERE con.contype = 'f' AND con.confrelid = 'crm_lead'::regclass
                   AND con.confdeltype IN ('r', 'a') AND cls.relname != 'crm_lead'
                """
            )
            for table, column in cr.fetchall():
                cr.execute(
                    SQL(
                        "DELETE FROM %s WHERE %s = ANY(%s)",
                        SQL.identifier(table),
                        SQL.identifier(column),
                        ids,
                    )
                )
            cr.execute(SQL("DELETE FROM crm_lead WHERE id = ANY(%s)", ids))

    # ------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def _commit_data(self, build):
        """``build(env)`` in a cursor of its own, committed; it returns the
        leads it made, deleted again by the cleanup."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            leads = build(env)
            env.flush_all()
            self.lead_ids += leads.ids
        return leads.ids

    def _skip_if(self, count, what):
        if count:
            self.skipTest(
                f"the database holds {count} {what} of its own: a committed run "
                "of the scheduled action would process them"
            )

    def _run_together(self, method, hook=None, **kwargs):
        """Two threads run ``method`` of ``crm.lead`` as ``ir.cron`` does,
        started together. ``hook(returned)`` gives the patch that makes them
        meet inside their first batch (``returned``: per thread, an event set
        when a call of it has returned).

        :return: per thread, the ``(done, remaining)`` of each batch, or the
            return value for a job that does not report progress
        """
        start = threading.Barrier(2, timeout=TIMEOUT)
        returned = [threading.Event(), threading.Event()]
        results = [[], []]
        errors = []

        def run(index):
            threading.current_thread().testing = True
            try:
                with self.registry.cursor() as cr:
                    env = self._env(cr)
                    cron = env.ref(CRONS[method])
                    cr.commit()  # pylint: disable=invalid-commit
                    start.wait()
                    for _batch in range(MAX_BATCHES):
                        cron_progress, progress = cron._add_progress()
                        self.progress_ids.append(progress.id)
                        cr.commit()  # pylint: disable=invalid-commit
                        Lead = env["crm.lead"].with_context(
                            ir_cron_progress_id=progress.id
                        )
                        value = getattr(Lead, method)(**kwargs)
                        env.flush_all()
                        cr.commit()  # pylint: disable=invalid-commit
                        returned[index].set()
                        if kwargs.get("batch_size") is None:
                            results[index].append(value)
                            break
                        results[index].append((progress.done, progress.remaining))
                        if not progress.done or not progress.remaining:
                            break
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append((index, error))
                returned[index].set()

        threads = [
            threading.Thread(target=run, args=(index,), name=f"pla-cron-{index}")
            for index in range(2)
        ]
        with hook(returned) if hook else nullcontext():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=4 * TIMEOUT)
        self.assertFalse(any(thread.is_alive() for thread in threads), "a run hangs")
        self.assertEqual(errors, [], "both runs finish without an error")
        return results

    def _wait_for_each_other(self, model, method):
        """Patch ``method`` so that each thread, the first time it gets
        there (its first batch, its rows claimed), waits for the other to
        get there too: both batches hold their claims at the same time, so
        the second one must skip the rows of the first, not wait for them."""
        meeting = threading.Barrier(2, timeout=TIMEOUT)
        seen = set()
        original = getattr(self.registry[model], method)

        def wrapper(records, *args, **kwargs):
            thread = threading.current_thread()
            if thread.name.startswith("pla-cron-") and thread.name not in seen:
                seen.add(thread.name)
                meeting.wait()
            return original(records, *args, **kwargs)

        return lambda returned: patch.object(self.registry[model], method, wrapper)

    def _hold_until_other_returns(self, model, method):
        """Patch ``method`` so that the run that got the job's lock keeps it
        until the other run's first call has returned."""
        original = getattr(self.registry[model], method)
        held = []

        def make(returned):
            def wrapper(records, *args, **kwargs):
                thread = threading.current_thread()
                if thread.name.startswith("pla-cron-") and not held:
                    held.append(thread.name)
                    other = 1 - int(thread.name.rsplit("-", 1)[1])
                    if not returned[other].wait(TIMEOUT):
                        raise AssertionError("the other run waited for the lock")
                return original(records, *args, **kwargs)

            return patch.object(self.registry[model], method, wrapper)

        return make

    def _assert_shared(self, results, total):
        done = [sum(batch[0] for batch in batches) for batches in results]
        self.assertEqual(sum(done), total, "each record is processed exactly once")
        return done

    def _run_shared(self, method, hook, total):
        """Two runs of ``method`` together, in batches of 3, which process
        the ``total`` records once between them: per thread, the
        ``(done, remaining)`` of each batch, and how many it did."""
        results = self._run_together(method, hook=hook, batch_size=3)
        return results, self._assert_shared(results, total)

    def _assert_stale_run_yields(self, method, message):
        """A run with an older snapshot leaves the committed work alone (it
        says there is some left); a run after it does the work."""
        done, remaining = self._stale_run(method, batch_size=2)
        self.assertEqual(done, 0, message)
        self.assertGreater(remaining, 0)
        self._run_once(method)

    def _stale_run(self, method, **kwargs):
        """A run whose transaction began before a concurrent batch committed
        its work (as a cron worker's does, a moment before the job runs):
        it must leave that work alone, not fail on it."""
        with self.registry.cursor() as stale_cr, self.registry.cursor() as cr:
            stale_cr.execute("SELECT 1")  # the stale run's snapshot is taken
            getattr(self._env(cr)["crm.lead"], method)(**kwargs)
            cr.commit()  # pylint: disable=invalid-commit
            env = self._env(stale_cr)
            cron_progress, progress = env.ref(CRONS[method])._add_progress()
            self.progress_ids.append(progress.id)
            Lead = env["crm.lead"].with_context(ir_cron_progress_id=progress.id)
            getattr(Lead, method)(**kwargs)
            env.flush_all()
            stale_cr.commit()  # pylint: disable=invalid-commit
            return progress.done, progress.remaining

    def _run_once(self, method, **kwargs):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            cron_progress, progress = env.ref(CRONS[method])._add_progress()
            self.progress_ids.append(progress.id)
            value = getattr(
                env["crm.lead"].with_context(ir_cron_progress_id=progress.id), method
            )(**kwargs)
            env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit
            return value, progress.done, progress.remaining

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
