# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may write what on a lead: the fields only the module writes
(``SYSTEM_FIELDS``) and who decides on a handed-off lead. ``write()`` in
``crm_lead.py`` calls both guards unless the write is the module's own
(trusted, see ``pharmacy_audit_mixin``)."""

from odoo import SUPERUSER_ID, api, models
from odoo.exceptions import UserError

from ..tools import lifecycle
from ..tools.groups import GROUP_SALES_MANAGER
from .crm_lead import SYSTEM_FIELDS


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _pla_check_system_fields(self, vals):
        """Refuse values for fields that only the module's own code writes."""
        owned = sorted(SYSTEM_FIELDS.intersection(vals))
        if owned:
            raise UserError(
                self.env._(
                    "%(fields)s: the lead alignment flow computes these fields "
                    "itself; they cannot be set by hand, by an import or over "
                    "the API. Change what they are computed from instead (the "
                    "scoring rules, the lifecycle buttons, the consents).",
                    fields=", ".join(
                        self._fields[fname]._description_string(self.env)
                        for fname in owned
                    ),
                )
            )

    def _pla_check_decider(self):
        """Only the receiving side decides on handed-off leads (accept,
        reject, convert, lose, recycle, reassign), by every path; the desk
        that handed them off never does. The scheduled actions of the server
        itself (assignment, data loading) run as the superuser and pass."""
        if not self or self.env.uid == SUPERUSER_ID:
            return
        user = self.env.user
        is_desk = self._pla_is_desk(user)
        is_sales_manager = user.has_group(GROUP_SALES_MANAGER)
        for lead in self:
            team = lead.sudo().team_id
            receivers = team.member_ids | team.user_id | lead.sudo().user_id
            if lifecycle.may_decide_handoff(
                is_receiver=user in receivers,
                is_sales_manager=is_sales_manager,
                is_desk=is_desk,
            ):
                continue
            if is_desk:
                raise UserError(
                    self.env._(
                        "“%(lead)s” was handed off to the sales team “%(team)s”: "
                        "the desk that handed it off cannot accept, reject, "
                        "convert, lose or reassign it. The sales team decides.",
                        lead=lead.display_name,
                        team=team.display_name,
                    )
                )
            raise UserError(
                self.env._(
                    "“%(lead)s” was handed off to the sales team “%(team)s”: only "
                    "its members or a sales manager may accept, reject, convert, "
                    "lose or reassign it.",
                    lead=lead.display_name,
                    team=team.display_name,
                )
            )

    def _pla_check_deciding(self, refusal):
        """Every lead of ``self`` is handed off and the user may decide on it
        (:meth:`_pla_check_decider`): what recycling and reviewing ask.

        :param refusal: ``(lead, state label) -> str``, the translated
            message for a lead that is not handed off
        """
        for lead in self:
            if lead.lifecycle_state != lifecycle.HANDED_OFF:
                raise UserError(
                    refusal(lead, lead._pla_state_label(lead.lifecycle_state))
                )
        self._pla_check_decider()
