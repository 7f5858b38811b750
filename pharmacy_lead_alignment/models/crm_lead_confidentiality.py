# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sales never see a desk lead, by any path.

The record rule on ``crm.lead`` hides desk leads (``is_desk_lead``)
from everyone outside the Marketing Desk. What else carries a lead's name,
notes or existence is closed here and in ``pharmacy_lead_alignment_security.xml``:

* models that point at a lead through a ``res_model`` / ``res_id`` pair
  (messages, activities, followers, scheduled messages, meetings) get a
  searchable ``pla_desk_lead`` flag, which the global ``*_rule_gate`` record
  rules use, like the rules of the module's own lead records;
* a lead that leaves sales' sight (a rejection, a lost lead restored to the
  desk, a lead moved into the desk or adopted by a new desk) takes sales'
  followers, activities and meeting seats with it
  (:meth:`CrmLead._pla_withdraw_from_sales`), so that nothing sales kept
  keeps them reading, completing or posting on it; afterwards nothing
  subscribes them again (``_message_subscribe``) and its activities go to desk
  members only;
* CRM's duplicate finder, which searches as superuser, never lists desk leads
  on a lead sales work on;
* the record-rule error, which names the refused records in debug mode (read
  as superuser), does not name what the gate hides.
"""

import logging
from collections import defaultdict

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import lifecycle
from ..tools.groups import GROUP_DESK

_logger = logging.getLogger(__name__)

LEAD_MODEL = "crm.lead"
#: xmlid suffix of the module's record rules that hide desk data from sales
GATE_RULE_SUFFIX = "_rule_gate"


def _gated_lead_query(env):
    """Subquery of the ids of every desk lead (archived ones included)."""
    return (
        env[LEAD_MODEL]
        .sudo()
        .with_context(active_test=False)
        ._search([("is_desk_lead", "=", True)])
    )


def _gated_lead_ids(env, lead_ids):
    """The desk leads among ``lead_ids``, read as superuser."""
    lead_ids = {lead_id for lead_id in lead_ids if lead_id}
    if not lead_ids:
        return set()
    return set(
        env[LEAD_MODEL]
        .sudo()
        .with_context(active_test=False)
        ._search(
            [
                ("id", "in", list(lead_ids)),
                ("is_desk_lead", "=", True),
            ]
        )
    )


class PharmacyDeskLeadLink(models.AbstractModel):
    """A record linked to a lead by a ``res_model`` / ``res_id`` pair (and
    optionally a many2one): ``pla_desk_lead`` tells whether that lead is with
    the desk, for the gate rules."""

    _name = "pharmacy.desk.lead.link"
    _description = "Linked to a Desk Lead"

    #: name of the field holding the model of the linked record
    _pla_link_model_field = "res_model"
    #: many2one fields to crm.lead, if any
    _pla_link_lead_fields = ()

    pla_desk_lead = fields.Boolean(
        string="On a Desk Lead",
        compute="_compute_pla_desk_lead",
        search="_search_pla_desk_lead",
        compute_sudo=True,
        help="Linked to a lead that is still with the lead desk, hidden from "
        "sales until it is handed off.",
    )

    def _pla_linked_lead_ids(self):
        """``{record: {lead ids}}`` of the leads each record is linked to."""
        linked = {}
        for record in self:
            ids = {
                record[fname].id
                for fname in self._pla_link_lead_fields
                if record[fname]
            }
            if record[self._pla_link_model_field] == LEAD_MODEL and record.res_id:
                ids.add(record.res_id)
            linked[record] = ids
        return linked

    def _compute_pla_desk_lead(self):
        linked = self._pla_linked_lead_ids()
        gated = _gated_lead_ids(self.env, set().union(*linked.values()))
        for record in self:
            record.pla_desk_lead = bool(linked[record] & gated)

    def _search_pla_desk_lead(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise ValidationError(self.env._("Operation not supported"))
        desk = _gated_lead_query(self.env)
        model_field = self._pla_link_model_field
        on_desk = [
            "&",
            (model_field, "=", LEAD_MODEL),
            ("res_id", "in", desk),
        ]
        # (Odoo's "!=" keeps the rows without a model)
        off_desk = [
            "|",
            (model_field, "!=", LEAD_MODEL),
            "|",
            ("res_id", "=", False),
            ("res_id", "not in", desk),
        ]
        for fname in self._pla_link_lead_fields:
            on_desk = ["|", (fname, "in", desk), *on_desk]
            off_desk = [
                "&",
                "|",
                (fname, "=", False),
                (fname, "not in", desk),
                *off_desk,
            ]
        return on_desk if (operator == "=") == value else off_desk


class MailMessage(models.Model):
    _name = "mail.message"
    _inherit = ["mail.message", "pharmacy.desk.lead.link"]
    _pla_link_model_field = "model"


class MailScheduledMessage(models.Model):
    _name = "mail.scheduled.message"
    _inherit = ["mail.scheduled.message", "pharmacy.desk.lead.link"]
    _pla_link_model_field = "model"


class MailFollowers(models.Model):
    _name = "mail.followers"
    _inherit = ["mail.followers", "pharmacy.desk.lead.link"]


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "pharmacy.desk.lead.link"]

    @api.constrains("user_id", "res_model_id", "res_id")
    def _check_pla_desk_assignee(self):
        """An activity of a desk lead goes to a desk member: anyone else
        could not open it, and its notification would name the lead."""
        activities = self.filtered(
            lambda activity: (
                activity.res_model == LEAD_MODEL
                and activity.user_id
                and activity.user_id.id != SUPERUSER_ID  # the last-resort owner
                and not activity.user_id.share
                and not activity.user_id._has_group(GROUP_DESK)
            )
        )
        gated = _gated_lead_ids(self.env, activities.mapped("res_id"))
        for activity in activities:
            if activity.res_id in gated:
                raise ValidationError(
                    self.env._(
                        "%(user)s is not a member of the Marketing Desk: an "
                        "activity of a lead that is still with the lead desk "
                        "can only be assigned to a desk member.",
                        user=activity.user_id.display_name,
                    )
                )


class CalendarEvent(models.Model):
    _name = "calendar.event"
    _inherit = ["calendar.event", "pharmacy.desk.lead.link"]
    _pla_link_lead_fields = ("opportunity_id",)


class IrRule(models.Model):
    _inherit = "ir.rule"

    def _make_access_error(self, operation, records):
        """In debug mode Odoo names the refused records (read as superuser):
        not when the gate refuses them to someone outside the desk."""
        if (
            self.env.su
            or self.env.user._has_group(GROUP_DESK)
            or not self._pla_gate_rules_failing(records, operation)
        ):
            return super()._make_access_error(operation, records)
        _logger.info(
            "Access Denied by the lead desk gate for operation: %s on record ids: "
            "%r, uid: %s, model: %s",
            operation,
            records.ids[:6],
            self.env.uid,
            records._name,
        )
        return AccessError(
            self.env._(
                "%(user)s cannot open these %(description)s records (%(model)s): "
                "they belong to leads that are still with the lead desk. Sales "
                "see a lead once the desk hands it off.",
                user=self.env.user.name,
                description=self.env["ir.model"]._get(records._name).name
                or records._name,
                model=records._name,
            )
        )

    def _pla_gate_rules_failing(self, records, operation):
        gate_ids = set(
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "=", "pharmacy_lead_alignment"),
                    ("model", "=", "ir.rule"),
                    ("name", "=like", f"%{GATE_RULE_SUFFIX}"),
                ]
            )
            .mapped("res_id")
        )
        failing = self._get_failing(records, mode=operation)
        return bool(gate_ids.intersection(failing.ids))


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # DUPLICATES
    # ------------------------------------------------------------

    def _compute_potential_lead_duplicates(self):
        """CRM looks for duplicates as superuser: a lead sales work on never
        lists (nor counts) the desk leads among them. Desk leads' own lists
        show everything (the desk sees every lead)."""
        result = super()._compute_potential_lead_duplicates()
        open_leads = self.filtered(lambda lead: not lead.is_desk_lead)
        gated = _gated_lead_ids(self.env, open_leads.duplicate_lead_ids._origin.ids)
        if not gated:
            return result
        for lead in open_leads:
            duplicates = lead.duplicate_lead_ids.filtered(
                lambda other, lead=lead: other._origin.id not in gated or other == lead
            )
            lead.duplicate_lead_ids = duplicates
            lead.duplicate_lead_count = len(duplicates - lead)
        return result

    # ------------------------------------------------------------
    # FOLLOWERS
    # ------------------------------------------------------------

    def _message_subscribe(self, partner_ids=None, subtype_ids=None, customer_ids=None):
        """A desk lead has no follower on the sales side: whatever would
        subscribe one (an e-mail they send to it, a mention with auto-follow,
        the author of a post made for them…) leaves them out, else they would
        be notified of what the desk writes."""
        gated_ids = set(self.sudo()._pla_gated().ids) if partner_ids else set()
        sales = (
            self._pla_sales_side_partners(
                self.env["res.partner"].sudo().browse(partner_ids)
            )
            if gated_ids
            else None
        )
        if not sales:
            return super()._message_subscribe(
                partner_ids, subtype_ids, customer_ids=customer_ids
            )
        gated = self.filtered(lambda lead: lead.id in gated_ids)
        kept = [pid for pid in partner_ids if pid not in sales.ids]
        if kept:
            super(CrmLead, gated)._message_subscribe(
                kept, subtype_ids, customer_ids=customer_ids
            )
        return super(CrmLead, self - gated)._message_subscribe(
            partner_ids, subtype_ids, customer_ids=customer_ids
        )

    # ------------------------------------------------------------
    # LEAVING SALES' SIGHT
    # ------------------------------------------------------------

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        result = super()._pla_on_lifecycle_change(
            events, new_state, direct=direct, review=review
        )
        self._pla_leaving_sales(events)._pla_withdraw_from_sales()
        return result

    @api.model
    def _pla_leaving_sales(self, events):
        """The leads of ``events`` that move from sales' sight to the desk.

        :param events: ``(lead, from, to, reason, is_override)`` tuples
        """
        return self.browse(
            [
                lead.id
                for lead, old, new, *_rest in events
                if new in lifecycle.GATED_STATES and old not in lifecycle.GATED_STATES
            ]
        )

    def _pla_gated(self):
        """The leads of ``self`` that are with the desk now."""
        return self.filtered("is_desk_lead")

    @api.model
    def _pla_sales_side_users(self, users):
        """Internal users outside the desk: those the gate hides leads from."""
        return users.filtered(
            lambda user: not user.share and not user._has_group(GROUP_DESK)
        )

    @api.model
    def _pla_sales_side_partners(self, partners):
        """Partners of internal users outside the desk (and of no desk
        member): customers, portal users and desk members are not."""
        users = partners.with_context(active_test=False).user_ids
        sales = self._pla_sales_side_users(users)
        desk = (users - sales).filtered(lambda user: not user.share)
        return sales.partner_id - desk.partner_id

    def _pla_desk_owners(self):
        """``{lead id: user}``: who takes over what sales leave on each lead —
        its salesperson, else the desk team leader, else the user moving it,
        else the first member of the desk team (each only if a desk member),
        else the superuser."""
        mover = self.env.user
        owners = {}
        for lead in self.sudo():
            members = lead.team_id.member_ids.sorted("id")
            candidates = (
                lead.user_id,
                lead.team_id.user_id,
                mover,
                *members,
            )
            owners[lead.id] = next(
                (
                    user
                    for user in candidates
                    if user and user.active and user._has_group(GROUP_DESK)
                ),
                self.env["res.users"].browse(SUPERUSER_ID),
            )
        return owners

    def _pla_withdraw_from_sales(self, new=False):
        """Leads that left sales' sight take sales with them: their internal
        followers outside the desk are unsubscribed, their open activities go
        to the desk owner (see :meth:`_pla_desk_owners`), they leave the
        lead's upcoming meetings and their unread notifications of the lead
        are marked as read (they could not open them any more). Customers,
        portal users and desk members stay. Set-based: a handful of queries
        whatever the number of leads.

        :param new: the leads are being created: only their creator may be
            on the sales side (a sudo flow started by a salesperson), the rest
            is skipped when they are not
        """
        if not self or (new and not self._pla_sales_side_users(self.env.user)):
            return True
        leads = self.sudo()
        env = leads.env
        followers = env["mail.followers"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        )
        activities = env["mail.activity"].search(
            [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        )
        events = env["calendar.event"].search(
            [
                ("stop", ">=", fields.Datetime.now()),
                "|",
                ("opportunity_id", "in", self.ids),
                "&",
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
            ]
        )
        notifications = env["mail.notification"].search(
            [
                ("mail_message_id.model", "=", self._name),
                ("mail_message_id.res_id", "in", self.ids),
                ("is_read", "=", False),
            ]
        )
        sales_users = self._pla_sales_side_users(activities.user_id | events.user_id)
        sales_partners = self._pla_sales_side_partners(
            followers.partner_id | events.partner_ids | notifications.res_partner_id
        )
        followers.filtered(lambda f: f.partner_id in sales_partners).unlink()
        activities = activities.filtered(lambda a: a.user_id in sales_users)
        organized = events.filtered(lambda e: e.user_id in sales_users)
        owners = self._pla_desk_owners() if activities or organized else {}
        by_owner = defaultdict(lambda: env["mail.activity"])
        for activity in activities:
            by_owner[owners[activity.res_id]] |= activity
        for owner, owned in by_owner.items():
            # like the desk's own automatic activities: in the owner's activity
            # menu, not one notification each
            owned.with_context(mail_activity_quick_update=True).write(
                {"user_id": owner.id}
            )
        events = events.with_context(dont_notify=True)
        leaving = events.filtered(lambda event: event.partner_ids & sales_partners)
        if leaving:
            leaving.write(
                {
                    "partner_ids": [
                        fields.Command.unlink(partner.id)
                        for partner in leaving.partner_ids & sales_partners
                    ]
                }
            )
        organizers = defaultdict(lambda: env["calendar.event"])
        for event in organized:
            lead_id = event.opportunity_id.id
            organizers[owners.get(lead_id) or owners[event.res_id]] |= event
        for owner, owned in organizers.items():
            owned.with_context(dont_notify=True).write({"user_id": owner.id})
        notifications.filtered(lambda n: n.res_partner_id in sales_partners).write(
            {"is_read": True}
        )
        return True
