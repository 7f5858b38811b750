# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The funnel stages a lead ever reached, kept on the lead.

Each logged move stores the funnel levels it made its lead reach for the
first time (``pharmacy.lead.event.reach_from`` / ``reach_to``); over all
time, a lead reached every level from the lowest ``reach_from`` to the
highest ``reach_to`` of its moves. The all-time figures (the ROI report,
the campaign tile of the dashboard) read those two numbers from the lead
instead of grouping the whole event log on every call.

They are maintained in the same transaction as the moves (the log is
append-only: a new move can only lower the first level or raise the last),
set for existing moves when the columns are created, and written only by
the module (a system field).
"""

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists

#: The lead's all-time funnel reach: computed from its moves, never typed.
FUNNEL_FIELDS = frozenset({"funnel_first_level", "funnel_last_level"})


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # levels of tools.funnel.STAGES; empty before the lead's first move
    funnel_first_level = fields.Integer(
        string="Lowest Funnel Stage Reached",
        readonly=True,
        copy=False,
        help="The lowest funnel stage the lead's logged moves reached.",
    )
    funnel_last_level = fields.Integer(
        string="Highest Funnel Stage Reached",
        readonly=True,
        copy=False,
        help="The highest funnel stage the lead's logged moves reached.",
    )

    def _auto_init(self):
        new_columns = not column_exists(self.env.cr, self._table, "funnel_last_level")
        result = super()._auto_init()
        if new_columns and column_exists(
            self.env.cr, "pharmacy_lead_event", "reach_to"
        ):
            self._pla_backfill_funnel_levels()
        return result

    @api.model
    def _pla_system_fields(self):
        """The funnel reach is refused like ``SYSTEM_FIELDS``."""
        return super()._pla_system_fields() | FUNNEL_FIELDS

    @api.model
    def _pla_backfill_funnel_levels(self, lead_ids=None):
        """Set the funnel reach of leads (all, or ``lead_ids``, e.g. after
        a merge moved moves between them) from their logged moves."""
        self.env["pharmacy.lead.event"].flush_model(
            ["lead_id", "reach_from", "reach_to"]
        )
        only = SQL()
        if lead_ids:
            only = SQL("AND lead_id = ANY(%s)", list(lead_ids))
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead SET funnel_first_level = NULL,"
                    " funnel_last_level = NULL WHERE id = ANY(%s)",
                    list(lead_ids),
                )
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET funnel_first_level = levels.first_level,
                       funnel_last_level = levels.last_level
                  FROM (
                        SELECT lead_id, min(reach_from) AS first_level,
                               max(reach_to) AS last_level
                          FROM pharmacy_lead_event
                         WHERE reach_to >= 0 %s
                         GROUP BY lead_id
                  ) levels
                 WHERE levels.lead_id = lead.id
                """,
                only,
            )
        )
        self.invalidate_model(list(FUNNEL_FIELDS))

    @api.model
    def _pla_add_funnel_levels(self, events):
        """Widen the funnel reach of the leads of new ``events`` (one
        statement per batch of moves)."""
        levels = {}
        for event in events.filtered(lambda event: event.reach_to >= 0):
            first, last = levels.get(event.lead_id.id, (event.reach_from, 0))
            levels[event.lead_id.id] = (
                min(first, event.reach_from),
                max(last, event.reach_to),
            )
        if not levels:
            return
        self.flush_model(list(FUNNEL_FIELDS))
        self._pla_update_leads(
            SQL(
                "funnel_first_level = LEAST(lead.funnel_first_level, v.first_level),"
                " funnel_last_level = GREATEST(lead.funnel_last_level, v.last_level)"
            ),
            [("first_level", "int"), ("last_level", "int")],
            [(lead_id, *reach) for lead_id, reach in levels.items()],
        )
        self.browse(list(levels)).invalidate_recordset(list(FUNNEL_FIELDS))
