# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the scheduled jobs on leads share: claiming work, going on past a
bad record, set-based writes.

A batch of a job locks the rows it works on (``SKIP LOCKED``), or the
parameter where the job keeps its place, so that two runs side by side (a
second worker, a manual run) share the work instead of doing it twice or
failing on it. A job tries each piece of work in a savepoint
(:meth:`CrmLead._pla_attempt`): a failing batch is retried record by record,
a failing record is noted and skipped. :data:`CONCURRENCY_ERRORS` are never
the fault of one record: no job skips or notes a record for them. Scores and
SLA summaries are written with a few set-based ``UPDATE`` statements, never
one per lead.
"""

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..tools import mass_actions
from .crm_lead import _logger
from .pharmacy_notification import notification

#: What PostgreSQL raises on a row or parameter that a concurrent transaction
#: holds or changed (Odoo retries a request on them): never the fault of one
#: record, so a cron batch never skips or notes a record for them.
CONCURRENCY_ERRORS = (
    psycopg2.errors.LockNotAvailable,
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
)


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # CLAIMING WORK
    # ------------------------------------------------------------

    @api.model
    def _pla_claim_rows(self, query):
        """Run ``query``, a ``SELECT id … FOR … SKIP LOCKED`` that locks the
        rows a cron batch is about to process, and return their ids.

        A run of the same job beside this one holds its rows until it
        commits: they are skipped, so the two runs share the work. Rows it
        committed after this transaction began cannot be locked any more
        (Odoo's cursors are REPEATABLE READ): then ``None`` is returned and
        this run leaves the work to the other one, which is at it.
        """
        cr = self.env.cr
        try:
            with cr.savepoint():
                cr.execute(query, log_exceptions=False)
                return [row[0] for row in cr.fetchall()]
        except CONCURRENCY_ERRORS:
            _logger.info("A concurrent run holds this work: left to it")
            return None

    @api.model
    def _pla_claim_leads(self, domain, limit, order="id", active_test=True):
        """Ids of up to ``limit`` leads matching ``domain`` (active ones only,
        unless ``active_test`` is false), locked for this transaction;
        ``None`` as in :meth:`_pla_claim_rows`."""
        query = (
            self.sudo()
            .with_context(active_test=active_test)
            ._search(domain, order=order, limit=limit)
        )
        return self._pla_claim_rows(
            SQL("%s FOR NO KEY UPDATE OF crm_lead SKIP LOCKED", query.select())
        )

    @api.model
    def _pla_claim_param(self, key, default):
        """Lock the system parameter ``key`` where a scheduled action keeps
        its place, for this transaction, and return its value (the parameter
        is created with ``default`` if missing): one run of the job at a
        time. ``None`` when a concurrent run holds it, or changed it after
        this transaction began: that run does the work."""
        self.env["ir.config_parameter"].flush_model()
        cr = self.env.cr
        row = None
        try:
            with cr.savepoint(flush=False):
                cr.execute(
                    SQL(
                        "SELECT value FROM ir_config_parameter WHERE key = %s"
                        " FOR NO KEY UPDATE NOWAIT",
                        key,
                    ),
                    log_exceptions=False,
                )
                row = cr.fetchone()
                if not row:
                    now = fields.Datetime.now()
                    cr.execute(
                        SQL(
                            "INSERT INTO ir_config_parameter"
                            " (key, value, create_uid, create_date, write_uid,"
                            " write_date) VALUES (%s, %s, %s, %s, %s, %s)"
                            " ON CONFLICT (key) DO NOTHING RETURNING value",
                            key,
                            default,
                            self.env.uid,
                            now,
                            self.env.uid,
                            now,
                        ),
                        log_exceptions=False,
                    )
                    row = cr.fetchone()
        except CONCURRENCY_ERRORS + (psycopg2.errors.UniqueViolation,):
            row = None
        if row is None:
            _logger.info("A concurrent run holds %s: the work is left to it", key)
            return None
        return row[0]

    @api.model
    def _pla_read_param(self, key):
        """The value a scheduled action keeps in the system parameter
        ``key``, read from the table (see :meth:`_pla_store_param`)."""
        self.env["ir.config_parameter"].flush_model(["value"])
        self.env.cr.execute(
            SQL("SELECT value FROM ir_config_parameter WHERE key = %s", key)
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _pla_store_param(self, key, value):
        """Write where a scheduled action keeps its place, in the row that
        :meth:`_pla_claim_param` locked (created there if missing).

        Not ``set_param``: it clears the registry's caches and signals every
        worker to drop theirs, once per batch of a job that runs in hundreds
        of batches. The value is only ever read by the job, from the table
        (:meth:`_pla_read_param`), so no cache holds it."""
        self.env["ir.config_parameter"].flush_model(["value"])
        self.env.cr.execute(
            SQL(
                "UPDATE ir_config_parameter SET value = %s, write_uid = %s,"
                " write_date = %s WHERE key = %s",
                value,
                self.env.uid,
                fields.Datetime.now(),
                key,
            )
        )
        self.env["ir.config_parameter"].invalidate_model(["value"])

    # ------------------------------------------------------------
    # MANY LEADS: IN THE BACKGROUND
    # ------------------------------------------------------------

    def _pla_queue_if_many(self, method, **arguments):
        """Queue ``method`` on these leads as a background action
        (``pharmacy.lead.mass.action``) when they are more than a request
        should touch, and return the notification that says so; ``None``
        when they are few enough to act on now.

        The public methods call it once they have checked their arguments
        and their user's role, so a mistake is refused at once; the
        background action calls the same method, with the same user's
        rights, on a batch at a time.

        :param arguments: the method's keyword arguments, as JSON values
        """
        if not mass_actions.should_queue(len(self)):
            return None
        self.check_access("write")
        action = self.env["pharmacy.lead.mass.action"]._queue(self, method, arguments)
        return notification(
            self.env,
            self.env._(
                "%(action)s runs in the background, a batch at a time; your "
                "inbox tells you when it is done. CRM › Sales › Background Actions "
                "shows its progress.",
                action=action.display_name,
            ),
            kind="info",
        )

    # ------------------------------------------------------------
    # GOING ON PAST A BAD RECORD
    # ------------------------------------------------------------

    @api.model
    def _pla_attempt(self, work, *args, **kwargs):
        """``work(*args, **kwargs)`` in a savepoint, for a job that must go on
        past a bad record: on an error, what ``work`` did is rolled back and
        the error is returned, for the caller to retry smaller, or to note
        and skip the record. :data:`CONCURRENCY_ERRORS` are raised again: no
        record is at fault, the job's transaction ends (another run holds the
        work).

        :return: the error ``work`` raised, ``None`` when it went through
        """
        try:
            with self.env.cr.savepoint():
                work(*args, **kwargs)
        except CONCURRENCY_ERRORS:
            raise
        except Exception as error:  # noqa: BLE001 - the caller retries or notes
            return error
        return None

    # ------------------------------------------------------------
    # SET-BASED WRITES
    # ------------------------------------------------------------

    @api.model
    def _pla_update_leads(self, assignments, columns, rows):
        """Set values on many leads with a few ``UPDATE … FROM unnest(…)``
        (one statement per 5,000 leads, not one per lead). The caller
        flushes and invalidates the fields it writes.

        :param assignments: the ``SET`` clause, reading ``v.<column>``
        :param columns: ``(name, SQL type)`` of each value after the lead id
        :param rows: tuples ``(lead_id, value, …)``
        """
        names = SQL(", ").join(
            SQL.identifier(name) for name in ["id", *(name for name, _t in columns)]
        )
        types = ["int", *(sql_type for _n, sql_type in columns)]
        for chunk in split_every(5000, rows):
            arrays = SQL(", ").join(
                SQL("%s::%s[]", list(values), SQL(sql_type))
                for sql_type, values in zip(
                    types, zip(*chunk, strict=True), strict=True
                )
            )
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead AS lead SET %s FROM unnest(%s) AS v(%s)"
                    " WHERE lead.id = v.id",
                    assignments,
                    arrays,
                    names,
                )
            )
