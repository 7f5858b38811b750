# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import lifecycle


class PharmacyProcessStep(models.Model):
    """One step of the sales-process map: a lifecycle state, its owner and its
    rules."""

    _name = "pharmacy.process.step"
    _description = "Sales Process Step"
    _order = "map_id, sequence, id"
    _check_company_auto = True

    map_id = fields.Many2one(
        "pharmacy.process.map", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="map_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    lifecycle_state = fields.Selection(lifecycle.STATE_SELECTION, required=True)
    name = fields.Char(required=True, translate=True)
    owner_side = fields.Selection(
        lifecycle.SIDE_SELECTION,
        string="Owner",
        required=True,
        default=lifecycle.SIDE_MARKETING,
    )
    definition = fields.Text(translate=True)
    entry_criteria = fields.Text(translate=True)
    exit_criteria = fields.Text(translate=True)
    sla_policy_id = fields.Many2one(
        "pharmacy.sla.policy", string="SLA Policy", check_company=True
    )
    team_ids = fields.Many2many(
        "crm.team",
        string="Responsible Teams",
        check_company=True,
        domain="[('alignment_role', '!=', False)]",
        help="The desk or sales teams that do this step.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        maps = self.env["pharmacy.process.map"].browse(
            {vals["map_id"] for vals in vals_list if vals.get("map_id")}
        )
        maps._check_editable()
        return super().create(vals_list)

    def write(self, vals):
        self.map_id._check_editable()
        if vals.get("map_id"):
            self.env["pharmacy.process.map"].browse(vals["map_id"])._check_editable()
        return super().write(vals)

    def unlink(self):
        self.map_id._check_editable()
        return super().unlink()
