# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.pharmacy_notification import in_wizard
from ..tools import lifecycle


class CrmLeadHandoff(models.TransientModel):
    """Hand one or several qualified leads from the desk to a sales team,
    the team (and salesperson) the routing suggests filled in."""

    _name = "crm.lead.handoff"
    _inherit = ["pharmacy.lead.wizard.mixin"]
    _description = "Hand Off Leads to Sales"

    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        required=True,
        compute="_compute_suggestion",
        store=True,
        readonly=False,
        precompute=True,
        domain=f"[('alignment_role', '=', {lifecycle.ROLE_SALES!r}), "
        "('company_id', 'in', [company_id, False])]",
    )
    team_user_ids = fields.Many2many(
        "res.users", compute="_compute_team_user_ids", string="Team Members"
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_suggestion",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('id', 'in', team_user_ids)]",
        help="Leave empty to let the sales team assign the lead.",
    )
    suggestion_note = fields.Text(compute="_compute_suggestion_note")
    has_mixed_suggestions = fields.Boolean(compute="_compute_suggestion_note")
    needs_reason = fields.Boolean(compute="_compute_needs_reason")
    reason = fields.Text(
        help="Mandatory when a lead that is not Marketing Qualified is handed off "
        "(Alignment Managers only); kept in the lead's event log."
    )

    @api.depends("lead_ids")
    def _compute_suggestion(self):
        """The suggested team and salesperson when every lead has the same
        (else the desk chooses, and the note says why)."""
        for wizard in self:
            teams = wizard.lead_ids.suggested_team_id
            users = wizard.lead_ids.suggested_user_id
            complete = all(wizard.lead_ids.mapped("suggested_team_id"))
            same_team = complete and len(teams) == 1
            wizard.team_id = teams if same_team else False
            wizard.user_id = (
                users
                if same_team
                and len(users) == 1
                and all(wizard.lead_ids.mapped("suggested_user_id"))
                else False
            )

    @api.depends("lead_ids", "team_id")
    def _compute_suggestion_note(self):
        for wizard in self:
            leads = wizard.lead_ids
            suggested = leads.filtered("suggested_team_id")
            wizard.has_mixed_suggestions = (
                suggested == leads and len(suggested.suggested_team_id) > 1
            )
            if len(leads) < 2 or not suggested:
                wizard.suggestion_note = False
                continue
            by_team = {}
            for lead in leads:
                label = lead.suggested_team_id.display_name or wizard.env._(
                    "no suggestion"
                )
                by_team.setdefault(label, []).append(lead.name)
            if len(by_team) == 1:
                wizard.suggestion_note = False
                continue
            wizard.suggestion_note = wizard.env._(
                "These leads are routed to different teams: %(routes)s. The team "
                "chosen here receives them all; “Hand Off Each as Suggested” "
                "sends each lead to its own team.",
                routes="; ".join(
                    f"{label}: {', '.join(names)}" for label, names in by_team.items()
                ),
            )

    @api.depends("team_id")
    def _compute_team_user_ids(self):
        for wizard in self:
            team = wizard.team_id._origin
            wizard.team_user_ids = team.member_ids | team.user_id

    @api.depends("lead_ids.lifecycle_state")
    def _compute_needs_reason(self):
        for wizard in self:
            wizard.needs_reason = any(
                state != lifecycle.MQL
                for state in wizard.lead_ids.mapped("lifecycle_state")
            )

    @api.onchange("team_id")
    def _onchange_team_id(self):
        team = self.team_id._origin
        if self.user_id and self.user_id._origin not in team.member_ids | team.user_id:
            self.user_id = False

    def action_confirm(self):
        self.ensure_one()
        return in_wizard(
            self.lead_ids.handoff_to(
                self.team_id.id, user_id=self.user_id.id, reason=self.reason
            )
        )

    def action_handoff_each_suggested(self):
        """Each lead to its own suggested team (see
        ``crm.lead.action_handoff_suggested``)."""
        self.ensure_one()
        return in_wizard(self.lead_ids.action_handoff_suggested())
