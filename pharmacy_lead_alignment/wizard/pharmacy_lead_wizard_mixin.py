# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class PharmacyLeadWizardMixin(models.AbstractModel):
    """The leads a wizard acts on: those of the button that opened it, or the
    selection of a list or kanban view (``active_ids``)."""

    _name = "pharmacy.lead.wizard.mixin"
    _description = "Wizard on Selected Leads"

    lead_ids = fields.Many2many(
        "crm.lead", required=True, default=lambda self: self._default_lead_ids()
    )
    company_id = fields.Many2one("res.company", compute="_compute_company_id")

    @api.model
    def _default_lead_ids(self):
        context = self.env.context
        if context.get("active_model") == "crm.lead" and context.get("active_ids"):
            return [fields.Command.set(context["active_ids"])]
        return False

    @api.depends("lead_ids")
    def _compute_company_id(self):
        for wizard in self:
            wizard.company_id = wizard.lead_ids.company_id[:1] or self.env.company

    @api.model_create_multi
    def create(self, vals_list):
        """A wizard acts only on leads its user may change: opening one on
        leads of another company or team (over RPC) is refused at once."""
        wizards = super().create(vals_list)
        wizards.lead_ids.check_access("write")
        return wizards
