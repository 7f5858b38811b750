# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import lifecycle


class CrmTeam(models.Model):
    _inherit = "crm.team"

    alignment_role = fields.Selection(
        lifecycle.ROLE_SELECTION,
        help="Lead Desk: the marketing desk that receives, scores and qualifies "
        "every new lead.\nSales: receives only leads handed off by the desk.\n"
        "Empty: the team works exactly as in standard CRM.",
        tracking=True,
    )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("alignment_role"):
            self._pla_adopt_leads()
        return result

    def _pla_adopt_leads(self):
        """The team just got a role: its leads without a state (won, lost and
        archived ones too) join the flow as they are (see
        :func:`tools.lifecycle.adopted_state`)."""
        leads = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search([("team_id", "in", self.ids), ("lifecycle_state", "=", False)])
        )
        leads._pla_adopt()
        return leads

    @api.constrains("alignment_role", "company_id")
    def _check_alignment_role(self):
        """A team that is a company's lead desk keeps its role and company."""
        self.env["res.company"].sudo().search(
            [("lead_desk_team_id", "in", self.ids)]
        )._pla_check_lead_desk()
