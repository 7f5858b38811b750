# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two workers run the background actions at once: each lead is acted on
once, and neither run fails (see ``cron_common``)."""

from odoo.tests import tagged
from odoo.tools import SQL

from .cron_common import CronConcurrencyCase


@tagged("post_install", "-at_install")
class TestMassActionConcurrency(CronConcurrencyCase):
    def setUp(self):
        super().setUp()
        self.action_ids = []
        # the actions' lead lists go with either the actions or the leads
        self.addCleanup(self._delete_actions)

    def _delete_actions(self):
        if not self.action_ids:
            return
        with self.registry.cursor() as cr:
            cr.execute(
                SQL(
                    "DELETE FROM mail_message WHERE model = %s AND res_id = ANY(%s)",
                    "pharmacy.lead.mass.action",
                    self.action_ids,
                )
            )
            cr.execute(
                SQL(
                    "DELETE FROM pharmacy_lead_mass_action WHERE id = ANY(%s)",
                    self.action_ids,
                )
            )

    def _queued_disqualify(self, count):
        """``count`` desk leads in Inquiry, and their disqualification
        queued by the administrator (an Alignment Manager), committed."""
        with self.registry.cursor() as cr:
            Action = self._env(cr)["pharmacy.lead.mass.action"]
            self._skip_if(
                Action.search_count([("state", "=", "queued")]),
                "queued background actions",
            )

        def build(env):
            leads = self._make_leads(env, env["crm.team"].browse(self.team_id), count)
            self._set_lead_columns(env, leads, lifecycle_state="inquiry")
            admin = env.ref("base.user_admin")
            action = (
                env["pharmacy.lead.mass.action"]
                .with_user(admin)
                ._queue(leads.with_user(admin), "action_disqualify", {})
            )
            self.action_ids.append(action.id)
            return leads

        return self._commit_data(build)

    def test_two_runs_act_on_each_lead_once(self):
        lead_ids = self._queued_disqualify(7)
        hook = self._hold_until_other_returns("pharmacy.lead.mass.action", "_run_batch")
        results, done = self._run_shared("_cron_run", hook, 7)
        with self.registry.cursor() as cr:
            env = self._env(cr)
            leads = env["crm.lead"].browse(lead_ids)
            self.assertEqual(set(leads.mapped("lifecycle_state")), {"disqualified"})
            events = env["pharmacy.lead.event"].search(
                [("lead_id", "in", lead_ids), ("to_state", "=", "disqualified")]
            )
            self.assertEqual(len(events), 7, "one event per lead")
            action = env["pharmacy.lead.mass.action"].browse(self.action_ids)
            self.assertEqual((action.state, action.done_count), ("done", 7))
        value, done, remaining = self._run_once("_cron_run")
        self.assertEqual((done, remaining), (0, 0), "a third run finds nothing")

    def test_a_run_with_an_older_snapshot_yields(self):
        self._queued_disqualify(4)
        self._assert_stale_run_yields("_cron_run", "it left the committed batch alone")
        with self.registry.cursor() as cr:
            action = self._env(cr)["pharmacy.lead.mass.action"].browse(self.action_ids)
            self.assertEqual(action.done_count, 4)
