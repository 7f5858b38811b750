# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import lifecycle
from .pharmacy_audit_mixin import is_trusted


class PharmacyLeadConsent(models.Model):
    """A consent a lead gave (152-FZ, GDPR): kept, never erased; a withdrawal
    is recorded with its date.

    Users record consents; once recorded, a consent is never edited, moved to
    another lead or deleted: it can only be withdrawn (once).
    """

    _name = "pharmacy.lead.consent"
    _inherit = ["pharmacy.audit.mixin"]
    _pla_user_create = True
    _pla_user_write_fields = frozenset({"withdrawn_on"})
    _description = "Lead Consent"
    _order = "given_on desc, id desc"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", required=True, ondelete="restrict", index=True, check_company=True
    )
    company_id = fields.Many2one(related="lead_id.company_id", store=True)
    kind = fields.Selection(lifecycle.CONSENT_KIND_SELECTION, required=True)
    given_on = fields.Date(required=True, default=fields.Date.context_today)
    source = fields.Selection(
        [
            ("web_form", "Web Form"),
            ("paper", "Paper"),
            ("phone", "Phone"),
            ("email", "E-mail"),
        ],
        required=True,
    )
    document_ref = fields.Char(
        string="Document", help="Reference of the signed form, call or message."
    )
    withdrawn_on = fields.Date()
    is_valid = fields.Boolean(compute="_compute_is_valid", store=True)

    @api.depends("given_on", "withdrawn_on")
    def _compute_is_valid(self):
        for consent in self:
            consent.is_valid = bool(consent.given_on) and not consent.withdrawn_on

    @api.constrains("given_on", "withdrawn_on")
    def _check_dates(self):
        for consent in self:
            if consent.withdrawn_on and consent.withdrawn_on < consent.given_on:
                raise ValidationError(
                    self.env._(
                        "A consent cannot be withdrawn (%(withdrawn)s) before it was "
                        "given (%(given)s).",
                        withdrawn=consent.withdrawn_on,
                        given=consent.given_on,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not is_trusted(self):
            lead_ids = {vals.get("lead_id") for vals in vals_list} - {False, None}
            self.env["crm.lead"].browse(lead_ids).check_access("write")
        return super().create(vals_list)

    def write(self, vals):
        if "withdrawn_on" in vals and not is_trusted(self):
            if not vals["withdrawn_on"] or self.filtered("withdrawn_on"):
                raise UserError(
                    self.env._(
                        "A withdrawn consent stays withdrawn: record a new consent "
                        "if the person gives it again."
                    )
                )
            self.lead_id.check_access("write")
        return super().write(vals)

    def action_withdraw(self):
        self.filtered(lambda c: not c.withdrawn_on).write(
            {"withdrawn_on": fields.Date.context_today(self)}
        )
        return True
