# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may write what the module records.

Three things live here, and nowhere else:

* the **trusted-write token**: the module's own code marks the writes it makes
  on a user's behalf (a transition it checked, a score it computed, a review it
  wrote) with :func:`trusted`. The token is a Python object, so no JSON-RPC
  context can carry it: a client may send any context key it likes, it can
  never send this value. ``sudo()`` is *not* the token: it bypasses access
  rights, it does not make a write legitimate.
* the **checked-state token** (:func:`state_checked`), the same kind of
  object: the lifecycle state a write carries was checked by the module's
  own code, which logs it and follows it itself (a transition, a lead
  entering the flow or adopted by a team). ``crm.lead.write()`` then writes
  the values as they are; the modules installed after this one still see
  the write.
* the **append-only mixin** for audit and legal records (lifecycle events,
  engagement events, SLA clocks, nurture step runs, reviews, consents): only
  the module creates them, nobody rewrites or deletes them — managers and
  superuser included — except the few fields a user may still correct
  (``_pla_user_write_fields``), and except the module itself (a merge moves
  them to the surviving lead).
"""

from odoo import api, models
from odoo.exceptions import AccessError, UserError

TRUSTED_KEY = "pla_trusted"
_TRUSTED = object()
STATE_CHECKED_KEY = "pla_state_checked"
_STATE_CHECKED = object()


def trusted(records):
    """``records`` in an environment where the module's own writes pass."""
    return records.with_context(**{TRUSTED_KEY: _TRUSTED})


def is_trusted(records):
    """Whether ``records`` carry the module's trusted-write token."""
    return records.env.context.get(TRUSTED_KEY) is _TRUSTED


def state_checked(records):
    """``records`` in an environment where ``crm.lead.write()`` writes a
    lifecycle state that the caller checked, logs and follows itself; a
    trusted write too. Never a place for business data: the reason and the
    review of a move are arguments of ``crm.lead._pla_transition()``."""
    return trusted(records).with_context(**{STATE_CHECKED_KEY: _STATE_CHECKED})


def is_state_checked(records):
    """Whether ``records`` carry the module's checked-state token."""
    return records.env.context.get(STATE_CHECKED_KEY) is _STATE_CHECKED


class PharmacyAuditMixin(models.AbstractModel):
    """Append-only records: created by the module, never rewritten or
    deleted, except the fields listed in ``_pla_user_write_fields``."""

    _name = "pharmacy.audit.mixin"
    _description = "Append-only Lead Record"

    #: Users (with the access rights) may create these records themselves.
    _pla_user_create = False
    #: Fields a user may still change after creation (access rights and
    #: record rules still apply).
    _pla_user_write_fields = frozenset()

    @api.model_create_multi
    def create(self, vals_list):
        if not self._pla_user_create and not is_trusted(self):
            self.check_access("create")  # the access rights answer first
            raise AccessError(
                self.env._(
                    "%(model)s records are written by the lead alignment flow "
                    "itself and cannot be created by hand.",
                    model=self._description,
                )
            )
        return super().create(vals_list)

    def write(self, vals):
        if not is_trusted(self):
            self.check_access("write")  # the access rights answer first
            forbidden = sorted(set(vals) - self._pla_user_write_fields)
            if forbidden:
                raise UserError(
                    self.env._(
                        "%(model)s records are kept as they were written: "
                        "%(fields)s cannot be changed. Record a correction as a "
                        "new entry instead.",
                        model=self._description,
                        fields=", ".join(
                            self._fields[fname].get_description(self.env)["string"]
                            if fname in self._fields
                            else fname
                            for fname in forbidden
                        ),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit_record(self):
        if not is_trusted(self):
            raise UserError(
                self.env._(
                    "%(model)s records are kept for the audit trail and cannot "
                    "be deleted, not even by a manager.",
                    model=self._description,
                )
            )
