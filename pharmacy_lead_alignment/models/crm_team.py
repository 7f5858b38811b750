# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import lifecycle
from ..tools.groups import GROUP_DESK
from .pharmacy_scoring_rule import SCORE_FIELDS, SCORE_PREFIXES

#: What the lead desk may change on a sales team (through
#: ``access_crm_team_desk_routing``): its routing rule and its place in the
#: routing order. Everything else of a team stays with the sales managers.
ROUTING_FIELDS = frozenset({"assignment_domain", "sequence"})
#: The access line that lets the desk write sales teams, for the above only.
DESK_ROUTING_ACCESS = "pharmacy_lead_alignment.access_crm_team_desk_routing"

#: Up to this many leads, a team's leads join the flow as soon as it gets its
#: role; above, a scheduled action adopts them in batches
#: (``crm.lead._cron_adopt_leads``), out of the user's request.
ADOPT_SYNC_LIMIT = 2000

_logger = logging.getLogger(__name__)


class PharmacyRoutingRuleMixin(models.AbstractModel):
    """A routing rule: Odoo's ``assignment_domain`` of a sales-role team or
    of one of its members, read by the hand-off suggestion
    (``crm_lead_routing``) as a filter on leads, checked like the fit rules'
    filters: stored fields a salesperson may read, never a score or the
    lifecycle."""

    _name = "pharmacy.routing.rule.mixin"
    _inherit = ["pharmacy.lead.domain.mixin"]
    _description = "Routing Rule of a Sales Team"
    _lead_domain_field = "assignment_domain"

    def _pla_routing_rule(self):
        """The checked routing rule (``[]`` when there is none).

        :raise ValidationError: naming the team (or member) and the field
        """
        domain = self._lead_domain()
        self._check_domain_paths(
            domain, forbidden=SCORE_FIELDS, forbidden_prefixes=SCORE_PREFIXES
        )
        return domain

    def _pla_routing_rule_or_none(self):
        """The routing rule as the suggestion reads it (``[]`` when there is
        none; its fields were checked when it was written), or ``None`` when
        it no longer reads as a filter on leads (a field removed since): the
        team or member is then left out, and the log says so."""
        try:
            return self._lead_domain()
        except ValidationError as error:
            _logger.warning("Routing rule left out: %s", error)
            return None

    def _pla_routing_owner(self):
        return self.display_name

    def _domain_error(self, error):
        return self.env._(
            "%(owner)s: the routing rule is not a valid filter on leads "
            "(%(error)s). Edit it with the domain editor.",
            owner=self._pla_routing_owner(),
            error=error,
        )

    def _domain_path_error(self, error):
        if error.code == "forbidden":
            return self.env._(
                "%(owner)s: the routing rule cannot filter on %(path)s: scores "
                "and the lifecycle are the desk's work, not what the lead is. "
                "Route by segment, territory or tags.",
                owner=self._pla_routing_owner(),
                path=error.path,
            )
        return super()._domain_path_error(error)


class CrmTeam(models.Model):
    _name = "crm.team"
    _inherit = ["crm.team", "pharmacy.routing.rule.mixin"]

    alignment_role = fields.Selection(
        lifecycle.ROLE_SELECTION,
        help="Lead Desk: the marketing desk that receives, scores and qualifies "
        "every new lead.\nSales: receives only leads handed off by the desk.\n"
        "Empty: the team works exactly as in standard CRM.",
        tracking=True,
    )

    def write(self, vals):
        self._pla_check_routing_write(vals)
        result = super().write(vals)
        if vals.get("alignment_role"):
            self._pla_adopt_leads()
        return result

    def _pla_adopt_leads(self):
        """The team just got a role: its leads without a state (won, lost and
        archived ones too) join the flow as they are (see
        :func:`tools.lifecycle.adopted_state`). Above ``ADOPT_SYNC_LIMIT``
        leads the scheduled action adopts them in batches, and the team's
        chatter says so; until then they stay as in standard CRM.

        :return: the leads adopted now
        """
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        domain = self._pla_unadopted_domain()
        counts = dict(Lead._read_group(domain, ["team_id"], ["__count"]))
        if sum(counts.values()) <= ADOPT_SYNC_LIMIT:
            leads = Lead.search(domain)
            leads._pla_adopt()
            return leads
        cron = self.env.ref("pharmacy_lead_alignment.ir_cron_adopt_leads")
        cron._trigger()
        for team in self:
            team.sudo().message_post(
                body=self.env._(
                    "%(count)s leads of this team join the alignment flow in the "
                    "background, a batch at a time: Settings › Technical › "
                    "Scheduled Actions › “%(cron)s” shows the progress.",
                    count=counts.get(team, 0),
                    cron=cron.sudo().name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return Lead.browse()

    def _pla_unadopted_domain(self):
        return [("team_id", "in", self.ids), ("lifecycle_state", "=", False)]

    @api.constrains("alignment_role", "company_id")
    def _check_alignment_role(self):
        """A team that is a company's lead desk keeps its role and company."""
        self.env["res.company"].sudo().search(
            [("lead_desk_team_id", "in", self.ids)]
        )._pla_check_lead_desk()

    # ------------------------------------------------------------
    # ROUTING
    # ------------------------------------------------------------

    def _pla_routing_owner(self):
        return self.env._("Sales team “%(team)s”", team=self.display_name)

    @api.constrains("assignment_domain", "alignment_role")
    def _check_pla_routing_rule(self):
        """The routing rules of a sales-role team and of its members read
        only what a fit rule may read (teams without a role keep Odoo's own
        check)."""
        for team in self.filtered(
            lambda team: team.alignment_role == lifecycle.ROLE_SALES
        ):
            team._pla_routing_rule()
            for member in team.crm_team_member_ids:
                member._pla_routing_rule()

    def _pla_check_routing_write(self, vals):
        """The lead desk writes sales teams (``access_crm_team_desk_routing``)
        only to set their routing: its rule and its order, on sales-role
        teams. Whoever may write teams otherwise (sales managers, by their
        own access rights) is not limited here."""
        if self.env.su or not self.env.user.has_group(GROUP_DESK):
            return
        if self._pla_may_write_teams_otherwise():
            return
        not_sales = self.filtered(
            lambda team: team.alignment_role != lifecycle.ROLE_SALES
        )
        if not_sales:
            raise AccessError(
                self.env._(
                    "The Marketing Desk may set the routing of sales teams only; "
                    "%(teams)s: not a team with the role “Sales”. Ask a sales "
                    "manager for any other change.",
                    teams=", ".join(not_sales.mapped("display_name")),
                )
            )
        others = set(vals) - ROUTING_FIELDS
        if others:
            raise AccessError(
                self.env._(
                    "The Marketing Desk may change only the routing rule and the "
                    "routing order of a sales team, not: %(fields)s. Ask a sales "
                    "manager for any other change.",
                    fields=", ".join(
                        sorted(
                            self._fields[name]._description_string(self.env)
                            if name in self._fields
                            else name
                            for name in others
                        )
                    ),
                )
            )

    def _pla_may_write_teams_otherwise(self):
        """Whether the user may write teams by an access line other than the
        desk's routing one (the sales managers', the POS managers'…)."""
        desk_line = self.env.ref(DESK_ROUTING_ACCESS, raise_if_not_found=False)
        return bool(
            self.env["ir.model.access"]
            .sudo()
            .search_count(
                [
                    ("model_id.model", "=", self._name),
                    ("perm_write", "=", True),
                    ("id", "!=", desk_line.id if desk_line else 0),
                    "|",
                    ("group_id", "=", False),
                    ("group_id", "in", self.env.user.groups_id.ids),
                ],
                limit=1,
            )
        )


class CrmTeamMember(models.Model):
    _name = "crm.team.member"
    _inherit = ["crm.team.member", "pharmacy.routing.rule.mixin"]

    def _pla_routing_owner(self):
        return self.env._(
            "%(user)s in the sales team “%(team)s”",
            user=self.user_id.display_name,
            team=self.crm_team_id.display_name,
        )

    @api.constrains("assignment_domain", "crm_team_id")
    def _check_pla_routing_rule(self):
        for member in self.filtered(
            lambda member: member.crm_team_id.alignment_role == lifecycle.ROLE_SALES
        ):
            member._pla_routing_rule()
