# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the scoring decisions behind the rules' flow: recycled
leads, leads qualified by hand, falling back, the rule preview and reasons
that add up (no Odoo needed)."""

import pytest
from conftest import load_tool

S = load_tool("scoring")
L = load_tool("lifecycle")

SETTINGS = {
    "mql_threshold": 50,
    "mql_min_grade": "c",
    "grade_a": 60,
    "grade_b": 35,
    "grade_c": 15,
}


# ---------------------------------------------------------------------------
# Recycled leads re-qualify only on what they do after the recycle
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "fresh", "expected"),
    [
        (70, None, 70),  # not recycled: the score
        (70, (70, 0), None),  # fit alone never re-qualifies
        (90, (65, 0), None),  # nor old engagement (90 - 65 earned before)
        (90, (65, -5), None),  # nor a negative signal since
        (90, (40, 15), 55),  # fit + engagement since the recycle
    ],
)
def test_qualifying_score(score, fresh, expected):
    assert S.qualifying_score(score, fresh) == expected


def test_recycled_lead_needs_fresh_engagement_to_qualify():
    # fit 65 (grade A), 25 of old engagement: 90 ≥ 50, but recycled
    assert S.mql_move("nurturing", 90, "a", 50, "c", fresh=(65, 0)) is None
    assert S.mql_move("nurturing", 90, "a", 50, "c", fresh=(65, 1)) == "mql"
    # fit 20 + 20 since the recycle: 40 < 50, whatever the old engagement
    assert S.mql_move("nurturing", 80, "c", 50, "c", fresh=(20, 20)) is None
    assert S.mql_move("inquiry", 80, "c", 50, "c", fresh=(20, 30)) == "mql"
    # and the grade still has to be allowed
    assert S.mql_move("nurturing", 80, "d", 50, "c", fresh=(10, 70)) is None


def test_rescore_of_a_recycled_lead():
    assert S.rescore(65, 25, SETTINGS, "nurturing", 90, fresh=0) == (90, "a", None)
    assert S.rescore(65, 25, SETTINGS, "nurturing", 90, fresh=5) == (90, "a", "mql")
    assert S.rescore(65, 25, SETTINGS, "nurturing", 90) == (90, "a", "mql")


# ---------------------------------------------------------------------------
# Qualified by hand: never sent back by the scoring
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("previous", [None, 40, 50, 90])
def test_hand_qualified_never_falls_back(previous):
    assert (
        S.mql_move("mql", 10, "d", 50, "c", previous_score=previous, by_hand=True)
        is None
    )


def test_scored_mql_falls_back_when_it_falls():
    assert S.mql_move("mql", 49, "b", 50, "c", previous_score=50) == "nurturing"
    assert S.mql_move("mql", 50, "b", 50, "c", previous_score=80) is None


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        ("inquiry", "inquiry"),
        ("nurturing", "nurturing"),
        ("lost", "nurturing"),
        ("disqualified", "nurturing"),
        (None, "nurturing"),
    ],
)
def test_fall_back_goes_where_the_lead_came_from(before, expected):
    assert S.fall_back_state(before) == expected


def test_falling_back_to_inquiry_is_a_transition():
    assert L.check_transition("mql", "inquiry") == "normal"
    assert L.check_transition("mql", "nurturing") == "normal"


# ---------------------------------------------------------------------------
# The rule preview: the engine's arithmetic on groups of alike leads
# ---------------------------------------------------------------------------


def _group(count, delta, state, fit, score, grade, **kw):
    return (
        count,
        kw.get("matched", delta > 0),
        delta,
        kw.get("company", 1),
        state,
        fit,
        score,
        grade,
        kw.get("by_hand", False),
        kw.get("fresh"),
    )


def test_change_effect_counts_what_rescore_decides():
    groups = [
        _group(4, 15, "inquiry", 40, 40, "b"),  # 55: up, grade B stays
        _group(3, 15, "inquiry", 0, 0, "d"),  # 15: grade D → C, no MQL
        _group(2, 15, "inquiry", 0, 40, "d"),  # 55 and now grade C: up
        _group(5, 15, "mql", 65, 65, "a"),  # stays
        _group(1, 15, "nurturing", 65, 65, "a", fresh=0),  # recycled: stays
        _group(6, 15, "handed_off", 40, 40, "b"),  # scored, never moved
    ]
    effect = S.change_effect(groups, {1: SETTINGS})
    assert effect == {"matched": 21, "grade": 5, "up": 6, "down": 0}


def test_change_effect_of_a_removal():
    groups = [
        _group(4, -15, "mql", 40, 55, "b", matched=False),  # 40, B → C: down
        _group(2, -15, "mql", 40, 55, "b", matched=False, by_hand=True),  # stays
        _group(3, -15, "mql", 60, 70, "a", matched=False),  # 55, A → B
    ]
    effect = S.change_effect(groups, {1: SETTINGS})
    assert effect == {"matched": 0, "grade": 9, "up": 0, "down": 4}


def test_change_effect_uses_each_companys_settings():
    strict = dict(SETTINGS, mql_threshold=80)
    groups = [
        _group(1, 20, "inquiry", 40, 40, "b", company=1),
        _group(1, 20, "inquiry", 40, 40, "b", company=2),
    ]
    assert S.change_effect(groups, {1: SETTINGS, 2: strict})["up"] == 1


# ---------------------------------------------------------------------------
# Reasons that add up to the score
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "total"),
    [
        ([1.5, 1.5], 3),
        ([2.4, 2.4], 5),
        ([0.5, 0.5, 0.5, 0.5], 2),
        ([10.0, -5.5], 5),
        ([7.07, 7.07, 3.54], 18),
        ([-2.5, -2.5], -5),
    ],
)
def test_apportion_adds_up_and_stays_close(values, total):
    shares = S.apportion(values, total)
    assert sum(shares) == total
    assert all(abs(share - value) < 1 for share, value in zip(shares, values))


def test_reasons_add_up_to_the_score():
    fit = [("Clinic", 40), ("Chief", 25), ("Gmail", -10), ("Phone", 5), ("Mail", 5)]
    engagement = [("Call", 7.07), ("Price list", 14.14)]
    top, others, rest = S.reasons(fit, engagement, 21)
    assert top == [("Clinic", 40), ("Chief", 25), ("Price list", 14)]
    assert others == 4
    assert sum(points for _label, points in top) + rest == 65 + 21
    # shown all: the shares of a sum rounded once still add up
    top, others, rest = S.reasons([], [("A", 1.5), ("B", 1.5)], 3)
    assert (others, rest) == (0, 0)
    assert sum(points for _label, points in top) == 3


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ([], True),
        (None, True),
        ([(1, "=", 1)], True),
        (["&", (1, "=", 1), (1, "=", 1)], True),
        ([("email_from", "!=", False)], False),
        (["|", (1, "=", 1), ("id", "=", 1)], False),
    ],
)
def test_matches_every_lead(domain, expected):
    assert S.matches_every_lead(domain) is expected
