# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of when the automatic activities close (no Odoo needed)."""

import doctest

import pytest
from conftest import TOOLS, load_tool

activities = load_tool("activities")
lifecycle = load_tool("lifecycle")
A = activities
L = lifecycle


def test_tools_module_does_not_import_odoo():
    source = (TOOLS / "activities.py").read_text()
    assert "import odoo" not in source and "from odoo" not in source


def test_doctests():
    failures, _tests = doctest.testmod(activities)
    assert failures == 0


def test_every_kind_has_its_states():
    assert set(A.APPLIES_IN) == set(A.KINDS) == set(A.DONE_BY)
    for kind in A.KINDS:
        assert A.APPLIES_IN[kind] <= set(L.STATES)
        assert not A.APPLIES_IN[kind] & A.DONE_BY[kind]


@pytest.mark.parametrize("to_state", L.TRANSITIONS[L.MQL])
def test_ready_for_handoff(to_state):
    expected = A.DONE if to_state == L.HANDED_OFF else A.CANCEL
    assert A.on_move(A.READY, L.MQL, to_state) == expected


@pytest.mark.parametrize("to_state", L.TRANSITIONS[L.NURTURING] | {L.HANDED_OFF})
def test_nurture_steps_are_cancelled_when_the_lead_leaves_nurturing(to_state):
    assert A.on_move(A.NURTURE, L.NURTURING, to_state) == A.CANCEL


def test_flags_are_done_when_the_lead_is_won():
    assert A.on_move(A.FLAG, L.ACCEPTED, L.WON) == A.DONE
    assert A.on_move(A.FLAG, L.OPPORTUNITY, L.WON) == A.DONE
    assert A.on_move(A.FLAG, L.ACCEPTED, L.OPPORTUNITY) is None
    assert A.on_move(A.FLAG, L.OPPORTUNITY, L.LOST) is None


@pytest.mark.parametrize("kind", A.KINDS)
@pytest.mark.parametrize("from_state", L.STATES)
def test_kinds_ignore_leads_that_were_not_where_they_apply(kind, from_state):
    if from_state in A.APPLIES_IN[kind]:
        return
    for to_state in L.STATES:
        assert A.on_move(kind, from_state, to_state) is None


@pytest.mark.parametrize("kind", A.KINDS)
def test_merge_keeps_only_what_applies_to_the_survivor(kind):
    for state in (*L.STATES, None):
        assert A.kept_on_merge(kind, state) is (state in A.APPLIES_IN[kind])
