# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_index

from ..tools import funnel, kpi, lifecycle

#: reach_from / reach_to of a move that reached no stage for the first time
NO_REACH = -1
#: The columns of the log that the SQL reports read (their ``_depends``:
#: flushed before a report is read).
REPORT_FIELDS = (
    "lead_id",
    "date",
    "team_id",
    "company_id",
    "from_state",
    "to_state",
    "reach_from",
    "reach_to",
)


class PharmacyLeadEvent(models.Model):
    """Append-only log of every lifecycle transition of a lead.

    Rows are written by the lead flow itself; nobody, managers included,
    rewrites or deletes them (see :mod:`.pharmacy_audit_mixin`): a correction
    is a new event.
    """

    _name = "pharmacy.lead.event"
    _inherit = ["pharmacy.audit.mixin"]
    _description = "Lead Lifecycle Event"
    _order = "date desc, id desc"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    from_state = fields.Selection(lifecycle.STATE_SELECTION, string="From")
    to_state = fields.Selection(lifecycle.STATE_SELECTION, string="To", required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one(
        "res.users", string="By", default=lambda self: self.env.user
    )
    reason = fields.Text()
    is_override = fields.Boolean(
        string="Override",
        help="Forced by an Alignment Manager, skipping the usual qualification.",
    )
    team_id = fields.Many2one(
        "crm.team", index=True, help="The lead's team after the move."
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    # the funnel levels (tools.funnel.STAGES) this move made the lead reach
    # for the first time (tools.kpi.first_reached), from … to, NO_REACH when
    # none: set when the move is logged, a fact of history like the move
    reach_from = fields.Integer(readonly=True, default=NO_REACH)
    reach_to = fields.Integer(readonly=True, default=NO_REACH)

    def init(self):
        # a lead's moves in order: the SLA ledger finds the hand-off a
        # decision answers by walking it backwards
        create_index(
            self.env.cr,
            "pharmacy_lead_event_lead_date_id_index",
            self._table,
            ["lead_id", "date", "id"],
        )

    def _auto_init(self):
        new_columns = not column_exists(self.env.cr, self._table, "reach_to")
        result = super()._auto_init()
        if new_columns:
            self._backfill_reach()
        return result

    @api.model
    def _backfill_reach(self):
        """Set the first-reached levels of every logged move at once, from
        the log's order (for moves logged before they existed, or written
        straight into the table)."""
        cases = SQL(" ").join(
            SQL("WHEN %s THEN %s", state, level)
            for state, level in funnel.RANKS.items()
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE pharmacy_lead_event event
                   SET reach_from = CASE
                           WHEN moves.level <= COALESCE(moves.previous_max, -1)
                             OR moves.level IS NULL THEN %(none)s
                           WHEN moves.previous_max IS NULL THEN moves.level
                           ELSE moves.previous_max + 1 END,
                       reach_to = CASE
                           WHEN moves.level <= COALESCE(moves.previous_max, -1)
                             OR moves.level IS NULL THEN %(none)s
                           ELSE moves.level END
                  FROM (
                        SELECT id, CASE to_state %(cases)s END AS level,
                               max(CASE to_state %(cases)s END) OVER (
                                   PARTITION BY lead_id ORDER BY date, id
                                   ROWS BETWEEN UNBOUNDED PRECEDING
                                            AND 1 PRECEDING
                               ) AS previous_max
                          FROM pharmacy_lead_event
                  ) moves
                 WHERE moves.id = event.id
                """,
                cases=cases,
                none=NO_REACH,
            )
        )
        self.invalidate_model(["reach_from", "reach_to"])
        if column_exists(self.env.cr, "crm_lead", "funnel_last_level"):
            self.env["crm.lead"]._pla_backfill_funnel_levels()

    @api.model_create_multi
    def create(self, vals_list):
        self._set_reach(vals_list)
        events = super().create(vals_list)
        self.env["crm.lead"]._pla_add_funnel_levels(events)
        return events

    @api.model
    def _set_reach(self, vals_list):
        """Fill ``reach_from``/``reach_to`` of new moves, in their order, from
        the highest level each lead reached before (one query)."""
        lead_ids = {vals["lead_id"] for vals in vals_list if vals.get("lead_id")}
        highest = {}
        if lead_ids:
            self.flush_model(["lead_id", "to_state"])
            for lead, state in self._read_group(
                [("lead_id", "in", list(lead_ids))], ["lead_id", "to_state"]
            ):
                level = funnel.rank(state)
                if level is not None:
                    highest[lead.id] = max(highest.get(lead.id, level), level)
        for vals in vals_list:
            lead_id = vals.get("lead_id")
            stages = kpi.first_reached(vals.get("to_state"), highest.get(lead_id))
            vals["reach_from"] = funnel.STAGES.index(stages[0]) if stages else NO_REACH
            vals["reach_to"] = funnel.STAGES.index(stages[-1]) if stages else NO_REACH
            level = funnel.rank(vals.get("to_state"))
            if level is not None:
                highest[lead_id] = max(highest.get(lead_id, level), level)
