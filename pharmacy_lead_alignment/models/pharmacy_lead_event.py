# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..tools import lifecycle


class PharmacyLeadEvent(models.Model):
    """Append-only log of every lifecycle transition of a lead.

    Rows are written by the lead flow itself; nobody, managers included,
    rewrites or deletes them (see :mod:`.pharmacy_audit_mixin`): a correction
    is a new event.
    """

    _name = "pharmacy.lead.event"
    _inherit = ["pharmacy.audit.mixin"]
    _description = "Lead Lifecycle Event"
    _order = "date desc, id desc"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    from_state = fields.Selection(lifecycle.STATE_SELECTION, string="From")
    to_state = fields.Selection(lifecycle.STATE_SELECTION, string="To", required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    user_id = fields.Many2one(
        "res.users", string="By", default=lambda self: self.env.user
    )
    reason = fields.Text()
    is_override = fields.Boolean(
        string="Override",
        help="Forced by an Alignment Manager, skipping the usual qualification.",
    )
    team_id = fields.Many2one(
        "crm.team", index=True, help="The lead's team after the move."
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
