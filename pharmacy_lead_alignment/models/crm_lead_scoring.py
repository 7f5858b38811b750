# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Lead scoring: who the lead is (fit) and what it did (engagement).

The fit rules (``pharmacy.scoring.rule``) that a lead matches give its fit
score and its grade; its engagement events (``crm_lead_scoring_signals``)
give their rule's current points, worth half after every half-life. Their
sum is the score: reaching the MQL threshold qualifies an Inquiry or
Nurturing lead, falling below it sends an MQL back to the state it was
qualified from (:meth:`CrmLead._pla_apply_mql_moves`), so that removing a
rule undoes what adding it did. Two exceptions, decided in
``tools/scoring.py``: a lead the desk qualified by hand (``mql_by_hand``)
never falls back on its own; a lead sales recycled as "not ready"
(``recycled_at``) re-qualifies only on engagement earned since. Leads are
scored when created and when a field a fit rule reads changes, and again
after a change of rules or settings (:meth:`CrmLead._pla_rescore_companies`);
the daily job that decays and re-scores every open lead of the flow, batch
by batch, is in ``crm_lead_scoring_cron``. A newly qualified lead gives the
desk a "Ready for hand-off" activity.
"""

import json
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..tools import activities, lifecycle, scoring
from .pharmacy_audit_mixin import trusted

#: Leads scored per SQL batch (one query per fit rule per batch).
SCORING_BATCH = 2000
#: Up to this many leads, a rule or threshold change re-scores at once;
#: above, the daily scoring action is triggered to do it in batches.
SYNC_RESCORE_LIMIT = 2000
#: Where the daily scoring action (``crm_lead_scoring_cron``) stands:
#: "YYYY-MM-DD:last lead id".
SCORING_CURSOR_PARAM = "pharmacy_lead_alignment.scoring_cursor"
#: How many reasons the kanban card shows on hover.
REASONS_SHOWN = 3
#: Fields of this concern only the module writes (besides ``SYSTEM_FIELDS``
#: of ``crm_lead``): whether the desk qualified the lead, when sales last
#: recycled it and what it earned since.
SCORING_SYSTEM_FIELDS = frozenset(
    {"mql_by_hand", "recycled_at", "engagement_since_recycle"}
)


class CrmLead(models.Model):
    # one concern per file, on one model
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    pharmacy_segment = fields.Selection(
        lifecycle.SEGMENT_SELECTION,
        string="Segment",
        index=True,
        tracking=True,
        help="Who the lead is for the pharmacy; fit rules usually score it.",
    )
    fit_score = fields.Integer(
        readonly=True,
        copy=False,
        help="Sum of the points of the fit rules this lead matches.",
    )
    engagement_score = fields.Integer(
        readonly=True,
        copy=False,
        help="Points for what the lead did, each worth half after every half-life.",
    )
    lead_score = fields.Integer(
        string="Score",
        readonly=True,
        copy=False,
        help="Fit + engagement; the MQL threshold applies to it.",
    )
    lead_grade = fields.Selection(
        scoring.GRADE_SELECTION,
        string="Grade",
        readonly=True,
        copy=False,
        tracking=True,
        help="From the fit score alone: A (best) to D.",
    )
    score_rule_ids = fields.Many2many(
        "pharmacy.scoring.rule",
        "crm_lead_scoring_rule_rel",
        "lead_id",
        "rule_id",
        string="Matched Fit Rules",
        readonly=True,
        copy=False,
    )
    score_reason_data = fields.Char(readonly=True, copy=False)
    score_summary = fields.Char(
        string="Top Reasons",
        compute="_compute_score_summary",
        help="The rules that weigh most in the score, then what the other rules "
        "add: together they make the score.",
    )
    mql_by_hand = fields.Boolean(
        string="Qualified by Hand",
        readonly=True,
        copy=False,
        help="The desk qualified this lead itself: no change of score or of the "
        "scoring rules sends it back; only the desk does.",
    )
    engagement_since_recycle = fields.Integer(
        string="Engagement since Recycled",
        readonly=True,
        copy=False,
        help="What the lead earned since sales last sent it back as not ready: "
        "with its fit, only this engagement can qualify it again on its own.",
    )
    temperature = fields.Selection(
        lifecycle.TEMPERATURE_SELECTION,
        compute="_compute_temperature",
        help="Cold, warm or hot from the score and the company's thresholds.",
    )
    score_date = fields.Date(
        string="Score Changed On",
        readonly=True,
        copy=False,
        help="The day the score or the matched rules last changed.",
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("lead_score", "company_id")
    def _compute_temperature(self):
        # the thresholds of all the leads' companies come in one query, none
        # when the companies are already loaded: nothing cached to invalidate
        for lead in self:
            company = (lead.company_id or self.env.company).sudo()
            lead.temperature = (
                lifecycle.temperature(
                    lead.lead_score,
                    company.lead_warm_threshold,
                    company.lead_hot_threshold,
                )
                if lead.lifecycle_state
                else False
            )

    @api.depends("score_reason_data")
    @api.depends_context("lang")
    def _compute_score_summary(self):
        reasons_of = {
            lead: self._pla_parse_reasons(lead.score_reason_data) for lead in self
        }
        names = self.env["pharmacy.scoring.rule"]._rule_names(
            {rule_id for top, _n, _p in reasons_of.values() for rule_id, _p in top},
            self.env.lang or "en_US",
        )
        for lead, (top, others, rest) in reasons_of.items():
            parts = [
                f"{names.get(rule_id, '?')} {points:+d}" for rule_id, points in top
            ]
            signed = f"{rest:+d}"
            if others == 1:
                parts.append(self.env._("%(points)s from 1 other rule", points=signed))
            elif others:
                parts.append(
                    self.env._(
                        "%(points)s from %(count)s other rules",
                        points=signed,
                        count=others,
                    )
                )
            lead.score_summary = " · ".join(parts)

    @api.model
    def _pla_parse_reasons(self, data):
        """``(top, other rules, their points)`` of stored reasons; reasons
        stored before the remainder was kept are a plain list."""
        reasons = json.loads(data or "[]")
        if isinstance(reasons, dict):
            return (
                reasons.get("top", []),
                reasons.get("others", 0),
                reasons.get("rest", 0),
            )
        return reasons, 0, 0

    # ------------------------------------------------------------
    # GUARDS AND THE LIFECYCLE HOOK
    # ------------------------------------------------------------

    @api.model
    def _pla_system_fields(self):
        """The scoring's own fields are refused like ``SYSTEM_FIELDS``."""
        return super()._pla_system_fields() | SCORING_SYSTEM_FIELDS

    def _pla_on_lifecycle_change(self, events, new_state, direct=False, review=None):
        """Remember how each lead entered MQL: by hand (a state written by
        a button, a form or RPC) or by its score (moved by the scoring). A
        lead restored to MQL keeps what it had."""
        result = super()._pla_on_lifecycle_change(
            events, new_state, direct=direct, review=review
        )
        if new_state == lifecycle.MQL:
            entered = {
                lead.id
                for lead, old, _new, _reason, _override in events
                if old not in lifecycle.RESTORABLE_FROM
            }
            changed = self.filtered(
                lambda lead: lead.id in entered and lead.mql_by_hand != direct
            )
            if changed:
                trusted(changed).write({"mql_by_hand": direct})
        return result

    # ------------------------------------------------------------
    # SCORING
    # ------------------------------------------------------------

    def _pla_fit_fields_touched(self, vals):
        """Whether ``vals`` writes a field that a fit rule of these leads reads."""
        flow = self.filtered("lifecycle_state")
        if not flow:
            return False
        Rule = self.env["pharmacy.scoring.rule"]
        company_ids = {lead.company_id.id or self.env.company.id for lead in flow}
        read = set()
        for company_id in company_ids:
            read |= Rule._fit_fields(company_id)
        return bool(read.intersection(vals))

    @api.model
    def _pla_rescore_companies(self, companies, domain=None):
        """Re-score the open leads of ``companies`` (those matching
        ``domain`` if given) after a settings or rule change: at once when
        few, else through the scoring action, which re-scores every open
        lead in batches."""
        domain = (
            self._pla_scoring_domain()
            + [("company_id", "in", companies.ids + [False])]
            + list(domain or [])
        )
        Lead = self.sudo().with_context(active_test=True)
        count = Lead.search_count(domain)
        if not count:
            return
        if count <= SYNC_RESCORE_LIMIT:
            Lead.search(domain)._pla_rescore()
            return
        self._pla_set_scoring_cursor(fields.Date.context_today(self), 0)
        self.env.ref("pharmacy_lead_alignment.ir_cron_rescore_leads")._trigger()

    @api.model
    def _pla_scoring_domain(self):
        """Leads worth scoring: in the flow and still open (a won or lost
        lead keeps the score it had when it closed)."""
        return [
            ("lifecycle_state", "!=", False),
            ("lifecycle_state", "not in", list(lifecycle.RESTORABLE_FROM)),
        ]

    def _pla_rescore(self, in_memory=False, new=False):
        """Score leads of the flow and apply the automatic MQL moves.

        Per company and batch: one query that decides every fit rule (or
        none: rules are evaluated in memory for small sets already in cache),
        one for the current scores, one for the engagement events, then
        set-based writes of only what changed.

        :param in_memory: evaluate rule domains on the cached records
        :param new: the leads were just created (no engagement yet)
        :return: the leads whose score or grade changed
        """
        if in_memory or len(self) <= 1000:
            leads = self.filtered(
                lambda lead: (
                    lead.lifecycle_state
                    and lead.lifecycle_state not in lifecycle.RESTORABLE_FROM
                    and lead.active
                )
            )
        else:
            leads = self.sudo().search(
                [("id", "in", self.ids)] + self._pla_scoring_domain()
            )
        changed = self.browse()
        if not leads:
            return changed
        today = fields.Date.context_today(self)
        by_company = defaultdict(list)
        for company_id, lead_ids in leads._pla_ids_by_company():
            by_company[company_id or self.env.company.id].extend(lead_ids)
        for company_id, lead_ids in by_company.items():
            company = self.env["res.company"].browse(company_id)
            for batch_ids in split_every(SCORING_BATCH, lead_ids):
                batch = self.browse(batch_ids)
                changed |= batch._pla_rescore_batch(company, today, in_memory, new)
        return changed

    def _pla_ids_by_company(self):
        """``(company_id, [lead ids])`` pairs, without loading the leads."""
        self.flush_recordset(["company_id"])
        self.env.cr.execute(
            SQL(
                "SELECT company_id, array_agg(id ORDER BY id) FROM crm_lead"
                " WHERE id = ANY(%s) GROUP BY company_id",
                self.ids,
            )
        )
        return self.env.cr.fetchall()

    def _pla_rescore_batch(self, company, today, in_memory, new):
        settings = company.sudo()._pla_scoring_settings()
        rules = self.env["pharmacy.scoring.rule"]._fit_rules_data(company.id)
        current = self._pla_current_scores(in_memory)
        matched = self._pla_match_rules(rules, in_memory)
        engagement = {} if new else self._pla_engagement_by_lead(today)
        points_of = {rule_id: points for rule_id, _domain, points in rules}
        half_life = settings["half_life"]
        rows, rule_links, grade_moves = [], {}, defaultdict(list)
        moves = defaultdict(list)
        for lead_id, cur in current.items():
            fit_ids = matched.get(lead_id, [])
            fit = sum(points_of[rule_id] for rule_id in fit_ids)
            events = engagement.get(lead_id, [])
            eng = scoring.engagement_score(
                [(points, age) for _rule, points, age, _when in events], half_life
            )
            fresh = None
            if cur["recycled_at"]:
                fresh = scoring.engagement_score(
                    [
                        (points, age)
                        for _rule, points, age, when in events
                        if when > cur["recycled_at"]
                    ],
                    half_life,
                )
            score, grade, move = scoring.rescore(
                fit,
                eng,
                settings,
                cur["state"],
                previous_score=cur["score"],
                by_hand=cur["by_hand"],
                fresh=fresh,
            )
            reasons = self._pla_reasons(fit_ids, points_of, events, eng, settings)
            values = (fit, eng, score, reasons, fresh or 0)
            if values != self._pla_old(current, lead_id) or not cur["grade"]:
                rows.append((lead_id, *values, grade, today))
            if cur["grade"] and grade != cur["grade"]:
                grade_moves[grade].append(lead_id)
            if set(fit_ids) != cur["rule_ids"]:
                rule_links[lead_id] = (cur["rule_ids"], set(fit_ids))
            if move:
                moves[move].append(lead_id)
        self._pla_write_scores(rows, rule_links)
        for grade, lead_ids in grade_moves.items():
            trusted(self.browse(lead_ids)).write({"lead_grade": grade})
        self._pla_apply_mql_moves(moves)
        changed_ids = {
            row[0] for row in rows if row[1:6] != self._pla_old(current, row[0])
        }
        changed_ids |= set(rule_links)
        changed_ids |= {lead_id for ids in grade_moves.values() for lead_id in ids}
        return self.browse(sorted(changed_ids))

    @api.model
    def _pla_old(self, current, lead_id):
        cur = current[lead_id]
        return (
            cur["fit"],
            cur["eng"],
            cur["score"],
            cur["reasons"] or "[]",
            cur["fresh"],
        )

    def _pla_current_scores(self, in_memory):
        """What is stored now, per lead: from the cache for small sets, else
        in two narrow queries (never the ~100 columns of a full prefetch)."""
        if in_memory:
            return {
                lead.id: {
                    "state": lead.lifecycle_state,
                    "fit": lead.fit_score,
                    "eng": lead.engagement_score,
                    "score": lead.lead_score,
                    "reasons": lead.score_reason_data,
                    "grade": lead.lead_grade,
                    "date": lead.score_date,
                    "rule_ids": set(lead.score_rule_ids.ids),
                    "by_hand": lead.mql_by_hand,
                    "recycled_at": lead.recycled_at,
                    "fresh": lead.engagement_since_recycle,
                }
                for lead in self
            }
        self.flush_recordset(
            [
                "lifecycle_state",
                "fit_score",
                "engagement_score",
                "lead_score",
                "score_reason_data",
                "lead_grade",
                "score_date",
                "score_rule_ids",
                "mql_by_hand",
                "recycled_at",
                "engagement_since_recycle",
            ]
        )
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id, lifecycle_state, fit_score, engagement_score, lead_score,"
                " score_reason_data, lead_grade, score_date, mql_by_hand,"
                " recycled_at, engagement_since_recycle FROM crm_lead"
                " WHERE id = ANY(%s)",
                self.ids,
            )
        )
        current = {
            row[0]: {
                "state": row[1],
                "fit": row[2] or 0,
                "eng": row[3] or 0,
                "score": row[4] or 0,
                "reasons": row[5],
                "grade": row[6],
                "date": row[7],
                "rule_ids": set(),
                "by_hand": bool(row[8]),
                "recycled_at": row[9],
                "fresh": row[10] or 0,
            }
            for row in cr.fetchall()
        }
        cr.execute(
            SQL(
                "SELECT lead_id, rule_id FROM crm_lead_scoring_rule_rel"
                " WHERE lead_id = ANY(%s)",
                self.ids,
            )
        )
        for lead_id, rule_id in cr.fetchall():
            current[lead_id]["rule_ids"].add(rule_id)
        return current

    def _pla_match_rules(self, rules, in_memory):
        """``{lead_id: [rule_id, …]}`` for this batch.

        In memory for small cached sets; else every rule is decided in one
        ``SELECT`` whose columns are the rules' own conditions, as Odoo
        compiles their domains (a rule whose domain needs a join, rare, is
        searched on its own).
        """
        matched = defaultdict(list)
        if not rules:
            return matched
        if in_memory:
            for rule_id, domain, _points in rules:
                for lead_id in self.sudo().filtered_domain(list(domain)).ids:
                    matched[lead_id].append(rule_id)
            return matched
        Lead = self.sudo().with_context(active_test=False)
        columns, column_rules, alone = [], [], []
        for rule_id, domain, _points in rules:
            query = Lead._search(list(domain))
            if query.is_empty():
                continue
            if query._joins:
                alone.append((rule_id, domain))
                continue
            columns.append(SQL("(%s) IS TRUE", query.where_clause or SQL("TRUE")))
            column_rules.append(rule_id)
        if columns:
            self.env.cr.execute(
                SQL(
                    'SELECT "crm_lead".id, %s FROM "crm_lead"'
                    ' WHERE "crm_lead".id = ANY(%s)',
                    SQL(", ").join(columns),
                    self.ids,
                )
            )
            for row in self.env.cr.fetchall():
                for rule_id, hit in zip(column_rules, row[1:], strict=True):
                    if hit:
                        matched[row[0]].append(rule_id)
        for rule_id, domain in alone:
            for lead_id in Lead.search(list(domain) + [("id", "in", self.ids)]).ids:
                matched[lead_id].append(rule_id)
        return matched

    def _pla_engagement_by_lead(self, today):
        """``{lead_id: [(rule_id, points, age_days, date), …]}`` in one query.

        Every event counts with the *current* points of its rule, as a fit
        rule does: changing an engagement rule's points re-scores the leads
        that earned it, and the events of an archived rule count nothing
        (each event keeps the points it had when it happened, for the
        record)."""
        self.env["pharmacy.lead.engagement"].flush_model(["lead_id", "rule_id", "date"])
        self.env["pharmacy.scoring.rule"].flush_model(["points", "active"])
        self.env.cr.execute(
            SQL(
                "SELECT event.lead_id, event.rule_id, rule.points, event.date"
                " FROM pharmacy_lead_engagement AS event"
                " JOIN pharmacy_scoring_rule AS rule ON rule.id = event.rule_id"
                " WHERE event.lead_id = ANY(%s) AND rule.active"
                " ORDER BY event.lead_id, event.date, event.id",
                self.ids,
            )
        )
        result = defaultdict(list)
        for lead_id, rule_id, points, when in self.env.cr.fetchall():
            age = (today - when.date()).days
            result[lead_id].append((rule_id, points, age, when))
        return result

    @api.model
    def _pla_reasons(self, fit_ids, points_of, events, engagement, settings):
        """The heaviest rules behind a score and what the others add, as
        stored JSON: ``{"top": [[rule id, points], …], "others": n, "rest":
        points}``, adding up to the score (see ``scoring.reasons``)."""
        by_rule = defaultdict(float)
        for rule_id, points, age, _when in events:
            by_rule[rule_id] += scoring.decayed(points, age, settings["half_life"])
        top, others, rest = scoring.reasons(
            [(rule_id, points_of[rule_id]) for rule_id in fit_ids],
            sorted(by_rule.items()),
            engagement,
            REASONS_SHOWN,
        )
        return json.dumps({"top": top, "others": others, "rest": rest})

    def _pla_write_scores(self, rows, rule_links):
        """Write scores in a few set-based statements (no per-lead UPDATE)."""
        fnames = [
            "fit_score",
            "engagement_score",
            "lead_score",
            "score_reason_data",
            "engagement_since_recycle",
            "lead_grade",
            "score_date",
        ]
        self.flush_recordset(fnames + ["score_rule_ids"])
        cr = self.env.cr
        self._pla_update_leads(
            SQL(
                "fit_score = v.fit, engagement_score = v.eng, lead_score = v.score,"
                " score_reason_data = v.reasons,"
                " engagement_since_recycle = v.fresh,"
                " lead_grade = COALESCE(lead.lead_grade, v.grade),"
                " score_date = v.scored"
            ),
            [
                ("fit", "int"),
                ("eng", "int"),
                ("score", "int"),
                ("reasons", "varchar"),
                ("fresh", "int"),
                ("grade", "varchar"),
                ("scored", "date"),
            ],
            rows,
        )
        removed = [
            (lead_id, rule_id)
            for lead_id, (old, new) in rule_links.items()
            for rule_id in old - new
        ]
        added = [
            (lead_id, rule_id)
            for lead_id, (old, new) in rule_links.items()
            for rule_id in new - old
        ]
        if removed:
            cr.execute(
                SQL(
                    "DELETE FROM crm_lead_scoring_rule_rel AS rel"
                    " USING unnest(%s::int[], %s::int[]) AS v(lead_id, rule_id)"
                    " WHERE rel.lead_id = v.lead_id AND rel.rule_id = v.rule_id",
                    [pair[0] for pair in removed],
                    [pair[1] for pair in removed],
                )
            )
        if added:
            cr.execute(
                SQL(
                    "INSERT INTO crm_lead_scoring_rule_rel (lead_id, rule_id)"
                    " SELECT * FROM unnest(%s::int[], %s::int[])",
                    [pair[0] for pair in added],
                    [pair[1] for pair in added],
                )
            )
        if rows or rule_links:
            self.invalidate_recordset(fnames + ["score_rule_ids", "score_summary"])

    # ------------------------------------------------------------
    # MQL MOVES
    # ------------------------------------------------------------

    def _pla_apply_mql_moves(self, moves):
        """Qualify leads that reached the threshold; send back MQLs that
        fell below it, each to the state it was qualified from (Inquiry or
        Nurturing, ``scoring.fall_back_state``) and its nurture resumed (its
        "Ready for hand-off" activity is cancelled with the move, see
        ``crm_lead_activities``): adding a rule and removing it again leaves
        the lead as it was. Logged like every transition.

        :param moves: ``{target state: [lead ids]}`` from ``scoring.rescore``
        """
        if moves.get(lifecycle.MQL):
            qualified = self.browse(moves[lifecycle.MQL])
            qualified._pla_apply_transition(
                lifecycle.MQL, reason=self.env._("Score reached the MQL threshold")
            )
            qualified._pla_schedule_ready_activity()
        if moves.get(lifecycle.NURTURING):
            fallen = self.browse(moves[lifecycle.NURTURING])
            before = fallen._pla_previous_states()
            by_target = defaultdict(list)
            for lead in fallen:
                by_target[scoring.fall_back_state(before[lead.id])].append(lead.id)
            for target, lead_ids in by_target.items():
                self.browse(lead_ids)._pla_apply_transition(
                    target, reason=self.env._("Score fell below the MQL threshold")
                )
            fallen._pla_nurture_resume()

    def _pla_schedule_ready_activity(self):
        """Give the desk a "Ready for hand-off" activity per newly qualified
        lead, created in one batch."""
        return self._pla_schedule_desk_activity(
            activities.READY,
            lambda lead: self.env._(
                "Score %(score)s, grade %(grade)s: ready to hand off to sales.",
                score=lead.lead_score,
                grade=(lead.lead_grade or "").upper(),
            ),
        )
