# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sales never see a desk lead, by any path: not through the models that carry
a lead's name, notes or existence (messages, activities, followers, meetings,
CRM's activity report…), not through counters, not after a rejection."""

import json
from datetime import timedelta
from types import SimpleNamespace

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from ..tools.lifecycle import GATED_STATES
from .common import PharmacyScenarioCommon

SECRET = "Clinic «Secret Garden»"
NOTES = "Desk call notes: chief physician wants a tender in May"


class PharmacyConfidentialityCommon(PharmacyScenarioCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_roles = cls.user_sales | cls.user_sales_all | cls.user_sales_manager
        cls.desk_roles = cls.user_desk | cls.user_manager
        cls.customer = cls.env["res.partner"].create(
            {"name": "Dr. Ivanova", "email": "ivanova@clinic-health.test"}
        )
        cls.portal_user = mail_new_test_user(
            cls.env,
            login="pla_portal",
            name="Portal Customer",
            email="portal@clinic-health.test",
            groups="base.group_portal",
        )
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.reason_recycle = cls._reason("no_budget")
        cls.reason_return = cls._reason("wrong_contact")
        cls.reason_disqualify = cls._reason("duplicate")

    def _meeting(self, lead, user, partners, days=2):
        start = fields.Datetime.now() + timedelta(days=days)
        return (
            self.env["calendar.event"]
            .with_user(user)
            .create(
                {
                    "name": f"Meeting: {lead.sudo().name}",
                    "opportunity_id": lead.id,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": user.id,
                    "partner_ids": [(6, 0, partners.ids)],
                }
            )
        )

    def _rejected_lead(self, reason=None):
        """A lead the rep followed, posted on, planned a call and a meeting
        for, then rejected (by default: back to the desk in Inquiry); the
        desk wrote to it before (``unread`` by the rep) and after (``later``)."""
        lead = self._handed_off_lead(name=SECRET)
        rejected = SimpleNamespace(lead=lead)
        lead.sudo().message_subscribe(
            partner_ids=(self.customer | self.portal_user.partner_id).ids
        )
        as_rep = lead.with_user(self.user_sales)
        rejected.note = as_rep.message_post(
            body="Rep: called, they are busy", subtype_xmlid="mail.mt_comment"
        )
        rejected.activity = as_rep.activity_schedule(
            "mail.mail_activity_data_call",
            summary="Call the chief physician back",
            user_id=self.user_sales.id,
        )
        rejected.meeting = self._meeting(
            lead, self.user_sales, self.user_sales.partner_id | self.customer
        )
        self.assertIn(self.user_sales.partner_id, lead.sudo().message_partner_ids)
        rejected.unread = lead.with_user(self.user_desk).message_post(
            body="Desk: how is it going?", subtype_xmlid="mail.mt_comment"
        )
        as_rep.action_review_reject((reason or self.reason_return).id, 2)
        self.assertIn(lead.sudo().lifecycle_state, GATED_STATES)
        rejected.later = lead.with_user(self.user_desk).message_post(
            body=NOTES, subtype_xmlid="mail.mt_comment", message_type="comment"
        )
        return rejected


@tagged("post_install", "-at_install", "pla_security", "pla_confidentiality")
class TestConfidentiality(PharmacyConfidentialityCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a desk lead with everything a lead collects: a note, a done call (the
        # activity report), an open call, a meeting, a scheduled e-mail, a
        # follower, an attachment
        cls.lead = cls._class_desk_lead()
        as_desk = cls.lead.with_user(cls.user_desk)
        cls.note = as_desk.message_post(body=NOTES, subtype_xmlid="mail.mt_note")
        done = as_desk.activity_schedule(
            "mail.mail_activity_data_call", summary="First call", note=NOTES
        )
        done.action_feedback(feedback=NOTES)
        cls.activity = as_desk.activity_schedule(
            "mail.mail_activity_data_call", summary="Second call", note=NOTES
        )
        start = fields.Datetime.now() + timedelta(days=3)
        cls.meeting = (
            cls.env["calendar.event"]
            .with_user(cls.user_desk)
            .create(
                {
                    "name": f"Meeting: {SECRET}",
                    "opportunity_id": cls.lead.id,
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "partner_ids": [
                        (6, 0, (cls.user_desk.partner_id | cls.customer).ids)
                    ],
                }
            )
        )
        cls.scheduled = (
            cls.env["mail.scheduled.message"]
            .with_user(cls.user_desk)
            .create(
                {
                    "model": "crm.lead",
                    "res_id": cls.lead.id,
                    "author_id": cls.user_desk.partner_id.id,
                    "subject": SECRET,
                    "body": NOTES,
                    "scheduled_date": fields.Datetime.now() + timedelta(days=1),
                }
            )
        )
        as_desk.message_subscribe(partner_ids=cls.customer.ids)
        cls.mail = as_desk.message_post(
            body=NOTES, subtype_xmlid="mail.mt_comment", message_type="comment"
        )
        cls.attachment = (
            cls.env["ir.attachment"]
            .with_user(cls.user_desk)
            .create(
                {
                    "name": "tender.txt",
                    "raw": NOTES.encode(),
                    "res_model": "crm.lead",
                    "res_id": cls.lead.id,
                }
            )
        )

    @classmethod
    def _class_desk_lead(cls):
        return (
            cls.env["crm.lead"]
            .with_user(cls.user_desk)
            .create({"name": SECRET, "email_from": "chief@clinic-health.test"})
        )

    def _paths(self):
        """``(model, domain, groupby)`` of each path to the desk lead."""
        lead_domain = [("model", "=", "crm.lead"), ("res_id", "=", self.lead.id)]
        res_domain = [("res_model", "=", "crm.lead"), ("res_id", "=", self.lead.id)]
        messages = self.env["mail.message"].search(lead_domain)
        return [
            ("crm.activity.report", [("lead_id", "=", self.lead.id)], "lead_id"),
            ("mail.message", lead_domain, "model"),
            (
                "mail.notification",
                [("mail_message_id", "in", messages.ids)],
                "res_partner_id",
            ),
            ("mail.activity", res_domain, "res_model"),
            ("mail.followers", res_domain, "res_model"),
            ("mail.scheduled.message", lead_domain, "model"),
            ("calendar.event", [("opportunity_id", "=", self.lead.id)], "user_id"),
            ("calendar.attendee", [("event_id", "=", self.meeting.id)], "partner_id"),
            ("ir.attachment", res_domain, "res_model"),
        ]

    def test_desk_lead_data_is_invisible_to_sales_by_every_path(self):
        for model, domain, groupby in self._paths():
            desk_ids = self.env[model].with_user(self.user_desk).search(domain).ids
            with self.subTest(model=model, user="desk"):
                self.assertTrue(desk_ids, "the desk sees its own lead's data")
                for user in self.desk_roles:
                    self.assertEqual(
                        self.env[model].with_user(user).search(domain).ids, desk_ids
                    )
            for user in self.sales_roles:
                Model = self.env[model].with_user(user)
                with self.subTest(model=model, user=user.login):
                    self.assertFalse(Model.search(domain))
                    self.assertEqual(Model.search_count(domain), 0)
                    self.assertFalse(Model.search_read(domain))
                    self.assertFalse(Model.read_group(domain, [groupby], [groupby]))
                    self.assertFalse(Model.search([("id", "in", desk_ids)]))
                    with self.assertRaises(AccessError):
                        Model.browse(desk_ids).read(["display_name"])
                    rows = Model.search_read([], ["display_name"])
                    self.assertNotIn(
                        SECRET, json.dumps(rows, default=str, ensure_ascii=False)
                    )

    def test_desk_lead_name_is_in_no_error_nor_display_name(self):
        """What sales could still reach by id names nothing of the lead."""
        for user in self.sales_roles:
            with self.subTest(user=user.login):
                for model, records in (
                    ("crm.lead", self.lead),
                    ("calendar.event", self.meeting),
                    ("mail.message", self.note),
                    ("mail.activity", self.activity),
                ):
                    with self.assertRaises(AccessError) as error:
                        records.with_user(user).read(["display_name"])
                    self.assertNotIn(SECRET, str(error.exception))

    def test_sales_cannot_create_data_on_a_desk_lead(self):
        for user in self.sales_roles:
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self._meeting(self.lead, user, user.partner_id)
                with self.assertRaises(AccessError):
                    self.env["mail.message"].with_user(user).create(
                        {
                            "model": "crm.lead",
                            "res_id": self.lead.id,
                            "body": "hello",
                            "message_type": "comment",
                            "parent_id": self.note.id,
                        }
                    )
                with self.assertRaises(AccessError):
                    self.lead.with_user(user).message_post(body="hello")

    def test_desk_activities_go_to_desk_members_only(self):
        with self.assertRaisesRegex(UserError, "not a member of the Marketing Desk"):
            self.lead.with_user(self.user_desk).activity_schedule(
                "mail.mail_activity_data_call", user_id=self.user_sales.id
            )
        with self.assertRaisesRegex(UserError, "not a member of the Marketing Desk"):
            self.activity.with_user(self.user_desk).user_id = self.user_sales_manager
        self.activity.with_user(self.user_desk).user_id = self.user_desk_2

    def test_lost_wizard_does_not_reach_a_desk_lead(self):
        for user in self.sales_roles:
            with self.subTest(user=user.login):
                wizard = (
                    self.env["crm.lead.lost"]
                    .with_user(user)
                    .create({"lead_ids": [(6, 0, self.lead.ids)]})
                )
                # as the next request reads it: the desk lead is filtered out
                wizard.invalidate_recordset()
                self.assertFalse(wizard.lead_ids)
                wizard.action_lost_reason_apply()
                self.assertTrue(self.lead.sudo().active)
                self.assertEqual(self.lead.sudo().lifecycle_state, "inquiry")

    def test_no_record_sales_create_names_a_desk_lead(self):
        """Whatever sales may create pointing at a lead id (CRM's wizards,
        a meeting, a consent) is refused or shows nothing of a desk lead:
        many2one names are read as superuser."""
        model_id = self.env["ir.model"]._get_id("crm.lead")
        start = fields.Datetime.now() + timedelta(days=1)
        probes = [
            ("crm.lead2opportunity.partner", {"lead_id": self.lead.id}),
            ("crm.lead2opportunity.partner.mass", {"lead_id": self.lead.id}),
            ("crm.lead.lost", {"lead_ids": [(6, 0, self.lead.ids)]}),
            ("crm.merge.opportunity", {"opportunity_ids": [(6, 0, self.lead.ids)]}),
            ("crm.lead.review", {"lead_ids": [(6, 0, self.lead.ids)]}),
            ("pharmacy.lead.consent", {"lead_id": self.lead.id, "kind": "marketing"}),
            (
                "calendar.event",
                {
                    "name": "Call",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "res_model_id": model_id,
                    "res_id": self.lead.id,
                },
            ),
            (
                "mail.activity",
                {
                    "res_model_id": model_id,
                    "res_id": self.lead.id,
                    "activity_type_id": self.call.id,
                },
            ),
        ]
        for user in self.sales_roles:
            for model, vals in probes:
                with self.subTest(user=user.login, model=model):
                    shown = self._created_as(user, model, vals)
                    self.assertNotIn(SECRET, shown)

    def _created_as(self, user, model, vals):
        """What ``user`` reads back of the links to leads of a ``model``
        record they create with ``vals`` (next request: cold cache), or ""
        when it is refused."""
        try:
            with self.env.cr.savepoint():
                record = self.env[model].with_user(user).create(vals)
                record.flush_recordset()
        except (AccessError, UserError):
            return ""
        record.invalidate_recordset()
        fnames = [
            fname
            for fname, field in record._fields.items()
            if field.relational and field.comodel_name == "crm.lead"
        ]
        spec = {fname: {"fields": {"display_name": {}}} for fname in fnames}
        try:
            shown = [record.read(fnames), record.web_read(spec)]
        except AccessError:
            return ""
        return json.dumps(shown, default=str, ensure_ascii=False)

    def test_duplicates_never_list_desk_leads_on_a_sales_lead(self):
        accepted = self._accepted_lead(
            name="Clinic «Health»: syringes", email_from="buyer@clinic-health.test"
        )
        other = self._accepted_lead(
            name="Clinic «Health»: masks", email_from="nurse@clinic-health.test"
        )
        for user in (self.user_sales, self.user_sales_manager, self.user_desk):
            with self.subTest(user=user.login):
                lead = accepted.with_user(user)
                self.assertEqual(lead.duplicate_lead_ids - lead, other)
                self.assertEqual(lead.duplicate_lead_count, 1)
        # the desk's own lead lists every duplicate
        desk_view = self.lead.with_user(self.user_desk)
        self.assertEqual(desk_view.duplicate_lead_ids - desk_view, accepted | other)
        self.assertEqual(desk_view.duplicate_lead_count, 2)

    def test_counters_count_only_what_the_reader_sees(self):
        campaign = self.env["utm.campaign"].create({"name": "Flu season"})
        desk_lead = self._desk_lead(
            name=SECRET, campaign_id=campaign.id, partner_id=self.customer.id
        )
        desk_lead.user_id = False
        mine = self._accepted_lead(campaign_id=campaign.id, partner_id=self.customer.id)
        self.assertTrue(mine.with_user(self.user_sales).read(["name"]))
        counters = [
            (campaign, "crm_lead_count", 1, 2),
            (self.customer, "opportunity_count", 1, 2),
            (self.desk_team, "lead_unassigned_count", 0, 1),
        ]
        for record, fname, sales_count, desk_count in counters:
            with self.subTest(counter=fname):
                for user, count in (
                    *((user, sales_count) for user in self.sales_roles),
                    (self.user_desk, desk_count),
                ):
                    self.env.invalidate_all()  # one request per user
                    self.assertEqual(record.with_user(user)[fname], count, user.login)

    def test_nurture_track_counts_respect_the_reader(self):
        self.env["pharmacy.nurture.track"].search([]).active = False
        track = self.env["pharmacy.nurture.track"].create(
            {
                "name": "Clinics",
                "domain": "[]",
                "step_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Check in",
                            "wait_days": 3,
                            "action": "activity",
                            "activity_type_id": self.call.id,
                        },
                    )
                ],
            }
        )
        leads = self._desk_lead(name="A") | self._desk_lead(name="B")
        graduate = self._desk_lead(name="C")
        self.assertEqual((leads | graduate).nurture_track_id, track, "auto-enrolled")
        graduate.with_user(self.user_desk).action_qualify()
        graduate.handoff_to(self.sales_team.id, user_id=self.user_sales.id)
        desk_track = track.with_user(self.user_desk)
        self.assertEqual(
            (desk_track.enrolled_count, desk_track.graduated_count), (3, 1)
        )
        for user in self.sales_roles:
            with self.subTest(user=user.login):
                sales_track = track.with_user(user)
                self.assertEqual(
                    (sales_track.enrolled_count, sales_track.graduated_count), (1, 1)
                )
        # the form of the handed-off lead still shows its track to sales
        values = graduate.with_user(self.user_sales).web_read(
            {"nurture_track_id": {"fields": {"display_name": {}}}}
        )
        self.assertEqual(values[0]["nurture_track_id"]["display_name"], "Clinics")

    def test_reports_and_dashboard_of_the_module(self):
        for user in self.sales_roles:
            with self.subTest(user=user.login):
                for model in (
                    "pharmacy.funnel.report",
                    "pharmacy.velocity.report",
                    "pharmacy.roi.report",
                ):
                    with self.assertRaises(AccessError):
                        self.env[model].with_user(user).search([])
                with self.assertRaises(AccessError):
                    self.env["pharmacy.alignment.dashboard"].with_user(
                        user
                    ).get_dashboard_data()
                # the SLA ledger is by design read by both sides: sales read
                # counts only, the lead of each fact is for the desk
                Ledger = self.env["pharmacy.sla.report"].with_user(user)
                self.assertFalse(
                    [
                        fname
                        for fname, field in Ledger._fields.items()
                        if field.type in ("many2one", "many2many")
                        and field.comodel_name == "crm.lead"
                        and field.is_accessible(Ledger.env)
                    ]
                )
                with self.assertRaises(AccessError):
                    Ledger.search_read([], ["lead_id"])
                self.assertNotIn(
                    SECRET,
                    json.dumps(Ledger.search_read([]), default=str, ensure_ascii=False),
                )


@tagged("post_install", "-at_install", "pla_security", "pla_confidentiality")
class TestRejectionWithdraws(PharmacyConfidentialityCommon):
    def test_rejection_takes_followers_activities_and_meetings_along(self):
        for reason in (self.reason_return, self.reason_recycle, self.reason_disqualify):
            with self.subTest(reason=reason.action):
                case = self._rejected_lead(reason)
                lead, activity, meeting = case.lead, case.activity, case.meeting
                lead = lead.sudo()
                followers = lead.message_partner_ids
                self.assertNotIn(self.user_sales.partner_id, followers)
                self.assertIn(self.customer, followers, "customers stay")
                self.assertIn(self.portal_user.partner_id, followers)
                self.assertIn(self.user_desk.partner_id, followers, "desk stays")
                # no desk team leader, no salesperson, the rep is not desk:
                # the first desk member takes the call over
                self.assertEqual(activity.sudo().user_id, self.user_desk)
                self.assertNotIn(self.user_sales.partner_id, meeting.sudo().partner_ids)
                self.assertIn(self.customer, meeting.sudo().partner_ids)
                self.assertEqual(meeting.sudo().user_id, self.user_desk)
                self.assertFalse(
                    case.later.sudo().notification_ids.filtered(
                        lambda n: n.res_partner_id == self.user_sales.partner_id
                    )
                )
                # what the rep had not read yet of the lead is marked as read:
                # their inbox counter would count messages they cannot open
                unread = case.unread.sudo().notification_ids.filtered(
                    lambda n: n.res_partner_id == self.user_sales.partner_id
                )
                self.assertTrue(unread)
                self.assertTrue(unread.is_read)

    def test_rejected_lead_is_closed_to_the_former_rep(self):
        case = self._rejected_lead()
        lead, note, activity, meeting = (
            case.lead,
            case.note,
            case.activity,
            case.meeting,
        )
        rep = self.user_sales
        Message = self.env["mail.message"].with_user(rep)
        self.assertFalse(
            Message.search([("model", "=", "crm.lead"), ("res_id", "=", lead.id)])
        )
        # not theirs, nor those they were notified of, nor the desk's new ones
        for message in (note, case.unread, case.later):
            with self.assertRaises(AccessError):
                message.with_user(rep).read(["body"])
        # the old activity: neither seen nor completed
        Activity = self.env["mail.activity"].with_user(rep)
        self.assertFalse(Activity.search([("res_id", "=", lead.id)]))
        self.assertFalse(Activity.search([("user_id", "=", rep.id)]))
        with self.assertRaises(AccessError):
            activity.with_user(rep).read(["res_name"])
        with self.assertRaises(AccessError):
            activity.with_user(rep).action_feedback(feedback="done anyway")
        self.assertTrue(activity.sudo().exists())
        # nor posted on
        with self.assertRaises(AccessError):
            lead.with_user(rep).message_post(body="still here")
        with self.assertRaises(AccessError):
            Message.create(
                {
                    "model": "crm.lead",
                    "res_id": lead.id,
                    "body": "reply",
                    "message_type": "comment",
                    "parent_id": note.id,
                }
            )
        with self.assertRaises(AccessError):
            meeting.with_user(rep).read(["name", "opportunity_id"])

    def test_desk_lead_never_gets_a_sales_follower_back(self):
        """E-mails the rep sends to it (the gateway posts them as the
        superuser, in the rep's name), mentions with auto-follow, a plain
        subscription: the rep never follows the desk lead again."""
        lead = self._rejected_lead().lead.sudo()
        rep = self.user_sales.partner_id
        lead.message_post(
            author_id=rep.id,
            body="Re: any news?",
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        lead.with_context(mail_post_autofollow=True).message_post(
            body="Loop in the rep", partner_ids=rep.ids
        )
        lead.message_subscribe(partner_ids=(rep | self.user_desk_2.partner_id).ids)
        followers = lead.message_partner_ids
        self.assertNotIn(rep, followers)
        self.assertIn(self.user_desk_2.partner_id, followers, "desk members still may")
        # a lead sales see keeps Odoo's behaviour
        mine = self._accepted_lead().sudo()
        mine.message_subscribe(partner_ids=self.user_sales_all.partner_id.ids)
        self.assertIn(self.user_sales_all.partner_id, mine.message_partner_ids)

    def test_desk_owner_is_the_desk_team_leader_then_the_mover(self):
        self.desk_team.user_id = self.user_desk_2
        case = self._rejected_lead()
        activity, meeting = case.activity, case.meeting
        self.assertEqual(activity.sudo().user_id, self.user_desk_2)
        self.assertEqual(meeting.sudo().user_id, self.user_desk_2)

    def test_a_lead_lost_at_the_desk_takes_no_sales_follower(self):
        """A lead the desk marked lost stays with the desk: sales do not see
        it, cannot be made its followers, and it is still the desk's once
        restored."""
        lead = self._desk_lead(name=SECRET)
        lead.with_user(self.user_desk).action_set_lost()
        self.assertEqual(lead.sudo().lifecycle_state, "lost")
        self.assertTrue(lead.sudo().is_desk_lead)
        self.assertFalse(
            self.env["crm.lead"]
            .with_user(self.user_sales_manager)
            .with_context(active_test=False)
            .search([("id", "=", lead.id)])
        )
        lead.sudo().message_subscribe(
            partner_ids=self.user_sales_manager.partner_id.ids
        )
        self.assertNotIn(
            self.user_sales_manager.partner_id, lead.sudo().message_partner_ids
        )
        lead.with_user(self.user_desk).action_unarchive()
        self.assertEqual(lead.sudo().lifecycle_state, "inquiry")
        self.assertTrue(lead.sudo().is_desk_lead)

    def _sales_worked_lead(self, user):
        """A lead of the team without role that ``user`` follows and has a
        call for: visible to sales."""
        lead = (
            self.env["crm.lead"]
            .with_user(user)
            .create({"name": SECRET, "team_id": self.plain_team.id, "type": "lead"})
        )
        self.assertFalse(lead.lifecycle_state)
        activity = lead.activity_schedule(
            "mail.mail_activity_data_call", user_id=user.id
        )
        self.assertIn(user.partner_id, lead.sudo().message_partner_ids)
        return lead, activity

    def test_lead_moved_into_the_desk_withdraws_sales(self):
        lead, activity = self._sales_worked_lead(self.user_sales_manager)
        lead.with_user(self.user_manager).write(
            {"team_id": self.desk_team.id, "user_id": False}
        )
        self.assertIn(lead.sudo().lifecycle_state, GATED_STATES)
        self.assertNotIn(
            self.user_sales_manager.partner_id, lead.sudo().message_partner_ids
        )
        # the Alignment Manager moving it is a desk member: the call is theirs
        self.assertEqual(activity.sudo().user_id, self.user_manager)

    def test_team_becoming_the_desk_withdraws_sales(self):
        team = self.env["crm.team"].create({"name": "Call centre"})
        self.plain_team = team
        lead, activity = self._sales_worked_lead(self.user_sales_manager)
        team.alignment_role = "marketing"
        self.assertIn(lead.sudo().lifecycle_state, GATED_STATES)
        self.assertNotIn(
            self.user_sales_manager.partner_id, lead.sudo().message_partner_ids
        )
        self.assertNotEqual(activity.sudo().user_id, self.user_sales_manager)

    def test_sales_cannot_create_a_lead_in_the_desk(self):
        """So they never follow one from its creation."""
        for user in self.sales_roles:
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["crm.lead"].with_user(user).create(
                        {"name": SECRET, "team_id": self.desk_team.id}
                    )
