# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import doctest

import pytest
from conftest import load_tool

kpi = load_tool("kpi")
funnel = load_tool("funnel")
lifecycle = load_tool("lifecycle")


def test_doctests():
    assert doctest.testmod(kpi).failed == 0


def _walk(path):
    """The stages reached by each move of a path of states (the first one
    enters the flow), as the funnel report computes them."""
    reached, previous_max = [], None
    for state in path:
        reached.extend(kpi.first_reached(state, previous_max))
        level = funnel.rank(state)
        if level is not None:
            previous_max = level if previous_max is None else max(previous_max, level)
    return reached


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # the desk's way: every stage once
        (
            ["inquiry", "mql", "handed_off", "accepted", "opportunity", "won"],
            ["inquiry", "mql", "handed_off", "accepted", "opportunity", "won"],
        ),
        # recycled and handed off again: handed off once
        (
            ["inquiry", "mql", "handed_off", "nurturing", "mql", "handed_off"],
            ["inquiry", "mql", "handed_off"],
        ),
        # created by sales as accepted, won straight away: no inquiry, MQL,
        # hand-off; the opportunity stage is reached on the way to won
        (["accepted", "won"], ["accepted", "opportunity", "won"]),
        # lost, then restored to won
        (
            ["inquiry", "mql", "handed_off", "accepted", "lost", "won"],
            ["inquiry", "mql", "handed_off", "accepted", "opportunity", "won"],
        ),
        # disqualified at creation, reopened
        (["disqualified", "inquiry", "mql"], ["inquiry", "mql"]),
        # a merge logs the state the lead stays in
        (["inquiry", "mql", "mql"], ["inquiry", "mql"]),
    ],
)
def test_first_reached_paths(path, expected):
    assert _walk(path) == expected


def test_every_stage_at_most_once_on_any_path():
    allowed = lifecycle.TRANSITIONS
    starts = [lifecycle.INQUIRY, lifecycle.MQL, lifecycle.ACCEPTED]
    for start in starts:
        paths = [[start]]
        for _step in range(6):
            paths = [
                path + [nxt] for path in paths for nxt in sorted(allowed[path[-1]])
            ]
            for path in paths:
                reached = _walk(path)
                assert len(reached) == len(set(reached)), path
                # from the stage it entered at to the highest it went, as
                # the ROI report counts a lead (tools.kpi.first_reached)
                levels = [funnel.rank(s) for s in path if funnel.rank(s) is not None]
                assert reached == list(funnel.STAGES[levels[0] : max(levels) + 1]), path


def test_ratio():
    assert kpi.ratio(2, 3) == 66.7
    assert kpi.ratio(0, 0) is None
    assert kpi.ratio(63.3 * 60, 60, scale=1.0) == 63.3
    # recomputed from sums, never the mean of the parts
    parts = [(3, 4), (1, 2)]
    total = kpi.ratio(sum(p[0] for p in parts), sum(p[1] for p in parts))
    assert total == 66.7 != (75.0 + 50.0) / 2


def test_ratios_name_their_columns():
    for field, (numerator, denominator, scale) in kpi.RATIOS.items():
        assert field not in (numerator, denominator)
        assert scale in (1.0, 100.0)
    assert set(kpi.PERCENTILES) == {"median_hours", "p90_hours"}


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("month", "2026-12-01", ("2026-12-01", "2026-12-31")),
        ("last_month", "2026-12-01", ("2026-11-01", "2026-11-30")),
        ("last_month", "2026-01-15", ("2025-12-01", "2025-12-31")),
        ("quarter", "2026-11-30", ("2026-10-01", "2026-12-31")),
        ("year", "2026-02-28", ("2026-01-01", "2026-12-31")),
    ],
)
def test_period_bounds(period, today, expected):
    day = datetime.date.fromisoformat
    assert kpi.period_bounds(period, day(today)) == tuple(map(day, expected))


def test_period_bounds_refuses_unknown():
    with pytest.raises(ValueError):
        kpi.period_bounds("decade", datetime.date(2026, 1, 1))


def test_default_period():
    assert kpi.default_period(True) == "month"
    assert kpi.default_period(False) == "last_month"


def test_prorate():
    day = datetime.date.fromisoformat
    monthly = {day("2026-11-01"): 30, day("2026-12-01"): 31}
    assert kpi.prorate(monthly, day("2026-11-01"), day("2026-11-30")) == 30
    assert kpi.prorate(monthly, day("2026-11-01"), day("2026-12-31")) == 61
    # a week across two months: 3 days of November, 4 of December
    week = kpi.prorate(monthly, day("2026-11-28"), day("2026-12-04"))
    assert week == pytest.approx(3 + 4)
    assert kpi.prorate(monthly, day("2027-01-01"), day("2027-01-31")) == 0


def test_definitions_cover_the_ratios():
    keys = {key for key, *_rest in kpi.DEFINITIONS}
    for field in ("met_rate", "acceptance_rate", "volume_attainment", "roi"):
        assert field in keys
    assert all(len(row) == 4 for row in kpi.DEFINITIONS)
