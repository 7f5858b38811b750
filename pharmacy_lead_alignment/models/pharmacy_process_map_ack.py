# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools import process_map


class PharmacyProcessMapAck(models.Model):
    """Who confirmed having read which version of the map."""

    _name = "pharmacy.process.map.ack"
    _description = "Sales Process Map Acknowledgement"
    _order = "map_id, state, team_id, user_id"
    _check_company_auto = True

    map_id = fields.Many2one(
        "pharmacy.process.map", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="map_id.company_id", store=True, index=True)
    version = fields.Integer(related="map_id.version")
    user_id = fields.Many2one("res.users", required=True, index=True)
    team_id = fields.Many2one("crm.team")
    state = fields.Selection(
        process_map.ACK_STATE_SELECTION,
        default=process_map.ACK_PENDING,
        required=True,
    )
    date = fields.Datetime(string="Read On")

    _sql_constraints = [
        (
            "map_user_unique",
            "UNIQUE(map_id, user_id)",
            "A user acknowledges a version of the map once.",
        )
    ]
