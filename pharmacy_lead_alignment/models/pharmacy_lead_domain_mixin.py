# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast

from odoo import models
from odoo.exceptions import ValidationError
from odoo.osv import expression

from ..tools import domain_paths
from ..tools.groups import GROUP_SALESMAN

#: Whoever a filter on leads works for reads at least what a salesperson
#: reads: a field restricted to other groups may not be used.
READER_GROUP = GROUP_SALESMAN


class PharmacyLeadDomainMixin(models.AbstractModel):
    """A record whose ``domain`` field holds a filter on leads (scoring rules,
    nurture tracks), checked against ``crm.lead`` as Odoo would compile it."""

    _name = "pharmacy.lead.domain.mixin"
    _description = "Filter on Leads"
    #: the field holding the filter
    _lead_domain_field = "domain"

    def _lead_domain(self):
        """The record's domain as a list, checked against crm.lead.

        :raise ValidationError: the message of :meth:`_domain_error`
        """
        self.ensure_one()
        try:
            domain = ast.literal_eval(self[self._lead_domain_field] or "[]")
            if not isinstance(domain, list | tuple):
                raise ValueError(self.env._("a domain is a list of conditions"))
            domain = list(domain)
            expression.expression(domain, self.env["crm.lead"].sudo())
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise ValidationError(self._domain_error(error)) from error
        return domain

    def _domain_error(self, error):
        return self.env._(
            "“%(name)s”: its filter is not a valid filter on leads (%(error)s). "
            "Edit it with the domain editor.",
            name=self.display_name,
            error=error,
        )

    def _check_domain_paths(self, domain, forbidden=(), forbidden_prefixes=()):
        """Check every field path ``domain`` reads from crm.lead, along every
        relation: stored (so that the filter means the same in memory and
        in SQL), readable by a salesperson, not a field of a user, not one
        of ``forbidden`` nor starting with one of ``forbidden_prefixes``.

        :raise ValidationError: the message of
            :meth:`_domain_path_error`, naming the field path
        """
        self.ensure_one()
        try:
            return domain_paths.check_domain(
                domain,
                "crm.lead",
                self._field_describer(),
                forbidden=frozenset(forbidden),
                forbidden_prefixes=tuple(forbidden_prefixes),
            )
        except domain_paths.DomainPathError as error:
            raise ValidationError(self._domain_path_error(error)) from error

    def _field_describer(self):
        """``describe(model, field name)`` for :mod:`..tools.domain_paths`."""
        reader = self.env.ref(READER_GROUP, raise_if_not_found=False)
        held = set()
        if reader:
            groups = (reader | reader.trans_implied_ids).sudo()
            for xmlids in groups._get_external_ids().values():
                held.update(xmlids)

        def describe(model, name):
            if model not in self.env:
                return None
            field = self.env[model]._fields.get(name)
            if field is None:
                return None
            return domain_paths.FieldInfo(
                type=field.type,
                relation=field.comodel_name if field.relational else None,
                stored=bool(field.store),
                readable=domain_paths.groups_allow(field.groups, held.__contains__),
            )

        return describe

    def _domain_path_error(self, error):
        params = {"name": self.display_name, "path": error.path}
        if error.code == "not_stored":
            return self.env._(
                "“%(name)s”: its filter reads %(path)s, which is computed when "
                "shown and not stored: the filter would match differently when a "
                "lead is saved and in the nightly run. Filter on a stored field.",
                **params,
            )
        if error.code in ("sensitive", "restricted"):
            return self.env._(
                "“%(name)s”: its filter reads %(path)s, which not every "
                "salesperson may see (users' data and fields restricted to some "
                "groups). Filter on what the lead, its contact or its team show "
                "to everyone.",
                **params,
            )
        if error.code == "forbidden":
            return self.env._(
                "“%(name)s”: its filter cannot read %(path)s.",
                **params,
            )
        return self.env._(
            "“%(name)s”: its filter reads %(path)s, which is not a field of "
            "leads or of their related records. Edit it with the domain editor.",
            **params,
        )
