# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the SLA rules (no Odoo needed)."""

import doctest
from datetime import datetime, timedelta

import pytest
from conftest import load_tool

S = load_tool("sla")
T0 = datetime(2026, 11, 30, 9, 0)


def test_doctests():
    failures, tests = doctest.testmod(S)
    assert tests > 10
    assert failures == 0


def _policy(pid, sequence=10, teams=(1,), min_grade=None):
    return {
        "id": pid,
        "sequence": sequence,
        "team_ids": set(teams),
        "min_grade": min_grade,
    }


def test_pick_policy_precedence():
    general = _policy(1, sequence=5)
    grade_b = _policy(2, sequence=50, min_grade="b")
    grade_a = _policy(3, sequence=60, min_grade="a")
    other_team = _policy(4, sequence=1, teams=(2,))
    policies = [general, grade_b, grade_a, other_team]
    assert S.pick_policy(policies, 1, "a")["id"] == 2  # grade-limited first, then seq
    assert S.pick_policy(policies, 1, "b")["id"] == 2
    assert S.pick_policy(policies, 1, "c")["id"] == 1
    assert S.pick_policy(policies, 1, None)["id"] == 1
    assert S.pick_policy(policies, 2, "a")["id"] == 4
    assert S.pick_policy(policies, 3, "a") is None
    assert (
        S.pick_policy([_policy(7), _policy(6)], 1, "a")["id"] == 6
    )  # same seq: oldest


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "green"), (89, "green"), (91, "amber"), (120, "amber"), (121, "red")],
)
def test_colour_turns_amber_in_the_last_quarter(minutes, expected):
    deadline = T0 + timedelta(hours=2)
    risk = S.risk_date(T0, deadline)
    assert S.colour(deadline, risk, T0 + timedelta(minutes=minutes)) == expected


def test_colour_of_finished_clocks():
    deadline = T0 + timedelta(hours=2)
    risk = S.risk_date(T0, deadline)
    assert S.colour(deadline, risk, T0, state="breached") == "red"
    assert S.colour(deadline, risk, T0, state="met") is None
    assert S.colour(deadline, risk, T0, state="closed") is None
    assert S.colour(T0, S.risk_date(T0, T0), T0) == "amber"


def test_risk_date_starts_the_last_quarter():
    assert S.risk_date(T0, T0 + timedelta(hours=2)) == T0 + timedelta(minutes=90)
    assert S.risk_date(T0, T0) == T0
    # a lead's stored risk date keeps the precision of the ORM (seconds)
    deadline = T0 + timedelta(seconds=7)
    assert S.risk_date(T0, deadline) == T0 + timedelta(seconds=5.25)


@pytest.mark.parametrize(
    ("state", "now_minutes", "expected"),
    [
        (None, 0, None),  # a lead without an open clock
        (False, 0, None),  # as the ORM gives an empty selection
        ("running", 30, "green"),
        ("running", 100, "amber"),
        ("running", 121, "red"),
        ("breached", 30, "red"),  # marked breached: red whatever the clock
    ],
)
def test_colour_of_a_lead(state, now_minutes, expected):
    """What ``crm.lead._compute_sla_colour`` shows from the lead's state,
    deadline and risk date (empty when it has no open clock)."""
    deadline = T0 + timedelta(hours=2) if state else False
    risk = S.risk_date(T0, deadline) if state else False
    now = T0 + timedelta(minutes=now_minutes)
    assert S.colour(deadline, risk, now, state=state) == expected


def test_a_clock_without_time_is_at_risk_at_once():
    # deadline before its start (no working hours): amber until it passes
    assert S.colour(T0, S.risk_date(T0 + timedelta(hours=1), T0), T0) == "amber"
    assert S.colour(T0, S.risk_date(T0 + timedelta(hours=1), T0), T0, "met") is None


def test_lead_state_selection_is_the_open_clock_states():
    assert [key for key, _label in S.LEAD_STATE_SELECTION] == ["running", "breached"]
    labels = dict(S.LEAD_STATE_SELECTION)
    assert labels == {"running": "Running", "breached": "Breached"}


def test_reached_state():
    assert S.reached_state(T0, T0) == "met"
    assert S.reached_state(T0, T0 - timedelta(hours=1)) == "met"
    assert S.reached_state(T0, T0 + timedelta(seconds=1)) == "breached"


def test_escalation_levels_once_each():
    seen = []
    level = 0
    for hour in range(0, 30):
        due = S.escalation_due(level, T0, T0 + timedelta(hours=hour), 4)
        if due:
            seen.append((hour, due))
            level = due
    assert seen == [(0, 1), (4, 2), (8, 3)]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("sales_response", 0, 1, 0, 0), "hours"),
        (("sales_contact", -1, 1, 0, 0), "hours"),
        (("sales_response", 2, 0, 0, 0), "teams"),
        (("marketing_volume", 0, 1, 0, 50), "volume"),
        (("marketing_volume", 0, 1, 10, 0), "acceptance"),
        (("marketing_volume", 0, 1, 10, 101), "acceptance"),
    ],
)
def test_check_policy(args, code):
    with pytest.raises(ValueError, match=code):
        S.check_policy(*args)
    S.check_policy("marketing_volume", 0, 1, 10, 100)
