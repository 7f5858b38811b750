# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may write what on a lead: the fields only the module writes
(``SYSTEM_FIELDS``), who decides on a handed-off lead and who may qualify a
lead below the company's lowest grade. ``write()`` in ``crm_lead.py`` calls
the guards unless the write is the module's own (trusted, see
``pharmacy_audit_mixin``); the views show a button only to whom the same rule
lets use it (``can_review``, ``below_qualify_grade``)."""

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError

from ..tools import lifecycle, qualification
from ..tools.groups import GROUP_SALES_MANAGER
from .crm_lead import SYSTEM_FIELDS


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    can_review = fields.Boolean(
        compute="_compute_can_review",
        help="The lead is handed off and the current user may decide on it: a "
        "member or the leader of the receiving sales team, its salesperson or a "
        "sales manager, never the desk that handed it off.",
    )
    below_qualify_grade = fields.Boolean(
        string="Below the Grade to Qualify",
        compute="_compute_below_qualify_grade",
        help="The lead's grade is below the company's lowest grade to qualify: "
        "only an Alignment Manager may qualify it, with a written reason.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("lifecycle_state", "team_id", "user_id")
    @api.depends_context("uid")
    def _compute_can_review(self):
        handed = self.filtered(
            lambda lead: lead.lifecycle_state == lifecycle.HANDED_OFF
        )
        may = handed._pla_may_decide(self.env.user)
        for lead in self:
            lead.can_review = may.get(lead, False)

    @api.depends("lead_grade", "company_id.lead_mql_min_grade")
    def _compute_below_qualify_grade(self):
        for lead in self:
            lead.below_qualify_grade = bool(
                lead.lifecycle_state
            ) and qualification.below_grade(
                lead.lead_grade, lead._pla_min_qualify_grade()
            )

    def _pla_min_qualify_grade(self):
        """The company's lowest grade to qualify (the lead's, else the
        user's company)."""
        self.ensure_one()
        return (self.company_id or self.env.company).sudo().lead_mql_min_grade

    @api.model
    def _pla_system_fields(self):
        """The fields only the module's own code writes; concerns that own
        more add theirs through ``super()``."""
        return SYSTEM_FIELDS

    @api.model
    def _pla_check_system_fields(self, vals):
        """Refuse values for fields that only the module's own code writes."""
        owned = sorted(self._pla_system_fields().intersection(vals))
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
        may = self._pla_may_decide(user)
        for lead in self:
            team = lead.sudo().team_id
            if may[lead]:
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

    def _pla_may_decide(self, user):
        """``{lead: bool}``: whether ``user`` may decide on each handed-off
        lead (:func:`tools.lifecycle.may_decide_handoff`), the one rule of
        :meth:`_pla_check_decider` and of the ``can_review`` buttons."""
        is_desk = self._pla_is_desk(user)
        is_sales_manager = user.has_group(GROUP_SALES_MANAGER)
        result = {}
        for lead in self:
            team = lead.sudo().team_id
            receivers = team.member_ids | team.user_id | lead.sudo().user_id
            result[lead] = lifecycle.may_decide_handoff(
                is_receiver=user in receivers,
                is_sales_manager=is_sales_manager,
                is_desk=is_desk,
            )
        return result

    def _pla_check_qualify_grade(self, old, new, reason=False, can_override=False):
        """A lead below the company's lowest grade to qualify is qualified (or
        handed off unqualified) only by an Alignment Manager, with a written
        reason: by every path (the buttons, ``write``, ``handoff_to``), as
        :func:`tools.qualification.check_grade` decides.

        :return: whether the move is an override, to log as such
        :raise UserError: naming the grade, the lowest allowed one and who
            may override
        """
        self.ensure_one()
        min_grade = self._pla_min_qualify_grade()
        try:
            kind = qualification.check_grade(
                old,
                new,
                self.lead_grade,
                min_grade,
                can_override=can_override,
                reason=reason,
            )
        except qualification.GradeError as error:
            grades = dict(self._fields["lead_grade"]._description_selection(self.env))
            params = {
                "lead": self.display_name,
                "grade": grades.get(error.grade) or self.env._("not graded"),
                "min_grade": grades.get(error.min_grade, error.min_grade),
            }
            if error.code == "grade_manager":
                message = self.env._(
                    "“%(lead)s” has grade %(grade)s, below the lowest grade "
                    "allowed to qualify (%(min_grade)s): only an Alignment Manager "
                    "may qualify it anyway, with a written reason. Nurture it or "
                    "ask your Alignment Manager.",
                    **params,
                )
            else:
                message = self.env._(
                    "“%(lead)s” has grade %(grade)s, below the lowest grade "
                    "allowed to qualify (%(min_grade)s): write the reason for "
                    "qualifying it anyway.",
                    **params,
                )
            raise UserError(message) from error
        return kind == "override"

    def _pla_check_deciding(self, refusal):
        """Every lead of ``self`` is handed off and the user may decide on it
        (:meth:`_pla_check_decider`): what recycling and reviewing ask.

        :param refusal: ``(lead=name, state=label) -> str``, the translated
            message for a lead that is not handed off, given the lead's name
            and the label of its state
        """
        for lead in self:
            if lead.lifecycle_state != lifecycle.HANDED_OFF:
                raise UserError(
                    refusal(
                        lead=lead.display_name,
                        state=lead._pla_state_label(lead.lifecycle_state),
                    )
                )
        self._pla_check_decider()
