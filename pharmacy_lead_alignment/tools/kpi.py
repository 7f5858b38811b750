# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The figures of lead alignment, each defined once, with no ORM.

Every screen that shows a figure — the dashboard, the SLA ledger (its pivot
totals included), the funnel and ROI reports, the digest — reads it from the
report rows these rules describe and the ratio arithmetic below, so the same
period and team give the same number everywhere.

**Rows are facts.** Each report row is one fact: a lead reaching a funnel
stage (:func:`first_reached`), a sales clock, a hand-off decision, a flag,
one month of a team's promised volume. A count is a sum of rows; a ratio is
recomputed from the sums of its numerator and denominator
(:data:`RATIOS`), never averaged; a median from the rows (:data:`PERCENTILES`).

**Period rule.** A fact belongs to the period that holds its date (the move,
the clock's start, the decision, the flag; a promise is dated the first day
of its month and prorated by :func:`prorate` when a period holds part of a
month). **Team rule.** A fact belongs to the team of the lead after the move
(the receiving sales team for a hand-off), a clock to its team, a decision to
the team the lead was handed to, a promise to each team of the volume policy.

>>> first_reached("mql", None)
('mql',)
>>> first_reached("won", 1)
('handed_off', 'accepted', 'opportunity', 'won')
>>> ratio(2, 3), ratio(1, 0)
(66.7, None)
"""

import calendar
import datetime

from . import funnel, lifecycle

# ---------------------------------------------------------------------------
# The facts of the SLA ledger
# ---------------------------------------------------------------------------

FACT_CLOCK = "clock"
FACT_HANDOFF = "handoff"
FACT_DECISION = "decision"
FACT_TARGET = "target"
FACT_FLAG = "flag"
FACT_SELECTION = [
    (FACT_CLOCK, "Sales clock"),
    (FACT_HANDOFF, "Hand-off"),
    (FACT_DECISION, "Sales decision"),
    (FACT_TARGET, "Promised volume"),
    (FACT_FLAG, "Mishandled flag"),
]

# ---------------------------------------------------------------------------
# Definitions: what each figure counts (the README's table is this one)
# ---------------------------------------------------------------------------

#: ``(key, figure, numerator, denominator)``; the period and team rules are
#: those of the module docstring.
DEFINITIONS = (
    (
        "reached",
        "Funnel stage (Inquiry … Won)",
        "leads that reached the stage (or a later one) for the first time in "
        "the period; a lead that entered the flow later than a stage never "
        "reached it",
        None,
    ),
    (
        "conversion",
        "Conversion to a stage",
        "leads that reached the stage",
        "leads that reached the stage before it, same period",
    ),
    (
        lifecycle.HANDED_OFF,
        "Handed off (marketing volume)",
        "leads handed off to sales for the first time (a lead recycled and "
        "handed off again counts once)",
        None,
    ),
    (
        "volume_attainment",
        "Volume attained (%)",
        "leads handed off",
        "leads promised: each team's monthly promise, prorated to the period",
    ),
    (
        "acceptance_rate",
        "Accepted (%)",
        "sales decisions on handed-off leads that accepted",
        "sales decisions (accepted + rejected)",
    ),
    (
        "acceptance_target",
        "Acceptance promised (%)",
        "the promised acceptance of each team × its promised volume",
        "the promised volume",
    ),
    (
        "met_rate",
        "Sales SLA met (%)",
        "sales clocks started in the period and met in time",
        "those clocks decided (met + breached; running and closed clocks aside)",
    ),
    (
        "median_hours",
        "Median / 90th percentile (working h)",
        "working hours taken by the clocks that were met or reached late",
        None,
    ),
    (
        "mishandled",
        "Flagged as mishandled",
        "accepted leads the desk flagged in the period",
        None,
    ),
    (
        "roi",
        "ROI (%), cost per MQL, cost per won deal",
        "won revenue − cost; cost",
        "cost; MQLs; won deals (campaign leads, all time)",
    ),
)

#: Ratio fields of the report models: ``field: (numerator, denominator,
#: scale)``; the value of any group of rows is ``scale × Σ numerator /
#: Σ denominator``, ``None`` when the denominator sums to 0.
RATIOS = {
    "met_rate": ("met_count", "decided_count", 100.0),
    "acceptance_rate": ("accepted_count", "reviewed_count", 100.0),
    "volume_attainment": ("handed_off_count", "volume_target", 100.0),
    "acceptance_target": ("acceptance_promised", "volume_target", 1.0),
    "cost_per_mql": ("cost", "mql_count", 1.0),
    "cost_per_won": ("cost", "won_count", 1.0),
    "roi": ("profit", "cost", 100.0),
    "avg_hours": ("hours", "span_count", 1.0),
}

#: Percentile fields: ``field: (column of the rows, fraction)``.
PERCENTILES = {
    "median_hours": ("hours", 0.5),
    "p90_hours": ("hours", 0.9),
}


def ratio(numerator, denominator, scale=100.0, digits=1):
    """``scale × numerator / denominator`` rounded, ``None`` when the
    denominator is 0 (there is nothing to compare)."""
    if not denominator:
        return None
    return round(scale * numerator / denominator, digits)


# ---------------------------------------------------------------------------
# Funnel: when a lead reaches a stage
# ---------------------------------------------------------------------------


def first_reached(to_state, previous_max):
    """The funnel stages a move makes a lead reach for the first time.

    A lead's first move into the funnel reaches only the stage it enters at;
    a later move reaches every stage above the highest reached before, up to
    its own. Over all time a lead so reaches each stage from the one it
    entered at to the highest it went, once.

    :param to_state: the state after the move
    :param previous_max: the highest funnel level the lead had reached
        before, ``None`` if none
    :return: stage keys of :data:`tools.funnel.STAGES`, in order

    >>> first_reached("nurturing", 2)  # a rejection
    ()
    >>> first_reached("mql", 2)  # qualified again after a recycling
    ()
    >>> first_reached("won", 4)  # restored after a loss
    ('won',)
    """
    level = funnel.rank(to_state)
    if level is None or (previous_max is not None and level <= previous_max):
        return ()
    low = level if previous_max is None else previous_max + 1
    return funnel.STAGES[low : level + 1]


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------

PERIOD_MONTH = "month"
PERIOD_LAST_MONTH = "last_month"
PERIOD_QUARTER = "quarter"
PERIOD_YEAR = "year"
PERIODS = (PERIOD_MONTH, PERIOD_LAST_MONTH, PERIOD_QUARTER, PERIOD_YEAR)


def _add_months(day, months):
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def period_bounds(period, today):
    """First and last day of a dashboard period holding ``today``.

    >>> period_bounds("last_month", datetime.date(2026, 1, 1))
    (datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
    >>> period_bounds("quarter", datetime.date(2026, 5, 20))
    (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    """
    if period not in PERIODS:
        raise ValueError(period)
    if period == PERIOD_MONTH:
        start, months = today.replace(day=1), 1
    elif period == PERIOD_LAST_MONTH:
        start, months = _add_months(today.replace(day=1), -1), 1
    elif period == PERIOD_QUARTER:
        start, months = today.replace(day=1, month=3 * ((today.month - 1) // 3) + 1), 3
    else:
        start, months = today.replace(day=1, month=1), 12
    return start, _add_months(start, months) - datetime.timedelta(days=1)


def period_domain(start, end, company_ids):
    """The report rows of a period and of some companies, as a domain: the
    period rule (a fact belongs to the period that holds its date).

    :param start: first instant of the period (included)
    :param end: first instant after it (excluded)
    :param company_ids: ids of the companies

    >>> for term in period_domain("2026-03-01", "2026-04-01", (1, 2)):
    ...     print(term)
    ('date', '>=', '2026-03-01')
    ('date', '<', '2026-04-01')
    ('company_id', 'in', [1, 2])
    """
    return [
        ("date", ">=", start),
        ("date", "<", end),
        ("company_id", "in", list(company_ids)),
    ]


def default_period(has_data_this_month):
    """The period the dashboard opens on: this month when it has any fact
    yet, else the last month (a fresh month is empty on its first day)."""
    return PERIOD_MONTH if has_data_this_month else PERIOD_LAST_MONTH


def prorate(monthly, date_from, date_to):
    """A monthly amount over the days ``date_from``…``date_to`` (both
    included), month by month: a whole month counts its amount, part of a
    month the part of its days.

    :param monthly: ``{first day of a month: amount}``
    :return: the prorated sum

    >>> june = datetime.date(2026, 6, 1)
    >>> prorate({june: 30}, june, datetime.date(2026, 6, 30))
    30.0
    >>> prorate({june: 30}, datetime.date(2026, 6, 24), datetime.date(2026, 6, 30))
    7.0
    """
    total = 0.0
    for month, amount in monthly.items():
        days = calendar.monthrange(month.year, month.month)[1]
        last = month.replace(day=days)
        overlap = (min(last, date_to) - max(month, date_from)).days + 1
        if overlap > 0:
            total += amount * overlap / days
    return total
