# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import lifecycle


class ResCompany(models.Model):
    _inherit = "res.company"

    lead_desk_team_id = fields.Many2one(
        "crm.team",
        string="Lead Desk",
        domain="[('alignment_role', '=', 'marketing'), "
        "('company_id', 'in', [id, False])]",
        help="Every new lead of this company that arrives without a sales team "
        "lands in this marketing team, in the Inquiry state.",
    )

    @api.constrains("lead_desk_team_id")
    def _check_lead_desk_team_id(self):
        for company in self.filtered("lead_desk_team_id"):
            team = company.lead_desk_team_id
            if team.alignment_role != lifecycle.ROLE_MARKETING:
                raise ValidationError(
                    self.env._(
                        "The lead desk of %(company)s must be a team with the "
                        "role “Lead Desk”; “%(team)s” has another role. Set the "
                        "role on the team first.",
                        company=company.display_name,
                        team=team.display_name,
                    )
                )
            if team.company_id and team.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The lead desk of %(company)s must belong to that company; "
                        "“%(team)s” belongs to %(other)s.",
                        company=company.display_name,
                        team=team.display_name,
                        other=team.company_id.display_name,
                    )
                )
