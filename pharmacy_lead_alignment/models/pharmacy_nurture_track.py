# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import lifecycle


class PharmacyNurtureTrack(models.Model):
    """A plan of timed steps that warms leads until they qualify."""

    _name = "pharmacy.nurture.track"
    _inherit = ["pharmacy.lead.domain.mixin"]
    _description = "Nurture Track"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        string="Priority",
        default=10,
        help="A lead is enrolled in the first active track (lowest number) whose "
        "filter it matches.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    domain = fields.Char(
        string="Enrolment Filter",
        default="[]",
        help="The desk leads this track enrols.",
    )
    step_ids = fields.One2many(
        "pharmacy.nurture.step", "track_id", string="Steps", copy=True
    )
    enrolled_count = fields.Integer(compute="_compute_counts", string="Enrolled")
    graduated_count = fields.Integer(compute="_compute_counts", string="Graduated")
    dropped_count = fields.Integer(compute="_compute_counts", string="Dropped")

    @api.depends_context("uid")
    def _compute_counts(self):
        # as the reader: sales count only the leads they see, never the desk's
        data = self.env["crm.lead"]._read_group(
            [("nurture_track_id", "in", self.ids)],
            ["nurture_track_id", "nurture_state"],
            ["__count"],
        )
        by_state = {(track.id, state): count for track, state, count in data}
        for track in self:
            track.enrolled_count = sum(
                count
                for (track_id, _s), count in by_state.items()
                if track_id == track.id
            )
            track.graduated_count = by_state.get(
                (track.id, lifecycle.NURTURE_GRADUATED), 0
            )
            track.dropped_count = by_state.get((track.id, lifecycle.NURTURE_DROPPED), 0)

    @api.constrains("domain")
    def _check_domain(self):
        for track in self:
            track._check_domain_paths(track._parse_domain())

    @api.constrains("active", "step_ids")
    def _check_steps(self):
        for track in self.filtered("active"):
            if not track.step_ids:
                raise ValidationError(
                    self.env._(
                        "Nurture track “%(track)s” has no step: add at least one "
                        "step, or archive the track.",
                        track=track.name,
                    )
                )

    def _domain_error(self, error):
        return self.env._(
            "Nurture track “%(track)s”: its filter is not a valid filter on leads "
            "(%(error)s). Edit it with the domain editor.",
            track=self.name,
            error=error,
        )

    def _parse_domain(self):
        return self._lead_domain()

    def _first_step(self):
        self.ensure_one()
        return self.step_ids.sorted(lambda step: (step.sequence, step.id))[:1]


class PharmacyNurtureStep(models.Model):
    """One step of a nurture track: an activity for the desk, or an e-mail."""

    _name = "pharmacy.nurture.step"
    _description = "Nurture Step"
    _order = "track_id, sequence, id"
    _check_company_auto = True

    track_id = fields.Many2one(
        "pharmacy.nurture.track", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="track_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    wait_days = fields.Integer(
        string="Wait (days)",
        default=7,
        help="Days after the previous step (or after enrolment for the first).",
    )
    action = fields.Selection(
        [("activity", "Schedule an Activity"), ("email", "Send an E-mail")],
        required=True,
        default="activity",
    )
    activity_type_id = fields.Many2one("mail.activity.type")
    summary = fields.Char(translate=True)
    note = fields.Html(translate=True)
    assign_to = fields.Selection(
        [("owner", "The lead's desk owner"), ("user", "A chosen user")],
        default="owner",
    )
    user_id = fields.Many2one("res.users", check_company=True)
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'crm.lead')]",
    )
    prescription_content = fields.Boolean(
        help="Prescription-only products: sent only to doctors, clinics and care "
        "homes, never to patients.",
    )

    @api.constrains("wait_days", "action", "activity_type_id", "mail_template_id")
    def _check_step(self):
        for step in self:
            if step.wait_days < 0:
                raise ValidationError(
                    self.env._(
                        "Step “%(step)s”: the wait cannot be negative; use 0 to run "
                        "it on the day of the previous step.",
                        step=step.name,
                    )
                )
            if step.action == "activity" and not step.activity_type_id:
                raise ValidationError(
                    self.env._(
                        "Step “%(step)s” schedules an activity: choose its type.",
                        step=step.name,
                    )
                )
            if step.action == "email":
                if not step.mail_template_id:
                    raise ValidationError(
                        self.env._(
                            "Step “%(step)s” sends an e-mail: choose its template.",
                            step=step.name,
                        )
                    )
                if step.mail_template_id.model != "crm.lead":
                    raise ValidationError(
                        self.env._(
                            "Step “%(step)s”: the template “%(template)s” is for "
                            "%(model)s, not for leads. Choose a lead template.",
                            step=step.name,
                            template=step.mail_template_id.name,
                            model=step.mail_template_id.model,
                        )
                    )

    def _next(self):
        """The step after this one in its track, or an empty recordset."""
        self.ensure_one()
        steps = self.track_id.step_ids.sorted(lambda step: (step.sequence, step.id))
        index = list(steps).index(self)
        return steps[index + 1 : index + 2]


class PharmacyNurtureStepRun(models.Model):
    """That a step ran (or was skipped) for a lead: each step runs once."""

    _name = "pharmacy.nurture.step.run"
    _description = "Nurture Step Run"
    _order = "date desc, id desc"

    lead_id = fields.Many2one(
        "crm.lead", required=True, ondelete="restrict", index=True
    )
    step_id = fields.Many2one(
        "pharmacy.nurture.step", required=True, ondelete="cascade", index=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    result = fields.Selection(lifecycle.RUN_RESULT_SELECTION, required=True)
    note = fields.Char()
    company_id = fields.Many2one(related="lead_id.company_id", store=True)

    _sql_constraints = [
        (
            "lead_step_unique",
            "UNIQUE(lead_id, step_id)",
            "A nurture step runs only once per lead.",
        ),
    ]
