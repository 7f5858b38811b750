# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timezone

from odoo import fields, models

from ..tools import sla
from .pharmacy_activity import schedule_activities


class PharmacyLeadSla(models.Model):
    """The clock of one SLA policy on one lead."""

    _name = "pharmacy.lead.sla"
    _description = "Lead SLA Clock"
    _order = "deadline, id"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", required=True, index=True, ondelete="restrict", check_company=True
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
    hours_taken = fields.Float(
        string="Working Hours Taken",
        help="Working hours of the policy's calendar from start to reached.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True)

    def _escalate(self, level):
        """Warn the person of ``level`` (1 team leader, 2 sales manager,
        3 head of the pharmacy) of each clock with an activity, in one
        ``create``, and store the level so that it is never warned twice."""
        self.lead_id.mapped("name")  # one prefetch, not one read per activity
        schedule_activities(
            self.env.ref("mail.mail_activity_data_todo"),
            (
                (
                    clock.lead_id,
                    {
                        1: clock.team_id.user_id,
                        2: clock.company_id.sla_sales_manager_id,
                        3: clock.company_id.alignment_head_id,
                    }.get(level),
                    {
                        "summary": self.env._(
                            "SLA breached (level %(level)s): %(policy)s",
                            level=level,
                            policy=clock.policy_id.name,
                        )
                    },
                )
                for clock in self
            ),
            date_deadline=fields.Date.context_today(self),
        )
        self.write({"escalation_level": level})
        return True

    def _working_hours(self, start, end):
        """Working hours between two naive UTC datetimes on the clock's
        calendar (the calendar's leaves excluded)."""
        self.ensure_one()
        calendar = self.policy_id._calendar()
        if not calendar or end <= start:
            return 0.0
        return calendar.get_work_hours_count(
            start.replace(tzinfo=timezone.utc), end.replace(tzinfo=timezone.utc)
        )
