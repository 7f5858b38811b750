# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the tests of two runs of a scheduled action at once share.

Two runs of the same scheduled action at once (two Odoo servers, or a
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
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name
from odoo.tools import SQL

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
    "_cron_run": "pharmacy_lead_alignment.ir_cron_mass_actions",
}
#: The model of each job that is not on ``crm.lead``.
MODELS = {"_cron_run": "pharmacy.lead.mass.action"}
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


class CronConcurrencyCase(CronDataMixin, BaseCase):
    """Two real runs of a job at once, on committed data of its own."""

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
        """Two threads run ``method`` of ``crm.lead`` (or of its model in
        :data:`MODELS`) as ``ir.cron`` does,
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
                        Lead = env[MODELS.get(method, "crm.lead")].with_context(
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
            getattr(self._env(cr)[MODELS.get(method, "crm.lead")], method)(**kwargs)
            cr.commit()  # pylint: disable=invalid-commit
            env = self._env(stale_cr)
            cron_progress, progress = env.ref(CRONS[method])._add_progress()
            self.progress_ids.append(progress.id)
            Lead = env[MODELS.get(method, "crm.lead")].with_context(
                ir_cron_progress_id=progress.id
            )
            getattr(Lead, method)(**kwargs)
            env.flush_all()
            stale_cr.commit()  # pylint: disable=invalid-commit
            return progress.done, progress.remaining

    def _run_once(self, method, **kwargs):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            cron_progress, progress = env.ref(CRONS[method])._add_progress()
            self.progress_ids.append(progress.id)
            model = env[MODELS.get(method, "crm.lead")]
            value = getattr(
                model.with_context(ir_cron_progress_id=progress.id), method
            )(**kwargs)
            env.flush_all()
            cr.commit()  # pylint: disable=invalid-commit
            return value, progress.done, progress.remaining
