# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import feedback, funnel, kpi, lifecycle, process_map
from ..tools.groups import GROUP_DESK, GROUP_MANAGER
from .pharmacy_rpc_args import RpcArgs

#: Context key of the team the tiles are narrowed to.
TEAM_KEY = "pla_dashboard_team"
#: Rows of the rejection and ROI tiles.
TOP_REJECTIONS = 5
TOP_CAMPAIGNS = 10


class PharmacyAlignmentDashboard(models.AbstractModel):
    """The data of the head's dashboard, in one call of grouped reads: the
    period's tiles read the period's rows (moves, clocks, reviews), the
    all-time campaign tile the reach each lead keeps (``crm_lead_funnel``)."""

    _name = "pharmacy.alignment.dashboard"
    _description = "Alignment Dashboard"

    @api.model
    def _period(self, period):
        return kpi.period_bounds(period, fields.Date.context_today(self))

    @api.model
    def _default_period(self, company_ids):
        """This month if anything happened in it yet, else the last month."""
        start, _end = self._period(kpi.PERIOD_MONTH)
        has_data = bool(
            self.env["pharmacy.lead.event"].search_count(
                [
                    ("date", ">=", datetime.combine(start, time.min)),
                    ("company_id", "in", company_ids),
                ],
                limit=1,
            )
        )
        return kpi.default_period(has_data)

    @api.readonly
    @api.model
    def get_dashboard_data(self, period=None, team_id=False):
        """Everything the dashboard shows for the current companies.

        :param str period: ``month``, ``last_month``, ``quarter`` or ``year``
            (``tools.kpi.PERIODS``); by default this month, or the last one
            while this month has no data yet
        :param int team_id: only this desk or sales team (its leads, clocks,
            hand-offs and reviews); campaign ROI and the map stay global
        :return: a JSON-able dict (see the client action for its shape)
        """
        args = RpcArgs(self.env)
        if period is not None:
            period = args.choice("period", period, kpi.PERIODS)
        team_id = args.record_id("team_id", team_id, required=False)
        if not self.env.user.has_group(GROUP_DESK):
            raise AccessError(
                self.env._(
                    "The alignment dashboard is for the lead desk and the head of "
                    "the pharmacy."
                )
            )
        if period is None:
            period = self._default_period(self.env.companies.ids)
        date_from, date_to = self._period(period)
        teams = (
            self.env["crm.team"]
            .search([("alignment_role", "!=", False)])
            .filtered_domain([("company_id", "in", [*self.env.companies.ids, False])])
        )
        team = teams.browse(team_id) if team_id else teams.browse()
        if team_id and team not in teams:
            raise UserError(
                self.env._(
                    "The dashboard shows the desk and sales teams of your "
                    "companies only; choose one of them or all teams."
                )
            )
        tiles = self.with_context(**{TEAM_KEY: team.id})
        start = datetime.combine(date_from, time.min)
        end = datetime.combine(date_to + relativedelta(days=1), time.min)
        company_ids = self.env.companies.ids
        currency = self.env.company.currency_id
        is_manager = self.env.user.has_group(GROUP_MANAGER)
        return {
            "period": {
                "key": period,
                "date_from": fields.Date.to_string(date_from),
                "date_to": fields.Date.to_string(date_to),
            },
            "team_id": team.id,
            "teams": [{"id": t.id, "name": t.display_name} for t in teams],
            "currency": {
                "symbol": currency.symbol,
                "position": currency.position,
                "digits": currency.decimal_places,
            },
            **tiles._funnel(start, end, company_ids),
            "velocity": tiles._velocity(start, end, company_ids),
            "sla": tiles._sla(start, end, company_ids),
            "rejections": tiles._rejections(start, end, company_ids),
            "roi": self._roi(company_ids) if is_manager else None,
            "acknowledgement": self._acknowledgement(),
        }

    # ------------------------------------------------------------
    # TILES
    # ------------------------------------------------------------

    @api.model
    def _team(self):
        """The team the dashboard is narrowed to (id), or False."""
        return self.env.context.get(TEAM_KEY) or False

    @api.model
    def _team_domain(self):
        team = self._team()
        return [("team_id", "=", team)] if team else []

    @api.model
    def _period_domain(self, start, end, company_ids):
        """The rows of the period, the companies and the team (if any)."""
        return [*kpi.period_domain(start, end, company_ids), *self._team_domain()]

    @api.model
    def _state_labels(self):
        return dict(
            self.env["crm.lead"]
            ._fields["lifecycle_state"]
            ._description_selection(self.env)
        )

    @api.model
    def _funnel(self, start, end, company_ids):
        """Leads that reached each stage in the period for the first time, by
        origin, and how many recycled leads won (``tools.kpi``)."""
        Report = self.env["pharmacy.funnel.report"]
        domain = self._period_domain(start, end, company_ids)
        columns = [f"reached_{stage}" for stage in funnel.STAGES]
        groups = Report._read_group(
            domain,
            ["lead_origin"],
            [f"{column}:sum" for column in columns] + ["recycled_won:sum"],
        )
        labels = self._state_labels()
        by_origin = {}
        recycled_won = 0
        for origin, *sums in groups:
            by_origin[origin] = dict(zip(funnel.STAGES, sums[:-1], strict=True))
            recycled_won += sums[-1]

        def stages(origin):
            if origin:
                counts = by_origin.get(origin, {})
                origin_domain = [*domain, ("lead_origin", "=", origin)]
            else:
                counts = {
                    stage: sum(c.get(stage, 0) for c in by_origin.values())
                    for stage in funnel.STAGES
                }
                origin_domain = domain
            rows = funnel.funnel(counts)
            if origin == lifecycle.ORIGIN_SALES:  # sales-sourced start accepted
                rows = funnel.funnel(
                    {
                        row["key"]: row["count"]
                        for row in rows
                        if funnel.rank(row["key"]) >= funnel.rank(lifecycle.ACCEPTED)
                    }
                )[funnel.STAGES.index(lifecycle.ACCEPTED) :]
            return [
                {
                    **row,
                    "label": labels[row["key"]],
                    "res_model": Report._name,
                    "domain": [*origin_domain, (f"reached_{row['key']}", "=", 1)],
                }
                for row in rows
            ]

        return {
            "funnel": {
                "all": stages(None),
                "marketing": stages(lifecycle.ORIGIN_MARKETING),
                "sales": stages(lifecycle.ORIGIN_SALES),
            },
            "recycled_won": {
                "count": recycled_won,
                "res_model": Report._name,
                "domain": [*domain, ("recycled_won", "=", 1)],
            },
        }

    @api.model
    def _velocity(self, start, end, company_ids):
        """Median and 90th percentile of the hours leads spent in each state
        they entered in the period (one query)."""
        self.env["pharmacy.lead.event"].flush_model()
        self.env["crm.lead"].flush_model(["lead_origin"])
        spans = self.env["pharmacy.velocity.report"]._spans_sql(since=start)
        self.env.cr.execute(
            SQL(
                """
                SELECT state, count(*),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)
                  FROM (%s) AS stays
                 WHERE date_start >= %s AND date_start < %s
                   AND company_id IN %s AND %s
                 GROUP BY state
                """,
                spans,
                start,
                end,
                tuple(company_ids),
                SQL("team_id = %s", self._team()) if self._team() else SQL("TRUE"),
            )
        )
        found = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        labels = self._state_labels()
        return [
            {
                "key": state,
                "label": labels[state],
                "count": found[state][0],
                "median_hours": round(found[state][1], 1),
                "p90_hours": round(found[state][2], 1),
                "res_model": "pharmacy.velocity.report",
                "domain": [
                    *self._period_domain(start, end, company_ids),
                    ("state", "=", state),
                ],
            }
            for state in lifecycle.STATES
            if state in found
        ]

    @api.model
    def _sla(self, start, end, company_ids):
        """Both sides, from the SLA ledger's rows of the period: the sales
        clocks started in it, and marketing's hand-offs, the sales decisions
        on them and the promised volume (``tools.kpi``)."""
        Ledger = self.env["pharmacy.sla.report"]
        domain = self._period_domain(start, end, company_ids)
        sums = [
            "met_count:sum",
            "breached_count:sum",
            "decided_count:sum",
            "met_rate:avg",
            "handed_off_count:sum",
            "accepted_count:sum",
            "reviewed_count:sum",
            "volume_target:sum",
            "volume_attainment:avg",
            "acceptance_rate:avg",
            "acceptance_target:avg",
        ]
        [
            (
                met,
                breached,
                decided,
                met_rate,
                handed_off,
                accepted,
                reviewed,
                volume_target,
                attainment,
                acceptance_rate,
                acceptance_target,
            )
        ] = Ledger._read_group(domain, [], sums)

        def rounded(value):
            return None if value is None or value is False else round(value, 1)

        def rows(fact, *extra):
            return [*domain, ("fact", "=", fact), *extra]

        return {
            "sales": {
                "clocks": decided,
                "met": met,
                "breached": breached,
                "rate": rounded(met_rate),
                "res_model": Ledger._name,
                "domain": rows(kpi.FACT_CLOCK, ("decided_count", "=", 1)),
                "met_domain": rows(kpi.FACT_CLOCK, ("met_count", "=", 1)),
                "breached_domain": rows(kpi.FACT_CLOCK, ("breached_count", "=", 1)),
            },
            "marketing": {
                "handed_off": handed_off,
                "volume_target": volume_target,
                "attainment": rounded(attainment),
                "accepted": accepted,
                "reviewed": reviewed,
                "acceptance_rate": rounded(acceptance_rate),
                "acceptance_target": rounded(acceptance_target) or None,
                "res_model": Ledger._name,
                "domain": rows(kpi.FACT_HANDOFF),
                "reviewed_domain": rows(kpi.FACT_DECISION),
            },
        }

    @api.model
    def _rejections(self, start, end, company_ids):
        Feedback = self.env["pharmacy.lead.feedback"]
        domain = [
            *self._period_domain(start, end, company_ids),
            ("direction", "=", feedback.DIRECTION_SALES),
            ("verdict", "=", feedback.VERDICT_REJECT),
        ]
        groups = Feedback._read_group(
            domain,
            ["reason_id"],
            ["__count"],
            order="__count desc",
            limit=TOP_REJECTIONS,
        )
        return [
            {
                "reason": reason.display_name or self.env._("No reason given"),
                "count": count,
                "res_model": Feedback._name,
                "domain": [*domain, ("reason_id", "=", reason.id)],
            }
            for reason, count in groups
        ]

    @api.model
    def _roi(self, company_ids):
        """Campaigns with the most won revenue, all time (their costs are not
        tied to the period)."""
        Report = self.env["pharmacy.roi.report"]
        groups = Report._read_group(
            [
                ("dimension", "=", funnel.DIMENSION_CAMPAIGN),
                ("company_id", "in", [*company_ids, False]),
            ],
            ["campaign_id"],
            [
                "cost:sum",
                "lead_count:sum",
                "mql_count:sum",
                "accepted_count:sum",
                "won_count:sum",
                "revenue:sum",
            ],
            order="revenue:sum desc",
            limit=TOP_CAMPAIGNS,
        )
        return [
            {
                "name": campaign.display_name,
                **funnel.roi_row(cost, leads, mqls, accepted, won, revenue),
                "res_model": "crm.lead",
                "domain": [
                    ("campaign_id", "=", campaign.id),
                    ("lifecycle_state", "!=", False),
                    ("company_id", "in", [*company_ids, False]),
                    ("active", "in", [True, False]),
                ],
            }
            for campaign, cost, leads, mqls, accepted, won, revenue in groups
        ]

    @api.model
    def _acknowledgement(self):
        pmap = self.env["pharmacy.process.map"].search(
            [
                ("state", "=", process_map.STATE_PUBLISHED),
                ("company_id", "=", self.env.company.id),
            ],
            limit=1,
        )
        if not pmap:
            return None
        Ack = self.env["pharmacy.process.map.ack"]
        groups = Ack._read_group(
            [("map_id", "=", pmap.id)], ["team_id", "state"], ["__count"]
        )
        teams = {}
        for team, state, count in groups:
            row = teams.setdefault(
                team.id, {"team": team.display_name or "", "done": 0, "expected": 0}
            )
            row["expected"] += count
            if state == process_map.ACK_DONE:
                row["done"] += count
        return {
            "map_id": pmap.id,
            "name": pmap.name,
            "version": pmap.version,
            "done": sum(row["done"] for row in teams.values()),
            "expected": sum(row["expected"] for row in teams.values()),
            "teams": list(teams.values()),
            "res_model": Ack._name,
            "domain": [("map_id", "=", pmap.id)],
        }
