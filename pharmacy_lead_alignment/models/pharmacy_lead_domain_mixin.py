# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast

from odoo import models
from odoo.exceptions import ValidationError
from odoo.osv import expression


class PharmacyLeadDomainMixin(models.AbstractModel):
    """A record whose ``domain`` field holds a filter on leads (scoring rules,
    nurture tracks), checked against ``crm.lead`` as Odoo would compile it."""

    _name = "pharmacy.lead.domain.mixin"
    _description = "Filter on Leads"

    def _pla_lead_domain(self):
        """The record's domain as a list, checked against crm.lead.

        :raise ValidationError: the message of :meth:`_pla_domain_error`
        """
        self.ensure_one()
        try:
            domain = ast.literal_eval(self.domain or "[]")
            if not isinstance(domain, list | tuple):
                raise ValueError(self.env._("a domain is a list of conditions"))
            domain = list(domain)
            expression.expression(domain, self.env["crm.lead"].sudo())
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise ValidationError(self._pla_domain_error(error)) from error
        return domain

    def _pla_domain_error(self, error):
        return self.env._(
            "“%(name)s”: its filter is not a valid filter on leads (%(error)s). "
            "Edit it with the domain editor.",
            name=self.display_name,
            error=error,
        )
