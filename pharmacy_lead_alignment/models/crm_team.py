# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

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
        desk_of = (
            self.env["res.company"]
            .sudo()
            .search([("lead_desk_team_id", "in", self.ids)])
        )
        for company in desk_of:
            team = company.lead_desk_team_id
            if team.alignment_role != lifecycle.ROLE_MARKETING:
                raise ValidationError(
                    self.env._(
                        "Team “%(team)s” is the lead desk of %(company)s: keep its "
                        "role “Lead Desk” or choose another lead desk in the CRM "
                        "settings first.",
                        team=team.display_name,
                        company=company.display_name,
                    )
                )
            if team.company_id and team.company_id != company:
                raise ValidationError(
                    self.env._(
                        "Team “%(team)s” is the lead desk of %(company)s and cannot "
                        "move to another company.",
                        team=team.display_name,
                        company=company.display_name,
                    )
                )
