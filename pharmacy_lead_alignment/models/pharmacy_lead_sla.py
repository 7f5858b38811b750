# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools import sla


class PharmacyLeadSla(models.Model):
    """The clock of one SLA policy on one lead."""

    _name = "pharmacy.lead.sla"
    _description = "Lead SLA Clock"
    _order = "deadline, id"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", required=True, index=True, ondelete="cascade", check_company=True
    )
    policy_id = fields.Many2one(
        "pharmacy.sla.policy", required=True, ondelete="restrict", check_company=True
    )
    kind = fields.Selection(sla.KIND_SELECTION, required=True)
    team_id = fields.Many2one("crm.team", index=True)
    start = fields.Datetime(required=True)
    deadline = fields.Datetime(required=True, index=True)
    reached_date = fields.Datetime(string="Reached On")
    state = fields.Selection(
        sla.CLOCK_STATE_SELECTION, required=True, default=sla.RUNNING, index=True
    )
    escalation_level = fields.Integer(default=0)
    company_id = fields.Many2one("res.company", required=True, index=True)

    def _pla_escalate(self, level):
        """Warn the person of ``level`` (1 team leader, 2 sales manager,
        3 head of the pharmacy) with an activity, once."""
        self.ensure_one()
        company = self.company_id
        users = {
            1: self.team_id.user_id,
            2: company.sla_sales_manager_id,
            3: company.alignment_head_id,
        }
        user = users.get(level)
        if user:
            self.lead_id.sudo().with_context(
                mail_activity_quick_update=True
            ).activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._(
                    "SLA breached (level %(level)s): %(policy)s",
                    level=level,
                    policy=self.policy_id.name,
                ),
            )
        self.escalation_level = level
        return user
