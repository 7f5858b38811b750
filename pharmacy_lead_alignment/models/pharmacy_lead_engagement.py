# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import scoring


class PharmacyLeadEngagement(models.Model):
    """Something a lead did that counts towards its score, fading with time."""

    _name = "pharmacy.lead.engagement"
    _description = "Lead Engagement Event"
    _order = "date desc, id desc"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", required=True, index=True, ondelete="restrict", check_company=True
    )
    rule_id = fields.Many2one(
        "pharmacy.scoring.rule",
        required=True,
        ondelete="restrict",
        domain=f"[('category', '=', {scoring.CATEGORY_ENGAGEMENT!r})]",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    points = fields.Integer(
        string="Original Points",
        required=True,
        help="The rule's points when the event happened.",
    )
    # computed where the scoring is (crm_lead_scoring_signals.py): the
    # current points of the rule, decayed
    points_today = fields.Integer(
        compute="_compute_points_today",
        help="What the event is still worth after its decay.",
    )
    note = fields.Char()
    source_ref = fields.Char(
        string="Source Document",
        help="The record that produced the signal (model,id), if any.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    def _age_days(self, today):
        """Whole days since the event: the score changes once a day, not
        every time it is computed."""
        return (today - fields.Date.to_date(self.date)).days if self.date else 0

    @api.model_create_multi
    def create(self, vals_list):
        events = super().create(vals_list)
        events.lead_id._pla_rescore()
        return events
