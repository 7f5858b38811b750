# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..tools.groups import GROUP_MANAGER


class PharmacyScoringSettings(models.TransientModel):
    """Lead scoring thresholds of the current company, for Alignment Managers
    who are not Settings administrators.

    The fields are the company's own (``pharmacy.scoring.settings.mixin``),
    held by the wizard until it saves them: the company is written only by
    :meth:`action_save`, once it has checked its user."""

    _name = "pharmacy.scoring.settings"
    _inherit = ["pharmacy.scoring.settings.mixin"]
    _description = "Lead Scoring Settings"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        company = self.env["res.company"].browse(
            values.get("company_id") or self.env.company.id
        )
        if company not in self.env.user.company_ids:
            company = self.env.company
        values.update(
            (fname, value)
            for fname, value in company.sudo()._pla_settings_values().items()
            if fname in fields_list
        )
        return values

    def action_save(self):
        self.ensure_one()
        if not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._("Only an Alignment Manager can change lead scoring.")
            )
        # the company comes from the client: it must be one the user manages
        if self.company_id not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot change the lead scoring of %(company)s: it is not "
                    "one of your companies.",
                    company=self.company_id.sudo().display_name,
                )
            )
        self.company_id.sudo().write(self._pla_settings_values())
        return {"type": "ir.actions.act_window_close"}
