# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lead's automatic activities: the desk's, and how each closes with what
it asked for.

The "Ready for hand-off" and "Recycled: decide" activities go to the lead's
owner at the desk (:meth:`CrmLead._pla_schedule_desk_activity`). Each
automatic activity the add-on schedules on a lead asks someone for
something while the lead is in given states (``tools/activities.py``): when
the lead moves, it is marked done if the move is what it asked for (a "Ready
for hand-off" when the lead is handed off), cancelled if it no longer applies
(the lead was disqualified, lost, returned, sent back to nurturing), or left
open. One search on ``mail.activity`` per batch of moves, whatever the number
of leads. An SLA escalation follows its clock instead (``crm_lead_sla``); the
activities of a lead merged away are cancelled unless they apply to the lead
it is merged into; Odoo deletes those of a lead archived (lost).
"""

from collections import defaultdict

from odoo import models

from ..tools import activities
from .pharmacy_activity import (
    automatic_activities,
    close_activities,
    schedule_activities,
)

#: The activity types of the kinds that follow the lifecycle state (a nurture
#: step's activity has the type its step chose).
TYPE_XMLIDS = {
    activities.READY: "pharmacy_lead_alignment.mail_activity_type_ready_handoff",
    activities.RECYCLE: "pharmacy_lead_alignment.mail_activity_type_recycle_decide",
    activities.FLAG: "pharmacy_lead_alignment.mail_activity_type_mishandled",
}


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # THE LIFECYCLE HOOK
    # ------------------------------------------------------------

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        result = super()._pla_on_lifecycle_change(
            events, new_state, direct=direct, review=review
        )
        self._pla_follow_activities(events)
        return result

    # ------------------------------------------------------------
    # MERGE
    # ------------------------------------------------------------

    def _merge_dependences(self, opportunities):
        # before Odoo moves the activities of the leads merged away onto this one
        (opportunities - self)._pla_cancel_merged_activities(self.lifecycle_state)
        return super()._merge_dependences(opportunities)

    # ------------------------------------------------------------
    # ACTIVITIES
    # ------------------------------------------------------------

    def _pla_schedule_desk_activity(self, kind, note):
        """One automatic activity of ``kind`` (a kind of
        :data:`TYPE_XMLIDS`) per lead, for its owner at the desk: its
        salesperson, else its team's leader, else the team's first member.
        Created in one batch; nothing when the type was deleted.

        :param note: ``lead -> str``, the activity's note for each lead
        :return: the activities created
        """
        activity_type = self.env.ref(TYPE_XMLIDS[kind], raise_if_not_found=False)
        if not activity_type or not self:
            return self.env["mail.activity"]
        return schedule_activities(
            activity_type,
            (
                (
                    lead,
                    lead.user_id or lead.team_id.user_id or lead.team_id.member_ids[:1],
                    {"note": note(lead)},
                )
                for lead in self
            ),
        )

    def _pla_state_activity_types(self):
        """``{kind: mail.activity.type}`` of the kinds that follow the state:
        the add-on's own types, and the types of the nurture steps."""
        ActivityType = self.env["mail.activity.type"]
        types = {
            kind: self.env.ref(xmlid, raise_if_not_found=False) or ActivityType
            for kind, xmlid in TYPE_XMLIDS.items()
        }
        types[activities.NURTURE] = (
            self.env["pharmacy.nurture.step"]
            .sudo()
            .with_context(active_test=False)
            .search([("action", "=", "activity")])
            .activity_type_id
        )
        return types

    def _pla_follow_activities(self, events):
        """Mark done or cancel the automatic activities of the leads that
        moved (``events``: ``(lead, from, to, reason, is_override)``), as
        :func:`tools.activities.on_move` decides."""
        moves = {lead.id: (old, new) for lead, old, new, *_rest in events if old != new}
        concerned = {
            kind
            for old, new in moves.values()
            for kind in activities.STATE_KINDS
            if activities.on_move(kind, old, new)
        }
        if not concerned:
            return
        types = self._pla_state_activity_types()
        wanted = self.env["mail.activity.type"].union(
            *(types[kind] for kind in concerned)
        )
        found = automatic_activities(self.browse(list(moves)), wanted)
        closing = defaultdict(lambda: found.browse())
        for activity in found:
            old, new = moves[activity.res_id]
            for kind in activities.STATE_KINDS:
                outcome = activities.on_move(kind, old, new)
                if outcome and activity.activity_type_id in types[kind]:
                    closing[outcome, kind, new] |= activity
                    break
        for (outcome, kind, new), closed in closing.items():
            close_activities(
                closed,
                done=outcome == activities.DONE,
                feedback=self._pla_activity_feedback(kind, new),
            )

    def _pla_activity_feedback(self, kind, new_state):
        """What the chatter says of an activity marked done by a move."""
        if kind == activities.READY:
            return self.env._("Done: the lead was handed off to sales.")
        if kind == activities.FLAG:
            return self.env._("Done: the lead was won.")
        return self.env._(
            "Done: the lead moved to “%(state)s”.",
            state=self._pla_state_label(new_state),
        )

    def _pla_cancel_merged_activities(self, survivor_state):
        """Cancel the automatic activities of these leads, being merged away,
        that do not apply to the lead they are merged into, in its state
        ``survivor_state`` (:func:`tools.activities.kept_on_merge`)."""
        if not self:
            return
        types = self._pla_state_activity_types()
        by_kind = {
            kind: found
            for kind, found in self._pla_classify_activities(types).items()
            if not activities.kept_on_merge(kind, survivor_state)
        }
        if not activities.kept_on_merge(activities.ESCALATION, survivor_state):
            by_kind[activities.ESCALATION] = self._pla_sla_escalations()
        for found in by_kind.values():
            close_activities(found)

    def _pla_classify_activities(self, types):
        """``{kind: mail.activity}`` of these leads' open automatic
        activities of the kinds that follow the state, in one search."""
        found = automatic_activities(
            self, self.env["mail.activity.type"].union(*types.values())
        )
        result = defaultdict(lambda: found.browse())
        for activity in found:
            kind = next(
                kind
                for kind in activities.STATE_KINDS
                if activity.activity_type_id in types[kind]
            )
            result[kind] |= activity
        return result
