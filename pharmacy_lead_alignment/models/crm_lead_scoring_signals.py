# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Engagement signals: what a lead did, as engagement events that score.

An integration logs a custom signal over RPC
(:meth:`CrmLead.action_log_engagement`); an activity marked done (of a type
that an engagement rule names) and an e-mail that the mail gateway receives
log the built-in ones. Each event (``pharmacy.lead.engagement``) carries the
points of its engagement rule; ``crm_lead_scoring`` turns them into the
engagement score. A call or a meeting marked done is also the first contact
of the SLA (``crm_lead_sla``).

A lead without a company (website forms and integrations often create one)
uses the rules of the current company (``self.env.company``): the company
whose rules score it (``crm_lead_scoring``) and that its events are written
in.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import scoring, sla
from ..tools.scoring import (
    CATEGORY_ENGAGEMENT,
    TRIGGER_ACTIVITY,
    TRIGGER_CUSTOM,
    TRIGGER_EMAIL,
)
from .pharmacy_rpc_args import RpcArgs


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    engagement_ids = fields.One2many(
        "pharmacy.lead.engagement", "lead_id", readonly=True
    )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_log_engagement(self, code, date=None, note=None):
        """Log a custom engagement signal on leads, for integrations (RPC).

        :param str code: the code of an active engagement rule of the lead's
            company (of the current company for a lead without one), or a
            shared one, e.g. ``price_list_request``
        :param date: when it happened (datetime or ISO string; a bare date is
            a day of the user's time zone), default now
        :param str note: free text kept on the event
        :return: ids of the created engagement events
        """
        args = RpcArgs(self.env)
        code = args.code("code", code)
        # one dated later would count forever; a bare date is the caller's day
        when = args.past_date("date", date) or fields.Datetime.now()
        note = args.text("note", note)
        self.check_access("write")
        Rule = self.env["pharmacy.scoring.rule"].sudo()
        vals_list = []
        rules = {}  # one search per company, not per lead
        for lead in self:
            company = lead._pla_rules_company()
            if company not in rules:
                rules[company] = Rule.search(
                    [
                        ("category", "=", CATEGORY_ENGAGEMENT),
                        ("trigger", "=", TRIGGER_CUSTOM),
                        ("code", "=", code),
                        ("company_id", "in", [company.id, False]),
                    ],
                    limit=1,
                )
            rule = rules[company]
            if not rule:
                known = Rule.search(
                    [
                        ("category", "=", CATEGORY_ENGAGEMENT),
                        ("trigger", "=", TRIGGER_CUSTOM),
                        ("company_id", "in", [company.id, False]),
                    ]
                ).mapped("code")
                raise UserError(
                    self.env._(
                        "Unknown engagement signal “%(code)s” for “%(lead)s”. "
                        "Known codes: %(known)s. Add an engagement rule with this "
                        "code in CRM › Configuration › Lead Scoring › Scoring Rules.",
                        code=code,
                        lead=lead.display_name,
                        known=", ".join(sorted(known)) or self.env._("none yet"),
                    )
                )
            if not lead.lifecycle_state:
                continue
            vals_list.append(lead._pla_engagement_vals(rule, when, note))
        events = self.env["pharmacy.lead.engagement"].sudo().create(vals_list)
        return events.ids

    # ------------------------------------------------------------
    # SIGNALS
    # ------------------------------------------------------------

    def _pla_rules_company(self):
        """The company whose scoring rules apply to the lead: its own, or
        the current one for a lead without a company."""
        self.ensure_one()
        return self.company_id or self.env.company

    def _pla_engagement_vals(self, rule, when, note=False, source=False):
        self.ensure_one()
        return {
            "lead_id": self.id,
            "rule_id": rule.id,
            "points": rule.points,
            "date": when,
            "note": note or False,
            "source_ref": source or False,
            "company_id": self._pla_rules_company().id,
        }

    def _pla_log_trigger(self, trigger, note=False, source=False, activity_type=None):
        """Engagement events for a built-in trigger, in one ``create``."""
        leads = self.filtered("lifecycle_state")
        if not leads:
            return self.env["pharmacy.lead.engagement"]
        domain = [
            ("category", "=", CATEGORY_ENGAGEMENT),
            ("trigger", "=", trigger),
        ]
        if activity_type:
            domain.append(("activity_type_id", "=", activity_type))
        rules = self.env["pharmacy.scoring.rule"].sudo().search(domain)
        now = fields.Datetime.now()
        vals_list = [
            lead._pla_engagement_vals(rule, now, note, source)
            for lead in leads
            for rule in rules
            if rule.company_id in (lead._pla_rules_company(), self.env["res.company"])
        ]
        return self.env["pharmacy.lead.engagement"].sudo().create(vals_list)

    @api.model
    def _pla_log_activity_signals(self, done):
        """``done``: ``(lead_id, activity_type_id, summary)`` of activities
        just marked done."""
        contact_types = self.env["mail.activity.type"].sudo().search(
            [("category", "in", ["phonecall", "meeting"])]
        ).ids + [
            type_.id
            for type_ in (
                self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False),
                self.env.ref(
                    "mail.mail_activity_data_meeting", raise_if_not_found=False
                ),
            )
            if type_
        ]
        contacted = [
            lead_id for lead_id, type_id, _s in done if type_id in contact_types
        ]
        if contacted:
            self.sudo().browse(contacted).exists()._pla_sla_reach(sla.KIND_CONTACT)
        signal_types = self.env["pharmacy.scoring.rule"]._activity_signal_types()
        for lead_id, type_id, summary in done:
            if type_id not in signal_types:
                continue
            lead = self.sudo().browse(lead_id).exists()
            if lead:
                lead._pla_log_trigger(
                    TRIGGER_ACTIVITY,
                    note=summary,
                    source=f"mail.activity.type,{type_id}",
                    activity_type=type_id,
                )

    def _pla_log_inbound_email(self, subject):
        """An e-mail the mail gateway received for these leads (see
        ``mail.thread._message_route_process``): never reached from RPC, where
        ``message_new`` and ``message_update`` are public."""
        self.sudo()._pla_log_trigger(TRIGGER_EMAIL, note=subject)


class PharmacyLeadEngagement(models.Model):
    """What an event is worth today follows the scoring: the *current*
    points of its rule (nothing once the rule is archived), decayed; the
    event's own points stay what the rule gave when it happened."""

    # one concern per file: how engagement scores
    _inherit = "pharmacy.lead.engagement"

    @api.depends(
        "rule_id.points",
        "rule_id.active",
        "date",
        "company_id.lead_engagement_half_life",
    )
    def _compute_points_today(self):
        today = fields.Date.context_today(self)
        for event in self:
            rule = event.rule_id.sudo()
            half_life = (
                event.company_id.sudo().lead_engagement_half_life
                or scoring.DEFAULTS["half_life"]
            )
            event.points_today = scoring.round_half_up(
                scoring.decayed(
                    rule.points if rule.active else 0,
                    event._age_days(today),
                    half_life,
                )
            )
