# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the lifecycle rules (no Odoo needed)."""

import doctest

import pytest
from conftest import TOOLS, load_tool

lifecycle = load_tool("lifecycle")
L = lifecycle


def test_tools_module_does_not_import_odoo():
    source = (TOOLS / "lifecycle.py").read_text()
    assert "import odoo" not in source and "from odoo" not in source


def test_doctests():
    failures, _tests = doctest.testmod(lifecycle)
    assert failures == 0


def test_state_keys_are_exactly_the_documented_ones():
    assert L.STATES == (
        "inquiry",
        "nurturing",
        "mql",
        "handed_off",
        "accepted",
        "opportunity",
        "won",
        "lost",
        "disqualified",
    )
    assert set(L.TRANSITIONS) == set(L.STATES)
    for targets in L.TRANSITIONS.values():
        assert targets <= set(L.STATES)


ALLOWED = [
    ("inquiry", "nurturing"),
    ("inquiry", "mql"),
    ("nurturing", "mql"),
    ("mql", "nurturing"),
    ("mql", "handed_off"),
    ("handed_off", "accepted"),
    ("handed_off", "nurturing"),
    ("handed_off", "inquiry"),
    ("handed_off", "disqualified"),
    ("accepted", "opportunity"),
    ("accepted", "won"),
    ("opportunity", "won"),
    ("opportunity", "lost"),
    ("disqualified", "inquiry"),
]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_allowed_transitions(old, new):
    assert L.check_transition(old, new) == "normal"


def _all_pairs():
    for old in L.STATES:
        for new in L.STATES:
            if old != new:
                yield old, new


@pytest.mark.parametrize(("old", "new"), list(_all_pairs()))
def test_every_pair_is_either_in_the_table_or_refused(old, new):
    if new in L.TRANSITIONS[old]:
        assert L.check_transition(old, new) == "normal"
        return
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition(old, new)
    assert info.value.from_state == old
    assert info.value.to_state == new
    if (old, new) in L.OVERRIDES:
        assert info.value.code == "override_manager"
    elif old in L.RESTORABLE_FROM:
        assert info.value.code == "restore_previous"
    else:
        assert info.value.code == "not_allowed"


def test_no_path_skips_the_gate():
    """From a desk state, sales states are reachable only through hand-off."""
    for state in ("inquiry", "nurturing", "mql", "disqualified"):
        for target in ("accepted", "opportunity", "won"):
            assert target not in L.TRANSITIONS[state]


def test_override_needs_manager_and_reason():
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition("inquiry", "handed_off", reason="tender")
    assert info.value.code == "override_manager"
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition("nurturing", "handed_off", reason="  ", can_override=True)
    assert info.value.code == "override_reason"
    assert (
        L.check_transition("nurturing", "handed_off", reason="x", can_override=True)
        == "override"
    )


def test_restore_goes_back_to_previous_state_only():
    assert L.check_transition("lost", "mql", previous="mql") == "restore"
    assert L.check_transition("won", "opportunity", previous="opportunity") == (
        "restore"
    )
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition("lost", "accepted", previous="mql")
    assert info.value.code == "restore_previous"


def test_same_and_unknown_states():
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition("mql", "mql")
    assert info.value.code == "same"
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition("mql", "recycled")
    assert info.value.code == "unknown"
    with pytest.raises(L.LifecycleError) as info:
        L.check_transition(None, "mql")
    assert info.value.code == "unknown"


def test_previous_state():
    history = [
        (None, "inquiry"),
        ("inquiry", "mql"),
        ("mql", "lost"),
        ("lost", "mql"),
        ("mql", "handed_off"),
        ("handed_off", "accepted"),
        ("accepted", "lost"),
    ]
    assert L.previous_state(history, "lost") == "accepted"
    assert L.previous_state(history, "handed_off") == "mql"
    assert L.previous_state([], "won", fallback="opportunity") == "opportunity"
    assert L.previous_state([(None, "lost")], "lost") == "inquiry"


def test_initial_state():
    assert L.initial_state("marketing", sales_creator=False) == ("inquiry", "marketing")
    assert L.initial_state("marketing", sales_creator=True) == ("inquiry", "marketing")
    assert L.initial_state("sales", sales_creator=True) == ("accepted", "sales")
    assert L.initial_state(None, sales_creator=True) == (None, None)
    assert L.initial_state(False, sales_creator=False) == (None, None)
    with pytest.raises(L.LifecycleError) as info:
        L.initial_state("sales", sales_creator=False)
    assert info.value.code == "gate_create"


def test_gate_violations():
    assert (
        L.gate_violations(
            "inquiry", team_role="marketing", user_is_desk=True, is_opportunity=False
        )
        == []
    )
    assert L.gate_violations(
        "nurturing", team_role="sales", user_is_desk=False, is_opportunity=True
    ) == ["sales_team", "salesperson", "opportunity"]
    assert L.gate_violations(
        "disqualified", team_role="marketing", user_is_desk=None, is_opportunity=True
    ) == ["opportunity"]
    for state in ("handed_off", "accepted", "opportunity", "won", "lost"):
        assert (
            L.gate_violations(
                state, team_role="sales", user_is_desk=False, is_opportunity=True
            )
            == []
        )


def test_outcome():
    assert L.outcome(False, True, 100) == "lost"
    assert L.outcome(True, True, 100) == "won"
    assert L.outcome(True, True, 90) is None
    assert L.outcome(True, False, 100) is None


@pytest.mark.parametrize(
    ("score", "expected"),
    [(-5, "cold"), (0, "cold"), (24, "cold"), (25, "warm"), (39, "warm"), (40, "hot")],
)
def test_temperature(score, expected):
    assert L.temperature(score, 25, 40) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # is_email, prescription, segment, consent, blacklisted, has_email
        ((False, False, "patient", False, True, False), None),
        ((True, False, "clinic", True, False, True), None),
        ((True, False, "clinic", False, False, True), "no_consent"),
        ((True, False, "clinic", True, False, False), "no_email"),
        ((True, False, "clinic", True, True, True), "blacklisted"),
        ((True, True, "patient", True, False, True), "prescription"),
        ((False, True, "patient", False, False, False), "prescription"),
        ((True, True, "doctor", True, False, True), None),
        ((True, True, "care_home", True, False, True), None),
        ((False, True, "corporate", False, False, False), "prescription"),
    ],
)
def test_step_skip_reason(args, expected):
    assert L.step_skip_reason(*args) == expected


@pytest.mark.parametrize(
    ("role", "result", "is_opportunity", "expected"),
    [
        ("sales", None, False, ("accepted", "sales")),
        ("sales", None, True, ("opportunity", "sales")),
        ("sales", "won", True, ("won", "sales")),
        ("sales", "lost", False, ("lost", "sales")),
        ("marketing", None, False, ("inquiry", "marketing")),
        ("marketing", None, True, ("opportunity", "marketing")),
        ("marketing", "lost", False, ("lost", "marketing")),
        (None, None, False, (None, None)),
        (False, "won", True, (None, None)),
    ],
)
def test_adopted_state(role, result, is_opportunity, expected):
    assert (
        lifecycle.adopted_state(role, result=result, is_opportunity=is_opportunity)
        == expected
    )
