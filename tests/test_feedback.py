# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the feedback arithmetic (no Odoo needed)."""

import doctest
import math

import pytest
from conftest import load_tool

F = load_tool("feedback")


def test_doctests():
    failures, tests = doctest.testmod(F)
    assert tests > 10
    assert failures == 0


# ---------------------------------------------------------------------------
# Selection keys
# ---------------------------------------------------------------------------


def test_selections_use_the_constants():
    assert [key for key, _label in F.DIRECTION_SELECTION] == [
        F.DIRECTION_SALES,
        F.DIRECTION_MARKETING,
    ]
    assert dict(F.VERDICT_SELECTION) == {
        "accept": "Accepted",
        "reject": "Rejected",
        "lost": "Lost",
        "flag": "Flagged as Mishandled",
    }
    assert dict(F.ACTION_SELECTION) == {
        "recycle": "Recycle to Nurturing",
        "return": "Return to the Desk",
        "disqualify": "Disqualify",
    }
    keys = [int(key) for key, _label in F.RATING_SELECTION]
    assert keys == list(range(F.RATING_MIN, F.RATING_MAX + 1))
    assert (F.POINTS_MIN, F.POINTS_MAX) == (-100, 100)
    assert (F.DEFAULT_MIN_SAMPLE, F.DEFAULT_MAX_STEP, F.LIFT_SCALE) == (20, 10, 20)


# ---------------------------------------------------------------------------
# check_rating
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rating", "expected"),
    [(1, 1), (5, 5), ("1", 1), ("4", 4), ("5", 5), (3.0, 3)],
)
def test_check_rating_accepts_integers_and_digit_strings(rating, expected):
    value = F.check_rating(rating)
    assert value == expected
    assert type(value) is int
    assert F.check_rating(rating, required=True) == expected


@pytest.mark.parametrize("rating", [None, 0, False, ""])
def test_check_rating_missing(rating):
    assert F.check_rating(rating) is None
    with pytest.raises(F.FeedbackError) as error:
        F.check_rating(rating, required=True)
    assert error.value.code == "rating_required"


@pytest.mark.parametrize(
    "rating",
    [6, -1, "6", "0", "10", True, 2.5, "4.0", " 4", "four", "²", [4], math.nan],
)
def test_check_rating_out_of_range(rating):
    with pytest.raises(F.FeedbackError) as error:
        F.check_rating(rating)
    assert error.value.code == "rating_range"


def test_feedback_error_carries_its_code():
    error = F.FeedbackError("no_verdict")
    assert error.code == "no_verdict"
    assert str(error) == "no_verdict"


# ---------------------------------------------------------------------------
# rule_effectiveness
# ---------------------------------------------------------------------------

#: Ratings of the first ten leads of rule 1: sum 33, average 3.3.
RATINGS = [5, 5, 4, 4, 4, 3, 3, 2, 2, 1]


def dataset():
    """40 reviewed leads with known answers.

    * leads 0–19 match rule 1; 0–14 accepted, 0–5 won, 0–9 rated;
    * leads 20–39 do not; 20–29 accepted, 20–21 won, 20 rated 1;
    * rule 2 matches every lead, rule 3 none;
    * rule 4 matches every accepted lead, rule 5 every rejected one;
    * rule 99 matches leads 0–4 but is never asked about.
    """
    reviews = []
    for index in range(40):
        accepted = index < 15 or 20 <= index < 30
        won = index < 6 or index in (20, 21)
        if index < 10:
            rating = RATINGS[index]
        elif index == 20:
            rating = 1
        else:
            rating = None
        rules = {2, 4 if accepted else 5}
        if index < 20:
            rules.add(1)
        if index < 5:
            rules.add(99)
        reviews.append((accepted, won, rating, frozenset(rules)))
    return reviews


def test_effectiveness_of_a_rule_with_known_answers():
    result = F.rule_effectiveness(dataset(), [1], min_sample=20)
    assert set(result) == {1}
    assert result[1] == F.Effectiveness(
        matched=20,
        accepted=15,
        won=6,
        rated=10,
        rating_avg=3.3,
        accept_rate=75.0,
        won_rate=30.0,
        others=20,
        others_accept_rate=50.0,
        lift=1.5,
        has_verdict=True,
    )


def test_effectiveness_fields():
    assert F.Effectiveness._fields == (
        "matched",
        "accepted",
        "won",
        "rated",
        "rating_avg",
        "accept_rate",
        "won_rate",
        "others",
        "others_accept_rate",
        "lift",
        "has_verdict",
    )


def test_default_min_sample_is_twenty():
    assert F.rule_effectiveness(dataset(), [1])[1].has_verdict is True


def test_no_verdict_below_min_sample():
    effectiveness = F.rule_effectiveness(dataset(), [1], min_sample=21)[1]
    assert effectiveness.has_verdict is False
    assert effectiveness.lift == 1.5


def test_no_verdict_when_others_are_too_few():
    reviews = dataset()[:25]  # rule 1: 20 matched, 5 others
    effectiveness = F.rule_effectiveness(reviews, [1], min_sample=5)[1]
    assert (effectiveness.matched, effectiveness.others) == (20, 5)
    assert effectiveness.others_accept_rate == 100.0
    assert effectiveness.lift == 0.75
    assert effectiveness.has_verdict is True
    assert F.rule_effectiveness(reviews, [1], min_sample=6)[1].has_verdict is False


def test_rule_matching_every_lead_has_no_lift():
    effectiveness = F.rule_effectiveness(dataset(), [2], min_sample=1)[2]
    assert effectiveness.matched == 40
    assert effectiveness.accepted == 25
    assert effectiveness.accept_rate == 62.5
    assert effectiveness.won_rate == 20.0
    assert effectiveness.rated == 11
    assert effectiveness.rating_avg == round(34 / 11, 2) == 3.09
    assert effectiveness.others == 0
    assert effectiveness.others_accept_rate is None
    assert effectiveness.lift is None
    assert effectiveness.has_verdict is False


def test_rule_matching_nothing():
    effectiveness = F.rule_effectiveness(dataset(), [3], min_sample=1)[3]
    assert effectiveness == F.Effectiveness(
        matched=0,
        accepted=0,
        won=0,
        rated=0,
        rating_avg=None,
        accept_rate=None,
        won_rate=None,
        others=40,
        others_accept_rate=62.5,
        lift=None,
        has_verdict=False,
    )


def test_infinite_lift_when_others_are_never_accepted():
    effectiveness = F.rule_effectiveness(dataset(), [4], min_sample=15)[4]
    assert (effectiveness.matched, effectiveness.others) == (25, 15)
    assert effectiveness.accept_rate == 100.0
    assert effectiveness.others_accept_rate == 0.0
    assert effectiveness.lift == math.inf
    assert effectiveness.has_verdict is True


def test_zero_lift_when_matched_are_never_accepted():
    effectiveness = F.rule_effectiveness(dataset(), [5], min_sample=15)[5]
    assert (effectiveness.matched, effectiveness.others) == (15, 25)
    assert effectiveness.accept_rate == 0.0
    assert effectiveness.others_accept_rate == 100.0
    assert effectiveness.lift == 0.0
    assert effectiveness.has_verdict is True


def test_no_lift_when_nobody_is_accepted():
    reviews = [
        (False, False, None, frozenset({1})),
        (False, False, None, frozenset()),
    ]
    effectiveness = F.rule_effectiveness(reviews, [1], min_sample=1)[1]
    assert effectiveness.accept_rate == effectiveness.others_accept_rate == 0.0
    assert effectiveness.lift is None
    assert effectiveness.has_verdict is False


def test_several_rules_at_once_match_one_by_one():
    reviews = dataset()
    together = F.rule_effectiveness(reviews, [1, 2, 3, 4, 5], min_sample=20)
    assert set(together) == {1, 2, 3, 4, 5}
    for rule_id in together:
        alone = F.rule_effectiveness(reviews, [rule_id], min_sample=20)
        assert together[rule_id] == alone[rule_id]


def test_rules_not_asked_about_are_ignored():
    result = F.rule_effectiveness(dataset(), [1])
    assert 99 not in result
    assert F.rule_effectiveness(dataset(), []) == {}


def test_duplicate_rule_ids_are_reported_once():
    result = F.rule_effectiveness(dataset(), [1, 1, 1])
    assert list(result) == [1]
    assert result[1].matched == 20


def test_reviews_may_be_a_generator():
    result = F.rule_effectiveness(iter(dataset()), [1, 4])
    assert result[1].lift == 1.5
    assert result[4].lift == math.inf


def test_no_reviews_at_all():
    effectiveness = F.rule_effectiveness([], [7])[7]
    assert effectiveness.matched == effectiveness.others == 0
    assert effectiveness.accept_rate is None
    assert effectiveness.others_accept_rate is None
    assert effectiveness.lift is None
    assert effectiveness.has_verdict is False


def test_rates_and_lift_are_rounded():
    reviews = [
        (True, True, 4, frozenset({1})),
        (False, False, 5, frozenset({1})),
        (False, True, 5, frozenset({1})),
        (True, False, None, frozenset()),
        (True, False, None, frozenset()),
        (False, False, None, frozenset()),
    ]
    effectiveness = F.rule_effectiveness(reviews, [1], min_sample=1)[1]
    assert effectiveness.accept_rate == 33.3
    assert effectiveness.won_rate == 66.7
    assert effectiveness.others_accept_rate == 66.7
    assert effectiveness.lift == 0.5
    assert effectiveness.rating_avg == 4.67


def test_unrated_falsy_ratings_are_not_counted():
    reviews = [
        (True, False, None, frozenset({1})),
        (True, False, 0, frozenset({1})),
        (True, False, False, frozenset({1})),
        (True, False, 2, frozenset({1})),
    ]
    effectiveness = F.rule_effectiveness(reviews, [1])[1]
    assert effectiveness.rated == 1
    assert effectiveness.rating_avg == 2.0


class _CountingSet(frozenset):
    """A rule set that counts membership tests made on it."""

    checks = 0

    def __contains__(self, item):
        type(self).checks += 1
        return super().__contains__(item)


def test_rules_are_not_scanned_for_each_review():
    """Counters come from each review's own rules, not from every rule."""
    _CountingSet.checks = 0
    reviews = [(True, False, None, _CountingSet({index % 3})) for index in range(300)]
    result = F.rule_effectiveness(reviews, range(1000), min_sample=1)
    assert _CountingSet.checks == 0
    assert [result[rule_id].matched for rule_id in range(4)] == [100, 100, 100, 0]


# ---------------------------------------------------------------------------
# suggested_points
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "lift", "expected"),
    [
        (20, 2.0, 30),  # 20 × log2 2 = 20, capped to 10
        (20, 1.0, 20),
        (20, 0.8, 14),  # 20 × log2 0.8 = -6.44
        (20, 1.25, 26),  # 20 × log2 1.25 = 6.44
        (20, 0.5, 10),  # -20, capped to -10
        (95, 3, 100),  # clamped to POINTS_MAX
        (-100, 0.5, -100),  # clamped to POINTS_MIN
        (100, 1.5, 100),
        (-95, 0.25, -100),
        (0, math.inf, 10),
        (0, 0, -10),
        (0, 0.0, -10),
        (-20, 1.0, -20),
        (-20, 1.1, -17),  # 20 × log2 1.1 = 2.75
    ],
)
def test_suggested_points(points, lift, expected):
    assert F.suggested_points(points, lift) == expected


def test_suggested_points_max_step_zero_leaves_points_unchanged():
    for lift in (0, 0.3, 1, 2.0, 10, math.inf):
        assert F.suggested_points(20, lift, max_step=0) == 20


def test_suggested_points_custom_step_and_scale():
    assert F.suggested_points(20, 2.0, max_step=25) == 40
    assert F.suggested_points(20, 0.5, max_step=25) == 0
    assert F.suggested_points(20, 2.0, max_step=25, scale=10) == 30
    assert F.suggested_points(20, math.inf, max_step=25) == 45
    assert F.suggested_points(20, 0, max_step=25) == -5


def test_suggested_points_rounds_halves_away_from_zero():
    # scale × log2(lift) = ±2.5 exactly
    assert F.suggested_points(0, 2.0, scale=2.5) == 3
    assert F.suggested_points(0, 0.5, scale=2.5) == -3
    assert F.suggested_points(0, 2.0, scale=2.4) == 2
    assert F.suggested_points(0, 0.5, scale=2.4) == -2


def test_suggested_points_is_symmetric():
    for lift in (1.1, 1.25, 1.5, 2.0, 4.0):
        up = F.suggested_points(0, lift, max_step=100)
        down = F.suggested_points(0, 1 / lift, max_step=100)
        assert up == -down


def test_suggested_points_returns_an_int():
    assert type(F.suggested_points(20, 1.3)) is int
    assert type(F.suggested_points(20, math.inf)) is int


def test_suggested_points_without_verdict():
    with pytest.raises(F.FeedbackError) as error:
        F.suggested_points(20, None)
    assert error.value.code == "no_verdict"


@pytest.mark.parametrize("lift", [-1, -0.5, math.nan])
def test_suggested_points_refuses_impossible_lifts(lift):
    with pytest.raises(F.FeedbackError) as error:
        F.suggested_points(20, lift)
    assert error.value.code == "lift"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.5, 3), (-2.5, -3), (2.4999, 2), (-2.4999, -2), (0.5, 1), (-0.5, -1), (0, 0)],
)
def test_round_half_away(value, expected):
    assert F.round_half_away(value) == expected


# ---------------------------------------------------------------------------
# feedback_summary
# ---------------------------------------------------------------------------


def row(lead_id, verdict, reason=None, rating=None):
    return {
        "verdict": verdict,
        "reason": reason,
        "rating": rating,
        "lead_id": lead_id,
        "lead_name": f"Lead {lead_id}",
    }


def test_feedback_summary():
    rows = [
        row(1, "accept", rating=5),
        row(2, "reject", "Wrong segment", 1),
        row(3, "reject", "No budget", 2),
        row(4, "reject", "Wrong segment", 2),
        row(5, "flag", "Not called back"),
        row(6, "lost", "No budget", 3),
        row(7, "reject", None, 1),
        row(8, "accept", rating=4),
        row(9, "reject", "Duplicate"),
    ]
    summary = F.feedback_summary(rows)
    assert summary["total"] == 9
    assert summary["by_verdict"] == {"accept": 2, "reject": 5, "flag": 1, "lost": 1}
    assert summary["by_reason"] == [
        ("No budget", 2),
        ("Wrong segment", 2),
        ("Duplicate", 1),
        ("Not called back", 1),
        (None, 3),
    ]
    assert summary["rated"] == 7
    assert summary["rating_avg"] == round(18 / 7, 2) == 2.57
    assert [r["lead_id"] for r in summary["lowest"]] == [2, 7, 3, 4, 6]
    assert summary["lowest"][0] is rows[1]


def test_feedback_summary_none_reason_last_even_when_most_frequent():
    rows = [row(i, "accept") for i in range(5)] + [row(9, "reject", "Duplicate")]
    summary = F.feedback_summary(rows)
    assert summary["by_reason"] == [("Duplicate", 1), (None, 5)]


def test_feedback_summary_empty_reason_counts_as_none():
    rows = [row(1, "reject", ""), row(2, "reject", False), row(3, "reject")]
    assert F.feedback_summary(rows)["by_reason"] == [(None, 3)]


def test_feedback_summary_lowest_limit():
    rows = [row(i, "reject", rating=(i % 5) + 1) for i in range(10, 0, -1)]
    summary = F.feedback_summary(rows, lowest=3)
    assert [(r["rating"], r["lead_id"]) for r in summary["lowest"]] == [
        (1, 5),
        (1, 10),
        (2, 1),
    ]
    assert F.feedback_summary(rows, lowest=0)["lowest"] == []
    assert len(F.feedback_summary(rows, lowest=50)["lowest"]) == 10


def test_feedback_summary_only_rated_rows_are_lowest():
    rows = [row(1, "accept"), row(2, "reject", rating=0), row(3, "accept", rating=4)]
    summary = F.feedback_summary(rows)
    assert summary["rated"] == 1
    assert summary["rating_avg"] == 4.0
    assert [r["lead_id"] for r in summary["lowest"]] == [3]


def test_feedback_summary_without_ratings():
    summary = F.feedback_summary([row(1, "flag", "Not called back")])
    assert summary["rated"] == 0
    assert summary["rating_avg"] is None
    assert summary["lowest"] == []


def test_feedback_summary_of_nothing():
    assert F.feedback_summary([]) == {
        "total": 0,
        "by_verdict": {},
        "by_reason": [],
        "rated": 0,
        "rating_avg": None,
        "lowest": [],
    }


def test_feedback_summary_accepts_a_generator():
    summary = F.feedback_summary(row(i, "accept", rating=3) for i in range(4))
    assert summary["total"] == 4
    assert summary["rating_avg"] == 3.0
