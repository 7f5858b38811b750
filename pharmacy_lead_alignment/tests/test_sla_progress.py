# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The SLA job reports its true remainder and sets a bad lead aside."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .cron_common import CronDataMixin


@tagged("post_install", "-at_install", "pla_cron")
class TestSlaProgress(CronDataMixin, TransactionCase):
    """What the SLA action tells ``ir.cron``: the clocks still due, so that
    a backlog above one batch is worked off at once, not 15 minutes later."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # clocks of other data are no concern of this test (rolled back)
        cls.env.cr.execute(
            "UPDATE pharmacy_lead_sla SET state = 'closed'"
            " WHERE state IN ('running', 'breached')"
        )
        cls.team = cls._make_team(cls.env)
        cls.policy = cls._make_policy(cls.env, cls.team)
        cls.cron = cls.env.ref("pharmacy_lead_alignment.ir_cron_check_sla")

    def _handed_off(self, count, hours_late):
        """``count`` handed-off leads, their response clocks ``hours_late``
        past the deadline."""
        deadline = fields.Datetime.now() - timedelta(hours=hours_late)
        return self._make_handed_off(self.env, self.team, self.policy, count, deadline)

    def _run(self, batch_size):
        cron, progress = self.cron._add_progress()
        notified = []
        IrCron = type(self.env["ir.cron"])
        original = IrCron._notify_progress

        def spy(records, **kwargs):
            notified.append(kwargs)
            return original(records, **kwargs)

        with patch.object(IrCron, "_notify_progress", spy):
            self.env["crm.lead"].with_context(
                ir_cron_progress_id=progress.id
            )._cron_check_sla(batch_size=batch_size)
        self.assertEqual(len(notified), 1)
        self.assertEqual(
            notified[0], {"done": progress.done, "remaining": progress.remaining}
        )
        return progress.done, progress.remaining

    def test_backlog_above_one_batch_is_reported(self):
        leads, clocks = self._handed_off(7, hours_late=1)
        self.assertEqual(self._run(batch_size=4), (4, 3))
        self.assertEqual(self._run(batch_size=4), (3, 0))
        self.assertEqual(set(clocks.mapped("state")), {"breached"})
        self.assertEqual(set(clocks.mapped("escalation_level")), {1})
        self.assertEqual(self._run(batch_size=4), (0, 0), "nothing twice")
        self.assertEqual(len(leads.activity_ids), 7)

    def test_escalations_due_later_are_counted_when_due(self):
        leads, clocks = self._handed_off(2, hours_late=5)
        # breached and warned to level 1: level 2 is due 4 hours after the
        # deadline, that is now; level 3 only 8 hours after
        self.assertEqual(self._run(batch_size=10), (2, 2))
        self.assertEqual(set(clocks.mapped("escalation_level")), {1})
        self.assertEqual(self._run(batch_size=10), (2, 0))
        self.assertEqual(set(clocks.mapped("escalation_level")), {2})

    def test_a_bad_lead_is_set_aside(self):
        leads, clocks = self._handed_off(3, hours_late=1)
        bad = clocks[1]
        Clock = type(self.env["pharmacy.lead.sla"])
        original = Clock._escalate

        def failing(records, level):
            if bad in records:
                raise ValueError("no such user")
            return original(records, level)

        logger = "odoo.addons.pharmacy_lead_alignment.models.crm_lead"
        with (
            patch.object(Clock, "_escalate", failing),
            self.assertLogs(logger, "ERROR") as logs,
        ):
            self.assertEqual(self._run(batch_size=10), (3, 0))
        self.assertIn(f"SLA check failed on lead {bad.lead_id.id}", logs.output[0])
        self.assertEqual(set(clocks.mapped("escalation_level")), {1})
        self.assertEqual(len((leads - bad.lead_id).activity_ids), 2)
        self.assertFalse(bad.lead_id.activity_ids)
        self.assertIn("no such user", bad.lead_id.message_ids[0].body)
        self.assertEqual(self._run(batch_size=10), (0, 0), "not tried again")
