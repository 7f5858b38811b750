# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import AccessError

from .pharmacy_audit_mixin import is_trusted


class PharmacySharedMixin(models.AbstractModel):
    """Configuration that may be shared by every company (``company_id``
    empty): scoring rules, feedback reasons.

    A shared record affects every company, so only a user who may act in
    every company creates, edits or deletes it. Records of one company are
    guarded by the usual multi-company record rules.
    """

    _name = "pharmacy.shared.mixin"
    _description = "Configuration Shared by Companies"

    def _check_shared_authority(self):
        # modules' data files are loaded by the server itself
        if is_trusted(self) or self.env.uid == SUPERUSER_ID:
            return
        companies = self.env["res.company"].sudo().search([])
        missing = companies - self.env.user.company_ids
        if missing:
            raise AccessError(
                self.env._(
                    "“%(record)s” is shared by every company, and you do not "
                    "manage %(companies)s. Choose your company on it, or ask "
                    "someone who manages every company to change it.",
                    record=self[:1].display_name or self._description,
                    companies=", ".join(missing.mapped("name")),
                )
            )

    def _shared(self):
        return self.filtered(lambda record: not record.company_id)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._shared()._check_shared_authority()
        return records

    def write(self, vals):
        shared = self._shared()
        if "company_id" in vals and not vals["company_id"]:
            shared = self
        shared._check_shared_authority()
        return super().write(vals)

    def unlink(self):
        self._shared()._check_shared_authority()
        return super().unlink()
