# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Merging and deleting leads never loses an audit or legal record.

Odoo's merge (``crm.lead._merge_opportunity``, the *Merge* wizard, the
automatic assignment's de-duplication) deletes the merged-away leads. Their
lifecycle events, consents, engagement events, SLA clocks, nurture step runs
and reviews move to the surviving lead first, the way Odoo's own bridges move
messages, attachments and meetings (``_merge_dependences``). Deleting a lead
that carries such records is refused: it is archived (lost, disqualified).
"""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import lifecycle
from .pharmacy_audit_mixin import trusted

#: Child models kept for the audit trail, each linked by ``lead_id``.
AUDIT_MODELS = (
    "pharmacy.lead.event",
    "pharmacy.lead.consent",
    "pharmacy.lead.engagement",
    "pharmacy.lead.sla",
    "pharmacy.nurture.step.run",
    "pharmacy.lead.feedback",
)
STEP_RUN_MODEL = "pharmacy.nurture.step.run"


def _note_suffix(note):
    """`` (note)`` after a step-run fact, or nothing."""
    return f" ({note})" if note else ""


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # MERGE
    # ------------------------------------------------------------

    def _merge_opportunity(
        self, user_id=False, team_id=False, auto_unlink=True, max_length=5
    ):
        # before anything is written (followers, messages, the head's values)
        self._pla_check_merge_companies()
        return super()._merge_opportunity(
            user_id=user_id,
            team_id=team_id,
            auto_unlink=auto_unlink,
            max_length=max_length,
        )

    def _merge_dependences(self, opportunities):
        result = super()._merge_dependences(opportunities)
        self._pla_merge_audit_records(opportunities)
        return result

    def _pla_check_merge_companies(self):
        """Leads of different companies are not merged when they are in the
        flow or carry audit records: those records belong to their company
        (``check_company``). Other leads merge as in Odoo (the automatic
        assignment, as superuser, may find duplicates in any company)."""
        companies = self.company_id
        if len(companies) > 1 and (
            any(self.mapped("lifecycle_state")) or self._pla_first_audit_record()
        ):
            first = self.filtered(lambda lead: lead.company_id == companies[0])[0]
            other = self.filtered(lambda lead: lead.company_id != companies[0])[0]
            raise UserError(
                self.env._(
                    "“%(lead)s” belongs to %(company)s and “%(other)s” to "
                    "%(other_company)s: leads of different companies cannot be "
                    "merged, their consents, events and reviews stay with their "
                    "company.",
                    lead=first.display_name,
                    company=first.company_id.display_name,
                    other=other.display_name,
                    other_company=other.company_id.display_name,
                )
            )

    def _pla_merge_audit_records(self, opportunities):
        """Move the audit records of ``opportunities`` (the leads merged
        away) onto ``self`` (the surviving lead), log the merge in its event
        log and bring its score, SLA summary and consents up to date.

        One write per model, whatever the number of records; only the
        module's own (trusted) code may re-point these append-only records.

        Nurture step runs are unique per (lead, step): a step runs once for a
        person. When the same step ran for several of the merged leads, one
        run is kept on the survivor: the survivor's own, else a *done* run
        before a skipped or failed one, else the earliest. The other runs are
        not moved (that would break the rule) but deleted, and what they said
        (step, date, result, note, original lead) is written into the
        reason of the merge event, so that no fact is lost.
        """
        self.ensure_one()
        tails = opportunities - self
        if not tails:
            return
        (self | tails)._pla_check_merge_companies()
        dropped = self._pla_merge_step_runs(tails)
        for model in AUDIT_MODELS:
            if model == STEP_RUN_MODEL:
                continue
            records = trusted(self.env[model].sudo()).search(
                [("lead_id", "in", tails.ids)]
            )
            if records:
                records.write({"lead_id": self.id})
        # the survivor reached what the merged leads' moves reached
        self._pla_backfill_funnel_levels((self | tails).ids)
        self._pla_log_merge(tails, dropped)
        self._pla_merge_recompute()

    def _pla_merge_step_runs(self, tails):
        """Move the step runs of ``tails`` that do not clash with a run of the
        same step already on ``self`` (see ``_pla_merge_audit_records``).

        :return: the facts of the runs that could not be kept, as text lines
        """
        Run = trusted(self.env[STEP_RUN_MODEL].sudo())
        runs = Run.search([("lead_id", "in", (self | tails).ids)])
        taken = {run.step_id.id for run in runs if run.lead_id == self}
        candidates = (runs - runs.filtered(lambda run: run.lead_id == self)).sorted(
            lambda run: (run.result != lifecycle.RUN_DONE, run.date, run.id)
        )
        keep, drop = Run.browse(), Run.browse()
        for run in candidates:
            if run.step_id.id in taken:
                drop |= run
            else:
                taken.add(run.step_id.id)
                keep |= run
        results = dict(Run._fields["result"]._description_selection(self.env))
        facts = [
            self.env._(
                "Step “%(step)s” (%(track)s) also ran for “%(lead)s” (#%(id)s) on "
                "%(date)s UTC: %(result)s%(note)s.",
                step=run.step_id.name,
                track=run.step_id.track_id.name,
                lead=run.lead_id.name,
                id=run.lead_id.id,
                date=fields.Datetime.to_string(run.date),
                result=results.get(run.result, run.result),
                note=_note_suffix(run.note),
            )
            for run in drop.sorted(lambda run: (run.date, run.id))
        ]
        if drop:
            drop.unlink()
        if keep:
            keep.write({"lead_id": self.id})
        return facts

    def _pla_log_merge(self, tails, dropped):
        """One event on the survivor: it stays in its state, its log now
        holds the merged leads' events too. A survivor outside the flow has
        no state to log: the facts of the runs not kept go to its chatter."""
        reason = self.env._(
            "Merged with %(leads)s: their lifecycle events, consents, engagement "
            "events, SLA clocks, nurture step runs and reviews now belong to this "
            "lead.",
            leads=", ".join(f"“{lead.name}” (#{lead.id})" for lead in tails),
        )
        if dropped:
            reason = "\n".join(
                [
                    reason,
                    self.env._(
                        "Not kept, the same step having already run for this lead:"
                    ),
                    *dropped,
                ]
            )
        if self.lifecycle_state:
            self._pla_log_events(
                [(self, self.lifecycle_state, self.lifecycle_state, reason, False)]
            )
        elif dropped:
            self.sudo().message_post(
                body=Markup("<br/>").join(reason.split("\n")),
                subtype_xmlid="mail.mt_note",
            )

    def _pla_merge_recompute(self):
        """Score, SLA summary and consents of the survivor, once."""
        self.modified(["consent_ids"])
        self._recompute_recordset(["processing_consent", "marketing_consent"])
        self._pla_sla_refresh()
        self._pla_rescore(in_memory=True)

    # ------------------------------------------------------------
    # DELETION
    # ------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit_records(self):
        """A lead that carries audit or legal records is archived, never
        deleted (the records refer to it, ``ondelete="restrict"``). Leads
        outside the flow, without such records, are deleted as in Odoo."""
        record = self._pla_first_audit_record()
        if record:
            raise UserError(
                self.env._(
                    "“%(lead)s” cannot be deleted: its lifecycle events, "
                    "consents and reviews are kept for the audit trail. "
                    "Archive it instead: mark it as lost, or disqualify it.",
                    lead=record.lead_id.sudo().display_name,
                )
            )

    def _pla_first_audit_record(self):
        """The first audit record (of any kind) of these leads, if any: at
        most one small query per kind."""
        if not self.ids:
            return None
        for model in AUDIT_MODELS:
            record = (
                self.env[model]
                .sudo()
                .search([("lead_id", "in", self.ids)], limit=1, order="id")
            )
            if record:
                return record
        return None
