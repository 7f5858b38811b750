# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import lifecycle


class CrmLeadHandoff(models.TransientModel):
    """Hand one or several qualified leads from the desk to a sales team."""

    _name = "crm.lead.handoff"
    _inherit = ["pharmacy.lead.wizard.mixin"]
    _description = "Hand Off Leads to Sales"

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        required=True,
        domain=f"[('alignment_role', '=', {lifecycle.ROLE_SALES!r}), "
        "('company_id', 'in', [company_id, False])]",
    )
    team_user_ids = fields.Many2many(
        "res.users", compute="_compute_team_user_ids", string="Team Members"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        domain="[('id', 'in', team_user_ids)]",
        help="Leave empty to let the sales team assign the lead.",
    )
    needs_reason = fields.Boolean(compute="_compute_needs_reason")
    reason = fields.Text(
        help="Mandatory when a lead that is not Marketing Qualified is handed off "
        "(Alignment Managers only); kept in the lead's event log."
    )

    @api.depends("team_id")
    def _compute_team_user_ids(self):
        for wizard in self:
            wizard.team_user_ids = wizard.team_id.member_ids | wizard.team_id.user_id

    @api.depends("lead_ids.lifecycle_state")
    def _compute_needs_reason(self):
        for wizard in self:
            wizard.needs_reason = any(
                state != lifecycle.MQL
                for state in wizard.lead_ids.mapped("lifecycle_state")
            )

    @api.onchange("team_id")
    def _onchange_team_id(self):
        if self.user_id and self.user_id not in self.team_user_ids:
            self.user_id = False

    def action_confirm(self):
        self.ensure_one()
        self.lead_ids.handoff_to(
            self.team_id.id, user_id=self.user_id.id, reason=self.reason
        )
        return {"type": "ir.actions.act_window_close"}
