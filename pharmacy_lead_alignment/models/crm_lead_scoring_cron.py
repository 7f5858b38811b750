# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily re-scoring: engagement decays, every open lead is scored again.

Once a day the scheduled action works through the open leads of the flow
(``CrmLead._pla_scoring_domain``) in id order, a batch per call, and keeps
its place for the day in a cursor (``SCORING_CURSOR_PARAM``), so that a
second run the same day does nothing twice. One run works at a time (it
locks the cursor, see ``crm_lead_batch``); a failing batch is retried lead by
lead, a failing lead is noted and skipped. A change of rules or settings that
touches too many leads to re-score at once restarts the cursor and triggers
the action (``CrmLead._pla_rescore_companies`` in ``crm_lead_scoring``).
"""

from odoo import api, fields, models

from .crm_lead import _logger
from .crm_lead_scoring import SCORING_BATCH, SCORING_CURSOR_PARAM


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # CRONS
    # ------------------------------------------------------------

    @api.model
    def _cron_rescore_leads(self, batch_size=SCORING_BATCH):
        """Daily: decay engagement and re-score every open lead of the flow.

        Works through the leads in id order, a batch per call, and keeps its
        place for the day in a cursor (``ir.cron`` progress tells how many
        remain), so running it twice the same day does nothing twice, and
        only leads whose score changed are written. A batch that fails is
        retried lead by lead; a failing lead is noted on its chatter and
        skipped, the others go on.

        One run works at a time: a batch locks the cursor for its
        transaction. A run started beside it (a second worker, a manual run)
        finds the cursor locked, or moved since its own transaction began,
        and returns at once: it reports what remains and leaves the work to
        the first, instead of scoring the same leads and failing on them.
        """
        today = fields.Date.context_today(self)
        Lead = self.sudo().with_context(active_test=True, tracking_disable=False)
        cursor = self._pla_claim_param(
            SCORING_CURSOR_PARAM, f"{fields.Date.to_string(today)}:0"
        )
        if cursor is None:
            last_id = self._pla_get_scoring_cursor(today)
            remaining = Lead.search_count(
                self._pla_scoring_domain() + [("id", ">", last_id)]
            )
            self.env["ir.cron"]._notify_progress(done=0, remaining=remaining)
            return True
        last_id = self._pla_get_scoring_cursor(today, cursor)
        domain = self._pla_scoring_domain() + [("id", ">", last_id)]
        leads = Lead.search(domain, limit=batch_size, order="id")
        if not leads:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return True
        if self._pla_attempt(leads._pla_rescore) is not None:
            _logger.warning("Lead scoring batch failed; retrying lead by lead")
            for lead in leads:
                lead._pla_rescore_one_safely()
        self._pla_set_scoring_cursor(today, leads[-1].id)
        remaining = Lead.search_count(
            self._pla_scoring_domain() + [("id", ">", leads[-1].id)]
        )
        self.env["ir.cron"]._notify_progress(done=len(leads), remaining=remaining)
        return True

    def _pla_rescore_one_safely(self):
        """Score one lead of a batch that failed; if it fails alone, note it
        on its chatter and skip it."""
        self.ensure_one()
        error = self._pla_attempt(self._pla_rescore)
        if error is None:
            return
        _logger.exception("Lead %s could not be scored", self.id, exc_info=error)
        self.message_post(
            body=self.env._(
                "The daily lead scoring skipped this lead: %(error)s",
                error=str(error),
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------
    # THE CURSOR
    # ------------------------------------------------------------

    @api.model
    def _pla_get_scoring_cursor(self, today, value=None):
        """The last lead id the scoring action reached today (0 if none),
        from the cursor ``value`` (default: the stored one)."""
        if value is None:
            value = self._pla_read_param(SCORING_CURSOR_PARAM)
        day, _sep, last_id = (value or "").partition(":")
        if day != fields.Date.to_string(today) or not last_id.isdigit():
            return 0
        return int(last_id)

    @api.model
    def _pla_set_scoring_cursor(self, today, last_id):
        self._pla_store_param(
            SCORING_CURSOR_PARAM, f"{fields.Date.to_string(today)}:{last_id}"
        )
