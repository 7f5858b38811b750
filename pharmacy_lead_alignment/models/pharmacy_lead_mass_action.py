# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An action on many leads, worked off in the background.

A button or an RPC call on more leads than a request should touch
(:data:`..tools.mass_actions.SYNC_LIMIT`) checks its arguments and its
user's role, then queues itself here (``crm.lead._pla_queue_if_many``)
instead of acting. The scheduled action *Lead Alignment: background actions
on leads* calls the same public method on a batch of the leads at a time,
**as the user who asked** (their rights, companies, language and time zone:
the queue is no authority of its own), shows its progress, goes on past a
lead that cannot move (listed on the action), and tells the user in their
inbox when it is done.

Each batch locks its action (``SKIP LOCKED``) and takes its leads off the
action's pending list in the same transaction as the work: a second worker
works on another action or waits, and a batch is never done twice.
"""

import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import mass_actions
from ..tools.groups import GROUP_MANAGER

_logger = logging.getLogger(__name__)

PENDING_TABLE = "pharmacy_lead_mass_action_pending_rel"


class PharmacyLeadMassAction(models.Model):
    _name = "pharmacy.lead.mass.action"
    _inherit = ["mail.thread"]
    _description = "Background Action on Leads"
    _order = "id desc"
    _check_company_auto = True

    method = fields.Selection(
        mass_actions.METHOD_SELECTION, string="Action", required=True, readonly=True
    )
    arguments = fields.Json(readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Asked By",
        required=True,
        readonly=True,
        index=True,
        help="The background action acts with this user's rights.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    allowed_company_ids = fields.Many2many(
        "res.company",
        "pharmacy_lead_mass_action_company_rel",
        "action_id",
        "company_id",
        string="Companies",
        readonly=True,
    )
    lead_ids = fields.Many2many(
        "crm.lead",
        "pharmacy_lead_mass_action_lead_rel",
        "action_id",
        "lead_id",
        string="Leads",
        readonly=True,
    )
    pending_lead_ids = fields.Many2many(
        "crm.lead",
        PENDING_TABLE,
        "action_id",
        "lead_id",
        string="Leads to Do",
        readonly=True,
    )
    lead_count = fields.Integer(string="Number of Leads", readonly=True)
    done_count = fields.Integer(string="Done", readonly=True)
    failed_count = fields.Integer(string="Failed", readonly=True)
    progress = fields.Float(compute="_compute_progress")
    failures = fields.Json(string="Failures (Data)", readonly=True)
    failure_text = fields.Text(string="Failures", compute="_compute_failure_text")
    state = fields.Selection(
        mass_actions.STATE_SELECTION,
        default=mass_actions.QUEUED,
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    date_done = fields.Datetime(string="Finished On", readonly=True)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("method", "lead_count")
    def _compute_display_name(self):
        labels = dict(self._fields["method"]._description_selection(self.env))
        for action in self:
            action.display_name = self.env._(
                "%(action)s: %(count)s leads",
                action=labels.get(action.method, action.method),
                count=action.lead_count,
            )

    @api.depends("lead_count", "done_count", "failed_count")
    def _compute_progress(self):
        for action in self:
            finished = action.done_count + action.failed_count
            action.progress = (
                100.0 * finished / action.lead_count if action.lead_count else 100.0
            )

    @api.depends("failures")
    def _compute_failure_text(self):
        for action in self:
            failures = action.failures or {}
            lines = [
                self.env._("%(lead)s: %(message)s", lead=name, message=message)
                for name, message in failures.get("listed", [])
            ]
            if failures.get("more"):
                lines.append(self.env._("… and %(count)s more", count=failures["more"]))
            action.failure_text = "\n".join(lines) or False

    # ------------------------------------------------------------
    # QUEUEING
    # ------------------------------------------------------------

    @api.model
    def _queue(self, leads, method, arguments):
        """Queue ``method`` of ``leads`` with ``arguments`` (JSON values),
        for the current user, and wake the scheduled action.

        Called by ``crm.lead._pla_queue_if_many`` once the method has checked
        its arguments and the user's role; nobody creates one otherwise (no
        access right allows it). The row is written as the system, as a
        record of the request: the work runs with the user's rights."""
        if method not in mass_actions.METHODS:
            raise ValueError(f"{method} is not an action that may be queued")
        action = self.sudo().create(
            {
                "method": method,
                "arguments": arguments,
                "user_id": self.env.uid,
                "company_id": self.env.company.id,
                "allowed_company_ids": [fields.Command.set(self.env.companies.ids)],
                "lead_ids": [fields.Command.set(leads.ids)],
                "pending_lead_ids": [fields.Command.set(leads.ids)],
                "lead_count": len(leads),
            }
        )
        self.env.ref("pharmacy_lead_alignment.ir_cron_mass_actions")._trigger()
        return action

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_cancel(self):
        """Stop queued background actions: the leads not done yet stay as
        they are. The user who asked, or an Alignment Manager."""
        manager = self.env.user.has_group(GROUP_MANAGER)
        for action in self:
            if action.user_id != self.env.user and not manager:
                raise AccessError(
                    self.env._(
                        "Only %(user)s, who asked for “%(action)s”, or an "
                        "Alignment Manager may cancel it.",
                        user=action.user_id.display_name,
                        action=action.display_name,
                    )
                )
            if action.state != mass_actions.QUEUED:
                raise UserError(
                    self.env._(
                        "“%(action)s” has finished: there is nothing left to cancel.",
                        action=action.display_name,
                    )
                )
        # the request row is the system's: the user's say was checked above
        self.sudo().write(
            {
                "state": mass_actions.CANCELLED,
                "pending_lead_ids": [fields.Command.clear()],
                "date_done": fields.Datetime.now(),
            }
        )
        return True

    # ------------------------------------------------------------
    # CRON
    # ------------------------------------------------------------

    @api.model
    def _cron_run(self, batch_size=mass_actions.BATCH):
        """Act on a batch of the oldest queued background action, with
        progress. A batch never exceeds the request limit, so the method it
        calls acts at once instead of queueing again."""
        size = min(batch_size, mass_actions.SYNC_LIMIT)
        self.flush_model()
        ids = self.env["crm.lead"]._pla_claim_rows(
            SQL(
                "SELECT id FROM pharmacy_lead_mass_action WHERE state = %s"
                " ORDER BY id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED",
                mass_actions.QUEUED,
            )
        )
        action = self.sudo().browse(ids or [])
        done = action._run_batch(size) if action else 0
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM %s AS pending"
                " JOIN pharmacy_lead_mass_action AS action"
                " ON action.id = pending.action_id WHERE action.state = %s",
                SQL.identifier(PENDING_TABLE),
                mass_actions.QUEUED,
            )
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return True

    def _run_batch(self, size):
        """Call the action's method on its next ``size`` pending leads as the
        user who asked; a failing batch is retried lead by lead, and the
        leads that still fail are listed. Returns how many leads it took."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT lead_id FROM %s WHERE action_id = %s ORDER BY lead_id LIMIT %s",
                SQL.identifier(PENDING_TABLE),
                self.id,
                size,
            )
        )
        lead_ids = [row[0] for row in self.env.cr.fetchall()]
        Lead = self._requester_env()["crm.lead"]
        leads = Lead.browse(lead_ids)
        failures = []
        if self._attempt(leads):
            for lead in leads:
                error = self._attempt(lead)
                if error:
                    failures.append((self._lead_label(lead), error))
        self.env.cr.execute(
            SQL(
                "DELETE FROM %s WHERE action_id = %s AND lead_id = ANY(%s)",
                SQL.identifier(PENDING_TABLE),
                self.id,
                lead_ids,
            )
        )
        self.invalidate_recordset(["pending_lead_ids"])
        listed, more = mass_actions.add_failures(
            (self.failures or {}).get("listed", []),
            (self.failures or {}).get("more", 0),
            failures,
        )
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM %s WHERE action_id = %s",
                SQL.identifier(PENDING_TABLE),
                self.id,
            )
        )
        pending = self.env.cr.fetchone()[0]
        failed = self.failed_count + len(failures)
        state = mass_actions.final_state(pending=pending, failed=failed)
        self.write(
            {
                "done_count": self.done_count + len(lead_ids) - len(failures),
                "failed_count": failed,
                "failures": {"listed": listed, "more": more} if failed else False,
                "state": state,
                "date_done": fields.Datetime.now() if not pending else False,
            }
        )
        if not pending:
            self._notify_requester()
        return len(lead_ids)

    # ------------------------------------------------------------
    # HELPERS
    # ------------------------------------------------------------

    def _requester_env(self):
        """The environment of the user who asked: their rights (never the
        system's), companies, language and time zone."""
        user = self.user_id
        return self.env(
            user=user,
            su=False,
            context=dict(
                self.env.context,
                allowed_company_ids=(
                    (self.allowed_company_ids & user.company_ids).ids
                    or [self.company_id.id]
                ),
                lang=user.lang,
                tz=user.tz,
            ),
        )

    def _lead_label(self, lead):
        """How a failure names ``lead`` (in the requester's environment):
        its name while they may read it, else only its number, so that a
        lead that went back to the desk meanwhile is never named to sales."""
        if lead.has_access("read"):
            return lead.display_name
        return self.with_context(lang=self.user_id.lang).env._(
            "lead #%(id)s (no longer visible to you)", id=lead.id
        )

    def _attempt(self, leads):
        """Call the action's method on ``leads``; the error message when it
        failed (what it did is rolled back), else ``None``."""
        method = getattr(leads, self.method)
        error = leads._pla_attempt(method, **(self.arguments or {}))
        if error is None:
            return None
        if isinstance(error, (UserError, AccessError, ValidationError)):
            return str(error.args[0])
        _logger.error(
            "Background action %s failed on leads %s",
            self.id,
            leads.ids,
            exc_info=error,
        )
        return self.with_context(lang=self.user_id.lang).env._(
            "an unexpected error (%(error)s): the server log has the details",
            error=type(error).__name__,
        )

    def _notify_requester(self):
        """Tell the user who asked that the action is over, in their inbox."""
        self.ensure_one()
        action = self.with_context(lang=self.user_id.lang)
        _ = action.env._
        if self.failed_count:
            body = _(
                "%(action)s is over: %(done)s leads done, %(failed)s could not "
                "be, each listed with its reason on this background action.",
                action=action.display_name,
                done=self.done_count,
                failed=self.failed_count,
            )
        else:
            body = _(
                "%(action)s is over: all %(done)s leads done.",
                action=action.display_name,
                done=self.done_count,
            )
        action.message_post(
            body=body,
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_note",
        )
