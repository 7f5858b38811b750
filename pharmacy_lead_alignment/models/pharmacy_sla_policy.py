# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import lifecycle, scoring, sla


class PharmacySlaPolicy(models.Model):
    """A commitment of one side to the other, for some sales teams."""

    _name = "pharmacy.sla.policy"
    _description = "Lead Alignment SLA Policy"
    _order = "kind, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    kind = fields.Selection(
        sla.KIND_SELECTION, required=True, default=sla.KIND_RESPONSE
    )
    team_ids = fields.Many2many(
        "crm.team",
        "pharmacy_sla_policy_crm_team_rel",
        "policy_id",
        "team_id",
        string="Sales Teams",
        check_company=True,
        domain=f"[('alignment_role', '=', {lifecycle.ROLE_SALES!r})]",
    )
    min_grade = fields.Selection(
        scoring.GRADE_SELECTION,
        string="Only Grade",
        help="Limit the policy to leads of this grade or better; such a policy "
        "takes precedence over one for every grade.",
    )
    hours = fields.Float(
        string="Working Hours",
        help="Time allowed, counted in the working hours of the calendar.",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours Calendar",
        check_company=True,
        help="Empty: the company's working hours.",
    )
    escalation_delay = fields.Float(
        string="Escalate Every (hours)",
        default=sla.DEFAULT_ESCALATION_HOURS,
        help="After a breach, the next level is warned after this many hours: "
        "team leader, then sales manager, then the head of the pharmacy.",
    )
    volume_target = fields.Integer(
        string="Leads per Month per Team",
        help="The leads the desk promises to hand off each month to each team "
        "of the policy (a lead handed off again after a rejection counts once).",
    )
    acceptance_target = fields.Float(
        string="Accepted (%)",
        help="The share of the sales decisions on the desk's hand-offs that "
        "the desk promises will accept the lead.",
    )

    @api.constrains("kind", "hours", "team_ids", "volume_target", "acceptance_target")
    def _check_policy(self):
        for policy in self:
            try:
                sla.check_policy(
                    policy.kind,
                    policy.hours,
                    len(policy.team_ids),
                    policy.volume_target,
                    policy.acceptance_target,
                )
            except ValueError as error:
                messages = {
                    "teams": self.env._(
                        "SLA policy “%(policy)s” applies to no sales team: choose "
                        "at least one.",
                        policy=policy.name,
                    ),
                    "hours": self.env._(
                        "SLA policy “%(policy)s”: the time allowed must be more "
                        "than 0 working hours.",
                        policy=policy.name,
                    ),
                    "volume": self.env._(
                        "SLA policy “%(policy)s”: the monthly volume must be at "
                        "least one lead.",
                        policy=policy.name,
                    ),
                    "acceptance": self.env._(
                        "SLA policy “%(policy)s”: the accepted share must lie "
                        "between 1 and 100 %%.",
                        policy=policy.name,
                    ),
                }
                raise ValidationError(messages[str(error)]) from error

    @api.constrains("calendar_id", "kind")
    def _check_calendar(self):
        for policy in self.filtered(lambda p: p.kind in sla.CLOCK_KINDS):
            calendar = policy._calendar()
            if not calendar or not calendar.attendance_ids:
                raise ValidationError(
                    self.env._(
                        "SLA policy “%(policy)s”: the calendar “%(calendar)s” has no "
                        "working time; choose a calendar with working hours.",
                        policy=policy.name,
                        calendar=calendar.display_name or self.env._("none"),
                    )
                )

    def _calendar(self):
        self.ensure_one()
        return self.calendar_id or self.company_id.resource_calendar_id

    def _deadline(self, start):
        """``start`` plus the policy's working hours on its calendar, counting
        the calendar's leaves (public holidays)."""
        self.ensure_one()
        return self._calendar().plan_hours(self.hours, start, compute_leaves=True)
