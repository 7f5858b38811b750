# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Read-only RPC entry points are marked ``@api.readonly``: with a replica
configured (``--db_replica_host``), Odoo 18 answers them from it, so the
head's dashboard and the buttons that only open a view never load the
primary (``benchmarks/replica.py`` proves it on a real streaming replica)."""

from odoo.tests import TransactionCase, tagged

READ_ONLY = [
    ("pharmacy.alignment.dashboard", "get_dashboard_data"),
    ("crm.lead", "action_open_qualify"),
    ("crm.lead", "action_open_handoff"),
    ("crm.lead", "action_open_review"),
    ("crm.lead", "action_open_flag"),
    ("pharmacy.lead.feedback", "action_open_lead"),
    ("pharmacy.process.map", "action_print"),
]
#: entry points that write: they must stay on the primary
WRITING = [
    ("crm.lead", "handoff_to"),
    ("crm.lead", "action_review_accept"),
    ("crm.lead", "action_log_engagement"),
]


@tagged("post_install", "-at_install")
class TestReadonlyEntryPoints(TransactionCase):
    def test_read_only_entry_points_may_go_to_a_replica(self):
        for model, method in READ_ONLY:
            with self.subTest(model=model, method=method):
                function = getattr(type(self.env[model]), method)
                self.assertTrue(getattr(function, "_readonly", False))

    def test_writing_entry_points_stay_on_the_primary(self):
        for model, method in WRITING:
            with self.subTest(model=model, method=method):
                function = getattr(type(self.env[model]), method)
                self.assertFalse(getattr(function, "_readonly", False))
