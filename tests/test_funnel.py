# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import datetime
import doctest

import pytest
from conftest import load_tool

funnel = load_tool("funnel")
process_map = load_tool("process_map")


def test_doctests():
    for module in (funnel, process_map):
        assert doctest.testmod(module).failed == 0


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("inquiry", 0),
        ("nurturing", 0),
        ("mql", 1),
        ("handed_off", 2),
        ("accepted", 3),
        ("opportunity", 4),
        ("won", 5),
        ("lost", None),
        ("disqualified", None),
        ("nonsense", None),
    ],
)
def test_rank(state, expected):
    assert funnel.rank(state) == expected


def test_funnel_on_a_known_data_set():
    # 10 leads: 2 stay in inquiry, 1 disqualified from nurturing (never
    # ranked above inquiry), 2 stop at mql, 1 handed off, 1 accepted,
    # 3 won (one of them won straight from accepted): the sums of the
    # reached_* columns of pharmacy.funnel.report.
    counts = {
        "inquiry": 10,
        "mql": 7,
        "handed_off": 5,
        "accepted": 4,
        "opportunity": 3,
        "won": 3,
    }
    stages = funnel.funnel(counts)
    assert [(s["key"], s["count"], s["rate"]) for s in stages] == [
        ("inquiry", 10, None),
        ("mql", 7, 70.0),
        ("handed_off", 5, 71.4),
        ("accepted", 4, 80.0),
        ("opportunity", 3, 75.0),
        ("won", 3, 100.0),
    ]


def test_funnel_after_an_empty_stage_has_no_rate():
    stages = funnel.funnel({"inquiry": 0})
    assert all(stage["rate"] is None for stage in stages)
    assert [stage["count"] for stage in stages] == [0] * 6


def test_rate():
    assert funnel.rate(1, 3) == 33.3
    assert funnel.rate(2, 3, digits=0) == 67.0
    assert funnel.rate(5, 0) is None
    assert funnel.rate(0, 4) == 0.0


def test_roi_row_on_a_known_campaign():
    row = funnel.roi_row(
        cost=50000, leads=40, mqls=20, accepted=15, won=5, revenue=300000
    )
    assert row == {
        "cost": 50000,
        "leads": 40,
        "mqls": 20,
        "accepted": 15,
        "won": 5,
        "revenue": 300000,
        "cost_per_mql": 2500.0,
        "cost_per_won": 10000.0,
        "roi": 500.0,
    }


def test_roi_edge_cases():
    assert funnel.roi(0, 1000) is None
    assert funnel.roi(1000, 0) == -100.0
    assert funnel.roi(3000, 1000) == -66.7
    assert funnel.cost_per(0, 5) == 0.0
    assert funnel.cost_per(100, 3) == 33.33
    row = funnel.roi_row(cost=1000, leads=3, mqls=0, accepted=0, won=0, revenue=0)
    assert (row["cost_per_mql"], row["cost_per_won"], row["roi"]) == (
        None,
        None,
        -100.0,
    )


def test_months_in():
    day = datetime.date
    assert funnel.months_in(day(2026, 11, 1), day(2026, 11, 30)) == 1
    assert funnel.months_in(day(2026, 11, 20), day(2027, 2, 1)) == 4
    assert funnel.months_in(day(2026, 1, 1), day(2026, 12, 31)) == 12


STATES = ["inquiry", "mql", "handed_off", "accepted"]


def test_map_that_matches():
    steps = [("inquiry", None), ("mql", 3), ("handed_off", 1), ("accepted", 2)]
    policies = {
        1: ("sales_response", True),
        2: ("sales_contact", True),
        3: ("marketing_volume", True),
        4: ("sales_contact", False),  # archived and unused: fine
    }
    assert process_map.consistency_issues(steps, STATES, policies) == []


def test_map_issues_each_kind():
    steps = [
        ("inquiry", None),
        ("inquiry", None),
        ("lost", None),
        ("handed_off", 2),  # a contact policy on the hand-off step
        ("accepted", 4),  # archived
    ]
    policies = {
        1: ("sales_response", True),
        2: ("sales_contact", True),
        4: ("sales_contact", False),
    }
    assert process_map.consistency_issues(steps, STATES, policies) == [
        ("state_twice", "inquiry"),
        ("state_unknown", "lost"),
        ("state_missing", "mql"),
        ("policy_wrong_step", 2),
        ("policy_archived", 4),
        ("policy_missing", 1),
    ]


def test_unknown_policy_counts_as_archived():
    steps = [(state, None) for state in STATES] + []
    steps[2] = ("handed_off", 99)
    assert process_map.consistency_issues(steps, STATES, {}) == [
        ("policy_archived", 99)
    ]
