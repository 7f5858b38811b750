# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The desk's actions are safe, close what they open and say what they did.

* Qualifying a lead below the company's lowest grade to qualify is an
  Alignment Manager's override, with a written reason, by every path.
* Every automatic activity is done when what it asks for happens, and
  cancelled when it no longer applies (test_desk_activities.py).
* Every desk and sales button answers with a notification naming the leads
  and the outcome.
* A user sees a button only when the rule behind it lets them use it, and
  one primary button at most.
* With the desk a lead shows one figure, its Score.
"""

import ast
from datetime import datetime

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.pharmacy_notification import date_label, deadline_label
from .common import SEGMENT_CLINIC, PharmacyLeadCommon

READY = "pharmacy_lead_alignment.mail_activity_type_ready_handoff"
FLAGGED = "pharmacy_lead_alignment.mail_activity_type_mishandled"
RECYCLED = "pharmacy_lead_alignment.mail_activity_type_recycle_decide"
READ_MAP = "pharmacy_lead_alignment.mail_activity_type_read_process_map"
SIGNAL = "pla_flow_quote"
#: Monday 10:00 UTC; the policies below count around the clock
MONDAY = "2026-03-02 10:00:00"


class _Rollback(Exception):
    """Undo what a probe did."""


class DeskFlowCommon(PharmacyLeadCommon):
    """A clinic is grade C (the lowest to qualify, the default), anyone else
    grade D; a quote request is worth 60 points, enough to qualify."""

    archive_defaults = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for user in (cls.user_desk, cls.user_sales, cls.user_manager):
            user.tz = "UTC"
        cls.rule_clinic = cls._fit_rule(
            "Segment: clinic", SEGMENT_CLINIC, 20, company_id=cls.company.id
        )
        cls.signal = cls._engagement_rule(
            "Asked for a quote", 60, code=SIGNAL, company_id=cls.company.id
        )
        calendar = cls._calendar("Around the clock", 0, 24, days=7)
        cls.response = cls._sla_policy(
            "Answer within 2 hours",
            "sales_response",
            hours=2,
            calendar_id=calendar.id,
            escalation_delay=1,
        )
        cls.contact = cls._sla_policy(
            "First contact within 4 hours",
            "sales_contact",
            hours=4,
            calendar_id=calendar.id,
        )
        cls._escalate_to_managers()
        Reason = cls.env["pharmacy.feedback.reason"]
        cls.reason_flag = Reason.create(
            {"name": "Never called back", "direction": "marketing"}
        )
        cls.reason_recycle = Reason.create(
            {"name": "Budget next year", "direction": "sales", "action": "recycle"}
        )
        cls.reason_return = Reason.create(
            {"name": "Wrong person", "direction": "sales", "action": "return"}
        )
        cls.reason_disqualify = Reason.create(
            {"name": "Not a buyer", "direction": "sales", "action": "disqualify"}
        )
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        # enrolled by hand below
        cls.track = cls._call_track(
            "Calls only", wait_days=0, active=False, domain="[]"
        )
        cls.step = cls.track.step_ids

    # ------------------------------------------------------------
    # Leads
    # ------------------------------------------------------------

    def _clinic(self, name="Clinic «Health»", **vals):
        """Grade C: just allowed to qualify."""
        return self._desk_lead(name=name, pharmacy_segment="clinic", **vals)

    def _walk_in(self, name="Walk-in «Anna»", **vals):
        """Grade D: below the lowest grade to qualify."""
        return self._desk_lead(name=name, **vals)

    def _auto_qualified(self, name="Clinic «Health»"):
        """A clinic that asked for a quote: qualified by its score, with a
        "Ready for hand-off" activity for the desk."""
        lead = self._clinic(name)
        lead.with_user(self.user_desk).action_log_engagement(SIGNAL)
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertEqual(len(self._open_activities(lead, READY)), 1)
        return lead

    def _handed(self, lead=None):
        lead = lead or self._clinic()
        if lead.lifecycle_state != "mql":
            lead.with_user(self.user_desk).action_qualify()
        lead.with_user(self.user_desk).handoff_to(
            self.sales_team.id, user_id=self.user_sales.id
        )
        return lead

    def _accepted(self, lead=None):
        lead = self._handed(lead)
        lead.with_user(self.user_sales).action_accept()
        return lead

    def _nurtured(self, lead=None):
        """In the call track, its intro call scheduled for the desk."""
        lead = lead or self._clinic()
        lead.with_user(self.user_desk).write({"nurture_track_id": self.track.id})
        lead.with_user(self.user_desk).action_nurture_enrol()
        lead._pla_nurture_perform(self.step)
        self.assertEqual(lead.lifecycle_state, "nurturing")
        self.assertEqual(len(self._open_activities(lead, self.call)), 1)
        return lead

    # ------------------------------------------------------------
    # Activities
    # ------------------------------------------------------------

    def _assert_done(self, records, activity_type, feedback=None):
        self.assertFalse(self._open_activities(records, activity_type), "still open")
        messages = self._done_messages(records, activity_type)
        self.assertEqual(len(messages), len(records), "marked done, with a message")
        if feedback:
            for message in messages:
                self.assertIn(feedback, message.body)

    def _assert_cancelled(self, records, activity_type):
        self.assertFalse(self._open_activities(records, activity_type), "still open")
        self.assertFalse(
            self._done_messages(records, activity_type), "cancelled, not done"
        )

    # ------------------------------------------------------------
    # Notifications
    # ------------------------------------------------------------

    def _assert_notified(self, action, *parts, kind="success", wizard=False):
        self.assertEqual(action["type"], "ir.actions.client")
        self.assertEqual(action["tag"], "display_notification")
        params = action["params"]
        self.assertEqual(params["type"], kind)
        for part in parts:
            self.assertIn(part, params["message"])
        self.assertEqual(
            params["next"],
            {"type": "ir.actions.act_window_close"}
            if wizard
            else {"type": "ir.actions.client", "tag": "soft_reload"},
        )
        return params["message"]

    def _events(self, lead):
        return lead.sudo().lifecycle_event_ids.sorted("id")


@tagged("post_install", "-at_install", "pla_desk_flow", "pla_lifecycle")
class TestQualifyGrade(DeskFlowCommon):
    """Below the lowest grade to qualify, only an Alignment Manager qualifies,
    with a written reason, by every path."""

    def _assert_refused_for_the_desk(self, lead, call):
        before = len(self._events(lead))
        with self.assertRaisesRegex(
            UserError,
            r"“Walk-in «Anna»” has grade D, below the lowest grade allowed to "
            r"qualify \(C\): only an Alignment Manager",
        ):
            call()
        lead.invalidate_recordset()
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertEqual(len(self._events(lead)), before, "nothing logged")

    def test_desk_cannot_qualify_below_the_grade_by_any_path(self):
        lead = self._walk_in()
        self.assertEqual(lead.lead_grade, "d")
        self.assertTrue(lead.below_qualify_grade)
        as_desk = lead.with_user(self.user_desk)
        for path, call in (
            ("button", as_desk.action_qualify),
            ("button with a reason", lambda: as_desk.action_qualify(reason="Big")),
            ("write", lambda: as_desk.write({"lifecycle_state": "mql"})),
            ("transition", lambda: as_desk._pla_transition("mql", reason="Big")),
        ):
            with self.subTest(path=path):
                self._assert_refused_for_the_desk(lead, call)
        with self.assertRaises(AccessError):
            as_desk.action_open_qualify()

    def test_no_automatic_move_qualifies_below_the_grade(self):
        lead = self._walk_in()
        with self.assertRaisesRegex(UserError, "grade D"):
            lead.sudo()._pla_apply_transition("mql")
        # its score reaches the threshold: the scoring leaves it where it is
        lead.with_user(self.user_desk).action_log_engagement(SIGNAL)
        self.assertEqual(lead.lead_score, 60)
        self.assertEqual(lead.lifecycle_state, "inquiry")
        self.assertFalse(self._open_activities(lead, READY))
        # the same score with grade C qualifies it
        clinic = self._clinic()
        clinic.with_user(self.user_desk).action_log_engagement(SIGNAL)
        self.assertEqual(clinic.lifecycle_state, "mql")

    def test_manager_qualifies_with_a_written_reason_logged_as_override(self):
        lead = self._walk_in()
        as_manager = lead.with_user(self.user_manager)
        with self.assertRaisesRegex(UserError, "write the reason"):
            as_manager.action_qualify()
        with self.assertRaisesRegex(UserError, "write the reason"):
            as_manager.write({"lifecycle_state": "mql"})
        with self.assertRaisesRegex(UserError, "Argument “reason” must be a text"):
            as_manager.action_qualify(reason=["Tender"])
        self.assertEqual(lead.lifecycle_state, "inquiry")
        action = as_manager.action_qualify(reason="Regional tender, grade is stale")
        self._assert_notified(action, "“Walk-in «Anna»”", "by override")
        self.assertEqual(lead.lifecycle_state, "mql")
        event = self._events(lead)[-1]
        self.assertRecordValues(
            event,
            [
                {
                    "from_state": "inquiry",
                    "to_state": "mql",
                    "is_override": True,
                    "reason": "Regional tender, grade is stale",
                    "user_id": self.user_manager.id,
                }
            ],
        )

    def test_manager_qualifies_through_the_wizard(self):
        leads = self._walk_in() | self._clinic()
        action = leads.with_user(self.user_manager).action_open_qualify()
        self.assertEqual(action["res_model"], "crm.lead.qualify")
        wizard = self._wizard_form(
            "crm.lead.qualify", self.user_manager, **action["context"]
        )
        self.assertTrue(wizard.below_grade)
        with self.assertRaises(AssertionError):  # the reason is required
            wizard.save()
        wizard.reason = "Tender for the whole region"
        result = wizard.save().action_confirm()
        self._assert_notified(result, "“Walk-in «Anna»”", wizard=True)
        self.assertEqual(set(leads.mapped("lifecycle_state")), {"mql"})
        overrides = {lead.name: self._events(lead)[-1].is_override for lead in leads}
        self.assertEqual(overrides, {"Walk-in «Anna»": True, "Clinic «Health»": False})

    def test_desk_qualifies_an_allowed_grade_as_before(self):
        lead = self._clinic()
        self.assertEqual(lead.lead_grade, "c")
        self.assertFalse(lead.below_qualify_grade)
        action = lead.with_user(self.user_desk).action_qualify()
        self._assert_notified(action, "Marketing Qualified: “Clinic «Health»”")
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertFalse(self._events(lead)[-1].is_override)

    def test_the_company_setting_decides(self):
        lead = self._walk_in()
        self.company.lead_mql_min_grade = "d"
        self.assertFalse(lead.below_qualify_grade)
        lead.with_user(self.user_desk).action_qualify()
        self.assertEqual(lead.lifecycle_state, "mql")
        other = self._clinic(name="Clinic «Other»")
        self.company.lead_mql_min_grade = "b"
        self.assertTrue(other.below_qualify_grade)
        with self.assertRaisesRegex(UserError, r"grade C, .*\(B\)"):
            other.with_user(self.user_desk).action_qualify()

    def test_handing_off_an_inquiry_below_the_grade_is_a_logged_override(self):
        lead = self._walk_in()
        with self.assertRaisesRegex(UserError, "Only an Alignment Manager"):
            lead.with_user(self.user_desk).handoff_to(self.sales_team.id, reason="x")
        lead.with_user(self.user_manager).handoff_to(
            self.sales_team.id, reason="The clinic's director called us"
        )
        self.assertEqual(lead.lifecycle_state, "handed_off")
        event = self._events(lead)[-1]
        self.assertEqual((event.from_state, event.is_override), ("inquiry", True))
        self.assertEqual(event.reason, "The clinic's director called us")


@tagged("post_install", "-at_install", "pla_desk_flow", "pla_security")
class TestQualifyGradeRpc(DeskFlowCommon, HttpCase):
    def _rpc(self, user, method, args, kwargs=None):
        self.env.flush_all()
        self.authenticate(user.login, user.login)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "crm.lead",
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )
        self.env.invalidate_all()
        return result

    def test_plain_rpc_write_is_refused_and_the_manager_needs_a_reason(self):
        lead = self._walk_in()
        for user, method, args in (
            (self.user_desk, "write", [lead.ids, {"lifecycle_state": "mql"}]),
            (self.user_desk, "action_qualify", [lead.ids]),
            (self.user_manager, "write", [lead.ids, {"lifecycle_state": "mql"}]),
        ):
            with self.subTest(user=user.login, method=method):
                with self.assertRaisesRegex(JsonRpcException, "UserError"):
                    self._rpc(user, method, args)
                self.assertEqual(lead.lifecycle_state, "inquiry")
        result = self._rpc(
            self.user_manager, "action_qualify", [lead.ids], {"reason": "Tender"}
        )
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(lead.lifecycle_state, "mql")
        self.assertTrue(self._events(lead)[-1].is_override)


@tagged("post_install", "-at_install", "pla_desk_flow")
class TestNotifications(DeskFlowCommon):
    """Every button says what it did, naming the leads."""

    def test_desk_buttons(self):
        lead = self._clinic()
        as_desk = lead.with_user(self.user_desk)
        self._assert_notified(
            as_desk.action_disqualify(), "Disqualified: “Clinic «Health»”"
        )
        self._assert_notified(
            as_desk.action_reopen(), "Back to Inquiry: “Clinic «Health»”"
        )
        self._assert_notified(
            as_desk.action_qualify(), "Marketing Qualified: “Clinic «Health»”"
        )

    def test_several_leads_are_named_then_counted(self):
        leads = self.env["crm.lead"]
        for index in range(5):
            leads |= self._clinic(f"Clinic #{index}")
        message = self._assert_notified(
            leads.with_user(self.user_desk).action_qualify(),
            "“Clinic #0”, “Clinic #1”, “Clinic #2” and 2 more",
        )
        self.assertNotIn("Clinic #3", message)

    def test_accepting_tells_when_to_contact(self):
        with freeze_time(MONDAY):
            lead = self._handed()
        with freeze_time("2026-03-02 11:00:00"):
            action = lead.with_user(self.user_sales).action_accept()
            self.assertEqual(lead.sla_deadline, datetime(2026, 3, 2, 15, 0))
            label = deadline_label(
                lead.with_user(self.user_sales).env, lead.sla_deadline
            )
        self.assertIn("3:00", label)
        self.assertNotIn("2026", label, "today: the time alone")
        self._assert_notified(
            action,
            f"Accepted: “Clinic «Health»” — contact them by {label} (SLA).",
        )
        self.contact.active = False
        other = self._handed(self._clinic("Clinic «Other»"))
        self._assert_notified(
            other.with_user(self.user_sales).action_accept(),
            "Accepted: “Clinic «Other»” — now in your pipeline.",
        )

    def test_review_wizard_closes_on_its_notification(self):
        lead = self._handed()
        action = lead.with_user(self.user_sales).action_open_review()
        wizard = self._wizard_form(
            "crm.lead.review", self.user_sales, **action["context"]
        )
        wizard.verdict = "reject"
        wizard.reason_id = self.reason_return
        wizard.rating = "2"
        result = wizard.save().action_confirm()
        self._assert_notified(
            result,
            "Rejected: “Clinic «Health»” — back to the lead desk, in Inquiry.",
            wizard=True,
        )

    def test_rejections_and_recycling(self):
        disqualified = self._handed(self._clinic("Clinic «A»"))
        self._assert_notified(
            disqualified.with_user(self.user_sales).action_review_reject(
                self.reason_disqualify.id, 1
            ),
            "Rejected: “Clinic «A»” — disqualified.",
        )
        with freeze_time(MONDAY):
            recycled = self._handed(self._clinic("Clinic «B»"))
            later = fields.Date.to_date("2026-04-01")
            message = self._assert_notified(
                recycled.with_user(self.user_sales).action_review_reject(
                    self.reason_recycle.id, 3, recycle_date=later
                ),
                "Rejected: “Clinic «B»” — back to the lead desk's nurturing on",
            )
            self.assertIn(date_label(self.env, later), message)
            plain = self._handed(self._clinic("Clinic «C»"))
            self._assert_notified(
                plain.with_user(self.user_sales).action_recycle("No budget"),
                "Recycled: “Clinic «C»” — back to the lead desk's nurturing.",
            )

    def test_flag_wizard(self):
        lead = self._accepted()
        action = lead.with_user(self.user_desk).action_open_flag()
        wizard = self._wizard_form("crm.lead.flag", self.user_desk, **action["context"])
        wizard.reason_id = self.reason_flag
        self._assert_notified(
            wizard.save().action_confirm(),
            "Flagged as “Never called back”: “Clinic «Health»”",
            "team leader",
            wizard=True,
        )

    @freeze_time(MONDAY)
    def test_nurture_buttons(self):
        lead = self._clinic()
        as_desk = lead.with_user(self.user_desk)
        as_desk.nurture_track_id = self.track
        self._assert_notified(
            as_desk.action_nurture_enrol(),
            "Enrolled in “Calls only”: “Clinic «Health»” — first step on",
        )
        self._assert_notified(
            as_desk.action_nurture_pause(), "Nurture paused: “Clinic «Health»”."
        )
        self._assert_notified(
            self._clinic("Clinic «Idle»")
            .with_user(self.user_desk)
            .action_nurture_pause(),
            "No running nurture to pause: “Clinic «Idle»”.",
            kind="warning",
        )
        self._assert_notified(
            as_desk.action_nurture_resume(),
            "Nurture resumed: “Clinic «Health»” — next step on",
        )
        self._assert_notified(
            as_desk.action_nurture_remove(),
            "Removed from the nurture track: “Clinic «Health»”.",
        )


@tagged("post_install", "-at_install", "pla_desk_flow", "pla_security")
class TestButtons(DeskFlowCommon):
    """A user sees a button only when the rule behind it lets them use it;
    one primary button at most, exactly one for whom the state waits on."""

    PRIMARY = ("oe_highlight", "btn-primary")
    #: buttons of other modules that call an outside service (not probed)
    OUTSIDE = ("iap_enrich",)

    def _form_arch(self, user):
        view = (
            self.env["crm.lead"]
            .with_user(user)
            .get_view(self.env.ref("crm.crm_lead_view_form").id, "form")
        )
        return etree.fromstring(view["arch"])

    def _values(self, lead, user, expressions):
        names = {
            node.id
            for expression in expressions
            for node in ast.walk(ast.parse(expression, mode="eval"))
            if isinstance(node, ast.Name)
        }
        Lead = lead.with_user(user)
        fnames = [name for name in names if name in Lead._fields]
        values = Lead.read(fnames)[0]
        return {
            name: value[0] if isinstance(value, tuple) else value
            for name, value in values.items()
        } | {"uid": user.id, "context": {}}

    def _visible(self, lead, user, nodes):
        values = self._values(
            lead, user, [node.get("invisible") or "False" for node in nodes]
        )
        return [
            node
            for node in nodes
            if not safe_eval(node.get("invisible") or "False", dict(values))
        ]

    def _probe(self, lead, user, button):
        """Use the button in a savepoint, undone: None, or the refusal."""
        record = lead.with_user(user)
        if button.get("type") == "action":
            calls = {
                self.env.ref("crm.action_crm_lead2opportunity_partner").id: lambda: (
                    record.convert_opportunity(record.partner_id)
                ),
                self.env.ref("crm.crm_lead_lost_action").id: record.action_set_lost,
            }
            call = calls[int(button.get("name"))]
        elif button.get("name") in self.OUTSIDE:
            return None
        else:
            call = getattr(record, button.get("name"))
        try:
            with self.env.cr.savepoint():
                call()
                self.env.flush_all()
                raise _Rollback
        except _Rollback:
            return None
        except (UserError, AccessError, ValidationError) as error:
            return error
        finally:
            self.env.invalidate_all(flush=False)

    def _fixtures(self):
        def lost():
            lead = self._clinic("Clinic «Lost»")
            lead.with_user(self.user_desk).action_set_lost()
            return lead

        def won():
            lead = self._accepted(self._clinic("Clinic «Won»"))
            lead.with_user(self.user_sales).action_set_won()
            return lead

        def opportunity():
            lead = self._accepted(self._clinic("Clinic «Opportunity»"))
            lead.with_user(self.user_sales).convert_opportunity(lead.partner_id)
            return lead

        def disqualified():
            lead = self._clinic("Clinic «Disqualified»")
            lead.with_user(self.user_desk).action_disqualify()
            return lead

        return {
            "inquiry": (lambda: self._clinic(), "desk"),
            "inquiry below the grade": (lambda: self._walk_in(), "manager"),
            "nurturing": (lambda: self._nurtured(), "desk"),
            "mql": (lambda: self._auto_qualified(), "desk"),
            "disqualified": (disqualified, "desk"),
            "handed_off": (lambda: self._handed(), "sales"),
            "accepted": (lambda: self._accepted(), "sales"),
            "opportunity": (opportunity, "sales"),
            "lost": (lost, None),
            "won": (won, None),
        }

    def test_every_visible_header_button_works_and_one_is_primary(self):
        users = {
            "desk": self.user_desk,
            "manager": self.user_manager,
            "sales": self.user_sales,
            "sales_other": self.user_sales_all,
            "sales_manager": self.user_sales_manager,
        }
        arches = {role: self._form_arch(user) for role, user in users.items()}
        for state, (make, owner) in self._fixtures().items():
            lead = make()
            for role, user in users.items():
                if not lead.with_user(user).has_access("read"):
                    continue
                with self.subTest(state=state, role=role):
                    buttons = arches[role].xpath("//header/button")
                    visible = self._visible(lead, user, buttons)
                    for button in visible:
                        refusal = self._probe(lead, user, button)
                        self.assertIsNone(
                            refusal,
                            f"{role} sees {button.get('name')} on a {state} "
                            f"lead and cannot use it",
                        )
                    primary = [
                        button.get("name")
                        for button in visible
                        if set(self.PRIMARY) & set((button.get("class") or "").split())
                    ]
                    self.assertLessEqual(len(primary), 1, primary)
                    if role == owner:
                        self.assertEqual(len(primary), 1, "the state's next step")

    def test_review_is_for_whom_the_guard_lets_decide(self):
        lead = self._handed()
        for user, may in (
            (self.user_sales, True),  # the salesperson, a member
            (self.user_sales_all, True),  # a member of the team
            (self.user_sales_manager, True),  # its leader, a sales manager
            (self.user_desk, False),  # the desk that handed it off
            (self.user_manager, False),  # an Alignment Manager is the desk too
        ):
            with self.subTest(user=user.login):
                record = lead.with_user(user)
                self.assertEqual(record.can_review, may)
                if may:
                    record.action_open_review()
                else:
                    with self.assertRaises(UserError):
                        record.action_open_review()
        # the kanban cards show the button on the same rule
        for xmlid in (
            "pharmacy_lead_alignment.crm_lead_view_kanban_desk",
            "crm.crm_case_kanban_view_leads",
        ):
            arch = etree.fromstring(
                self.env["crm.lead"]
                .with_user(self.user_desk)
                .get_view(self.env.ref(xmlid).id, "kanban")["arch"]
            )
            for button in arch.xpath("//button[@name='action_open_review']"):
                rule = button.get("invisible") or button.get("t-if")
                self.assertIn("can_review", rule, xmlid)

    def test_desk_sees_one_figure_sales_see_both_explained(self):
        arch = self._form_arch(self.user_desk)
        (box,) = arch.xpath("//div[@id='probability']/..")
        (label,) = arch.xpath("//label[@for='probability']")
        self.assertEqual(label.get("string"), "Win Probability")
        desk_lead = self._clinic()
        handed = self._handed(self._clinic("Clinic «Sales»"))
        self.assertFalse(self._visible(desk_lead, self.user_desk, [box]))
        self.assertTrue(self._visible(handed, self.user_sales, [box]))
        helps = self.env["crm.lead"].fields_get(["probability"])
        self.assertIn("Not the Score", helps["probability"]["help"])
