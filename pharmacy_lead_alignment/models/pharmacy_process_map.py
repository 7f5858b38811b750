# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import lifecycle, process_map
from ..tools.groups import GROUP_MANAGER
from ..tools.process_map import (
    ACK_DONE,
    ACK_PENDING,
    STATE_ARCHIVED,
    STATE_DRAFT,
    STATE_PUBLISHED,
)
from .pharmacy_activity import schedule_activities

#: What a published map keeps unchanged (a new version changes it).
CONTENT_FIELDS = frozenset({"name", "company_id", "step_ids", "description"})


class PharmacyProcessMap(models.Model):
    """The written sales-process map: how a lead flows from the desk to a won
    deal, who owns each step and which SLA applies. The head of the pharmacy
    publishes a version; every member of the desk and sales teams confirms
    having read it."""

    _name = "pharmacy.process.map"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Sales Process Map"
    _order = "company_id, version desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    version = fields.Integer(readonly=True, copy=False, default=1)
    state = fields.Selection(
        process_map.STATE_SELECTION,
        default=STATE_DRAFT,
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    description = fields.Html(
        translate=True, help="Why the map exists and how to read it."
    )
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    published_date = fields.Datetime(string="Published On", readonly=True, copy=False)
    step_ids = fields.One2many(
        "pharmacy.process.step", "map_id", string="Steps", copy=True
    )
    ack_ids = fields.One2many(
        "pharmacy.process.map.ack", "map_id", string="Acknowledgements", readonly=True
    )
    ack_done_count = fields.Integer(
        string="Read By", compute="_compute_ack_counts", compute_sudo=True
    )
    ack_expected_count = fields.Integer(
        string="To Be Read By", compute="_compute_ack_counts", compute_sudo=True
    )
    is_acknowledged = fields.Boolean(
        string="Read by Me", compute="_compute_is_acknowledged"
    )
    must_acknowledge = fields.Boolean(compute="_compute_is_acknowledged")
    consistency_issues = fields.Html(
        compute="_compute_consistency", sanitize=False, string="Inconsistencies"
    )
    is_consistent = fields.Boolean(compute="_compute_consistency")

    @api.depends("ack_ids.state")
    def _compute_ack_counts(self):
        for pmap in self:
            pmap.ack_expected_count = len(pmap.ack_ids)
            pmap.ack_done_count = len(
                pmap.ack_ids.filtered(lambda a: a.state == ACK_DONE)
            )

    @api.depends("ack_ids.state", "ack_ids.user_id")
    @api.depends_context("uid")
    def _compute_is_acknowledged(self):
        for pmap in self:
            mine = pmap.sudo().ack_ids.filtered(lambda a: a.user_id == self.env.user)
            pmap.is_acknowledged = any(ack.state == ACK_DONE for ack in mine)
            pmap.must_acknowledge = pmap.state == STATE_PUBLISHED and any(
                ack.state == ACK_PENDING for ack in mine
            )

    @api.depends(
        "step_ids.lifecycle_state", "step_ids.sla_policy_id", "company_id", "state"
    )
    def _compute_consistency(self):
        labels = dict(
            self.env["pharmacy.process.step"]
            ._fields["lifecycle_state"]
            ._description_selection(self.env)
        )
        Policy = self.env["pharmacy.sla.policy"].sudo().with_context(active_test=False)
        for pmap in self:
            policies = Policy.search([("company_id", "=", pmap.company_id.id)])
            policies |= pmap.step_ids.sla_policy_id.sudo()
            issues = process_map.consistency_issues(
                [
                    (step.lifecycle_state, step.sla_policy_id.id or None)
                    for step in pmap.step_ids
                ],
                list(lifecycle.STATES),
                {policy.id: (policy.kind, policy.active) for policy in policies},
            )
            pmap.is_consistent = not issues
            if not issues:
                pmap.consistency_issues = False
                continue
            lines = []
            for code, value in issues:
                policy = Policy.browse(value) if code.startswith("policy") else None
                lines.append(
                    {
                        "state_missing": self.env._(
                            "No step describes the state “%(state)s”.",
                            state=labels.get(value, value),
                        ),
                        "state_unknown": self.env._(
                            "A step describes “%(state)s”, which is not a state of "
                            "the lead lifecycle.",
                            state=value,
                        ),
                        "state_twice": self.env._(
                            "Several steps describe the state “%(state)s”.",
                            state=labels.get(value, value),
                        ),
                        "policy_archived": self.env._(
                            "A step names the SLA policy “%(policy)s”, which is "
                            "archived.",
                            policy=policy.display_name if policy else value,
                        ),
                        "policy_wrong_step": self.env._(
                            "The SLA policy “%(policy)s” is named on a step it "
                            "does not time.",
                            policy=policy.display_name if policy else value,
                        ),
                        "policy_missing": self.env._(
                            "The active SLA policy “%(policy)s” appears on no step.",
                            policy=policy.display_name if policy else value,
                        ),
                    }[code]
                )
            pmap.consistency_issues = Markup("<ul>%s</ul>") % Markup("").join(
                Markup("<li>%s</li>") % line for line in lines
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        self._require_manager()
        for vals in vals_list:
            company_id = vals.get("company_id") or self.env.company.id
            if "version" not in vals:
                vals["version"] = self._next_version(company_id)
        return super().create(vals_list)

    def write(self, vals):
        if CONTENT_FIELDS.intersection(vals):
            self._check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        if any(pmap.state != STATE_DRAFT for pmap in self):
            raise UserError(
                self.env._(
                    "A published or archived map stays readable: only drafts can "
                    "be deleted."
                )
            )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_publish(self):
        """Alignment Manager: publish this version. The previous published
        version of the company is archived (and stays readable); every member
        of the desk and sales teams must confirm having read the new one."""
        self._require_manager()
        for pmap in self:
            if pmap.state != STATE_DRAFT:
                raise UserError(
                    self.env._(
                        "“%(map)s” version %(version)s is already published or "
                        "archived.",
                        map=pmap.name,
                        version=pmap.version,
                    )
                )
            if not pmap.step_ids:
                raise UserError(
                    self.env._(
                        "“%(map)s” has no steps yet: describe each state of the "
                        "lead lifecycle before publishing.",
                        map=pmap.name,
                    )
                )
        for pmap in self:
            previous = self.search(
                [
                    ("company_id", "=", pmap.company_id.id),
                    ("state", "=", STATE_PUBLISHED),
                    ("id", "!=", pmap.id),
                ]
            )
            previous.activity_unlink(
                ["pharmacy_lead_alignment.mail_activity_type_read_process_map"]
            )
            super(PharmacyProcessMap, previous).write({"state": STATE_ARCHIVED})
            super(PharmacyProcessMap, pmap).write(
                {
                    "state": STATE_PUBLISHED,
                    "approved_by_id": self.env.uid,
                    "published_date": fields.Datetime.now(),
                }
            )
            pmap._request_acknowledgements()
        return True

    def action_new_version(self):
        """Alignment Manager: a draft copy of this map, one version up."""
        self.ensure_one()
        self._require_manager()
        new = self.copy({"version": self._next_version(self.company_id.id)})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    def action_acknowledge(self):
        """Anyone asked to: confirm having read this version."""
        self.ensure_one()
        if self.state != STATE_PUBLISHED:
            raise UserError(
                self.env._(
                    "Only the published version of the map can be acknowledged; "
                    "“%(map)s” version %(version)s is not.",
                    map=self.name,
                    version=self.version,
                )
            )
        Ack = self.env["pharmacy.process.map.ack"].sudo()
        ack = Ack.search([("map_id", "=", self.id), ("user_id", "=", self.env.uid)])
        if not ack:
            ack = Ack.create({"map_id": self.id, "user_id": self.env.uid})
        ack.write({"state": ACK_DONE, "date": fields.Datetime.now()})
        self.sudo().activity_ids.filtered(
            lambda activity: activity.user_id == self.env.user
        ).action_feedback(feedback=self.env._("Read"))
        return True

    @api.readonly  # opens a view: a replica may answer
    def action_print(self):
        return self.env.ref(
            "pharmacy_lead_alignment.action_report_process_map"
        ).report_action(self)

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    def _check_editable(self):
        """Steps change only on a draft, by an Alignment Manager."""
        self._require_manager()
        frozen = self.filtered(lambda pmap: pmap.state != STATE_DRAFT)
        if frozen:
            raise UserError(
                self.env._(
                    "“%(map)s” version %(version)s is no longer a draft: its steps "
                    "stay as the teams read them. Create a new version to change "
                    "them.",
                    map=frozen[0].name,
                    version=frozen[0].version,
                )
            )

    def _require_manager(self):
        if not self.env.su and not self.env.user.has_group(GROUP_MANAGER):
            raise AccessError(
                self.env._(
                    "Only an Alignment Manager can write, publish or version the "
                    "sales-process map."
                )
            )

    @api.model
    def _next_version(self, company_id):
        last = (
            self.sudo()
            .with_context(active_test=False)
            .search([("company_id", "=", company_id)], order="version desc", limit=1)
        )
        return (last.version or 0) + 1

    def _expected_readers(self):
        """``{user: team}`` of the members and leaders of the company's desk
        and sales teams."""
        self.ensure_one()
        teams = (
            self.env["crm.team"]
            .sudo()
            .search(
                [
                    ("alignment_role", "!=", False),
                    ("company_id", "in", [self.company_id.id, False]),
                ]
            )
        )
        readers = {}
        for team in teams:
            for user in team.user_id | team.member_ids:
                if user.active and not user.share:
                    readers.setdefault(user, team)
        return readers

    def _request_acknowledgements(self):
        """One pending acknowledgement and one reminder activity per reader,
        due after the delay of the reminder's activity type (a few days to
        read the map, not today)."""
        self.ensure_one()
        readers = self._expected_readers()
        self.env["pharmacy.process.map.ack"].sudo().create(
            [
                {"map_id": self.id, "user_id": user.id, "team_id": team.id}
                for user, team in readers.items()
            ]
        )
        schedule_activities(
            self.env.ref("pharmacy_lead_alignment.mail_activity_type_read_process_map"),
            ((self, user) for user in readers),
            summary=self.env._(
                "Read version %(version)s of the sales-process map",
                version=self.version,
            ),
            notify=True,  # each reader is told the new version is out
        )
