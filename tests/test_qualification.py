# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the grade rule of qualification (no Odoo needed)."""

import doctest

import pytest
from conftest import TOOLS, load_tool

qualification = load_tool("qualification")
lifecycle = load_tool("lifecycle")
scoring = load_tool("scoring")
Q = qualification
L = lifecycle


def test_tools_module_does_not_import_odoo():
    source = (TOOLS / "qualification.py").read_text()
    assert "import odoo" not in source and "from odoo" not in source


def test_doctests():
    failures, _tests = doctest.testmod(qualification)
    assert failures == 0


@pytest.mark.parametrize("from_state", L.QUALIFY_FROM)
@pytest.mark.parametrize("to_state", [L.MQL, L.HANDED_OFF])
def test_below_the_grade_only_a_manager_with_a_reason(from_state, to_state):
    with pytest.raises(Q.GradeError) as info:
        Q.check_grade(from_state, to_state, "d", "c")
    assert (info.value.code, info.value.grade, info.value.min_grade) == (
        "grade_manager",
        "d",
        "c",
    )
    for reason in (None, "", "   "):
        with pytest.raises(Q.GradeError) as info:
            Q.check_grade(from_state, to_state, "d", "c", True, reason)
        assert info.value.code == "grade_reason"
    assert Q.check_grade(from_state, to_state, "d", "c", True, "Tender") == "override"


@pytest.mark.parametrize("grade", scoring.GRADE_ORDER)
@pytest.mark.parametrize("min_grade", scoring.GRADE_ORDER)
def test_allowed_grades_qualify_normally(grade, min_grade):
    allowed = scoring.grade_allowed(grade, min_grade)
    assert Q.below_grade(grade, min_grade) is not allowed
    if allowed:
        assert Q.check_grade(L.INQUIRY, L.MQL, grade, min_grade) == "normal"
    else:
        with pytest.raises(Q.GradeError):
            Q.check_grade(L.INQUIRY, L.MQL, grade, min_grade)


def test_a_lead_without_grade_counts_as_the_lowest():
    assert Q.below_grade(None, "c") and Q.below_grade(False, "a")
    assert not Q.below_grade(None, "d")


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        (L.MQL, L.HANDED_OFF),  # qualified already (logged then)
        (L.MQL, L.NURTURING),
        (L.LOST, L.MQL),  # restored, not qualified again
        (L.DISQUALIFIED, L.INQUIRY),
        (L.INQUIRY, L.NURTURING),
        (L.HANDED_OFF, L.ACCEPTED),
    ],
)
def test_other_moves_ignore_the_grade(from_state, to_state):
    assert not Q.is_qualifying(from_state, to_state)
    assert Q.check_grade(from_state, to_state, "d", "a") == "normal"
