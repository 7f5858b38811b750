# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Feedback between sales and the desk, and what it says of the fit rules.

Sales review the leads the desk hands off (accept, reject, rate 1–5); the
desk flags the leads sales mishandled. This module holds the arithmetic
that turns those reviews into advice, with no ORM:

* **rule effectiveness**: for each fit rule, the accept rate of the reviewed
  leads it matched against the accept rate of the reviewed leads it did not
  match. Their quotient is the rule's **lift**::

      lift = (accepted / matched) / (others_accepted / others)

  A lift above 1 means sales accept the leads the rule scores more often
  than the rest; below 1, less often.
* **suggested points**: a rule's points moved by a step that grows with the
  logarithm of its lift, so that doubling and halving weigh the same::

      step = round(scale × log2(lift)), capped to ± max_step
      suggested = points + step, clamped to [POINTS_MIN, POINTS_MAX]

  (rounded half away from zero: 2.5 → 3, -2.5 → -3).
* **feedback summary**: the counts the weekly desk digest shows.

>>> reviews = [(True, True, 5, frozenset({1})), (False, False, 2, frozenset())]
>>> rule_effectiveness(reviews, [1], min_sample=1)[1].lift
inf
>>> suggested_points(20, 2.0), suggested_points(20, 1.0), suggested_points(20, 0.8)
(30, 20, 14)
>>> check_rating("4")
4
"""

import math
from typing import NamedTuple

from .funnel import rate
from .scoring import POINTS_MAX, POINTS_MIN

# ---------------------------------------------------------------------------
# Selection keys (defined once, reused by every model and view)
# ---------------------------------------------------------------------------

#: Sales' review of a lead the desk sent.
DIRECTION_SALES = "sales"
#: The desk flags a lead sales mishandled.
DIRECTION_MARKETING = "marketing"
DIRECTION_SELECTION = [
    (DIRECTION_SALES, "Sales → Marketing"),
    (DIRECTION_MARKETING, "Marketing → Sales"),
]

VERDICT_ACCEPT = "accept"
VERDICT_REJECT = "reject"
VERDICT_LOST = "lost"
VERDICT_FLAG = "flag"
VERDICT_SELECTION = [
    (VERDICT_ACCEPT, "Accepted"),
    (VERDICT_REJECT, "Rejected"),
    (VERDICT_LOST, "Lost"),
    (VERDICT_FLAG, "Flagged as Mishandled"),
]

ACTION_RECYCLE = "recycle"
ACTION_RETURN = "return"
ACTION_DISQUALIFY = "disqualify"
ACTION_SELECTION = [
    (ACTION_RECYCLE, "Recycle to Nurturing"),
    (ACTION_RETURN, "Return to the Desk"),
    (ACTION_DISQUALIFY, "Disqualify"),
]

RATING_MIN = 1
RATING_MAX = 5
RATING_SELECTION = [
    ("1", "Poor"),
    ("2", "Weak"),
    ("3", "Fair"),
    ("4", "Good"),
    ("5", "Excellent"),
]

#: Reviewed leads needed on each side of a rule before it gets a verdict.
DEFAULT_MIN_SAMPLE = 20
#: Most points a suggestion moves a rule by, up or down.
DEFAULT_MAX_STEP = 10
#: Points per doubling (or halving) of the lift, before the cap.
LIFT_SCALE = 20

#: Context keys of the period the effectiveness figures cover (ISO dates).
PERIOD_FROM_KEY = "pla_period_from"
PERIOD_TO_KEY = "pla_period_to"
#: Days covered when no period is chosen.
DEFAULT_PERIOD_DAYS = 90


class FeedbackError(Exception):
    """Refused feedback input; ``code`` tells which message to show."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------------------
# Ratings
# ---------------------------------------------------------------------------


def check_rating(rating, required=False):
    """The rating as an ``int``, or ``None`` when there is none.

    ``None``, ``0``, ``False`` and ``""`` mean no rating. Integers and digit
    strings (selection keys) are accepted; booleans, fractional floats and
    other strings are not.

    :raise FeedbackError: ``rating_required`` (missing while required) or
        ``rating_range`` (not an integer from RATING_MIN to RATING_MAX)

    >>> check_rating(5), check_rating("1"), check_rating(None), check_rating("")
    (5, 1, None, None)
    >>> try:
    ...     check_rating(6)
    ... except FeedbackError as error:
    ...     print(error.code)
    rating_range
    >>> try:
    ...     check_rating(False, required=True)
    ... except FeedbackError as error:
    ...     print(error.code)
    rating_required
    """
    if rating is None or rating is False or rating == 0 or rating == "":
        if required:
            raise FeedbackError("rating_required")
        return None
    if isinstance(rating, bool):
        raise FeedbackError("rating_range")
    if isinstance(rating, str):
        if not (rating.isascii() and rating.isdigit()):
            raise FeedbackError("rating_range")
        value = int(rating)
    elif isinstance(rating, int):
        value = rating
    elif isinstance(rating, float) and rating.is_integer():
        value = int(rating)
    else:
        raise FeedbackError("rating_range")
    if not RATING_MIN <= value <= RATING_MAX:
        raise FeedbackError("rating_range")
    return value


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------


def check_settings(min_sample, max_step):
    """Validate a company's feedback settings.

    :raise FeedbackError: ``min_sample`` (fewer than one lead per verdict)
        or ``max_step`` (a change per suggestion outside 0…POINTS_MAX)

    >>> check_settings(DEFAULT_MIN_SAMPLE, DEFAULT_MAX_STEP)
    >>> try:
    ...     check_settings(20, POINTS_MAX + 1)
    ... except FeedbackError as error:
    ...     print(error.code)
    max_step
    """
    if min_sample < 1:
        raise FeedbackError("min_sample")
    if not 0 <= max_step <= POINTS_MAX:
        raise FeedbackError("max_step")


# ---------------------------------------------------------------------------
# Rule effectiveness
# ---------------------------------------------------------------------------


class Effectiveness(NamedTuple):
    """What the reviews say of one fit rule.

    Rates are percentages (0–100, one decimal), ``None`` when their group is
    empty; ``lift`` is the matched accept rate over the others' one.
    """

    matched: int
    accepted: int
    won: int
    rated: int
    rating_avg: float | None
    accept_rate: float | None
    won_rate: float | None
    others: int
    others_accept_rate: float | None
    lift: float | None
    has_verdict: bool


def _lift(accepted, matched, others_accepted, others):
    """Accept rate of the matched leads over that of the others.

    ``None`` when a group is empty or both rates are 0; ``inf`` when only
    the others' rate is 0.

    >>> _lift(15, 20, 10, 20), _lift(1, 2, 0, 5), _lift(0, 2, 0, 5)
    (1.5, inf, None)
    """
    if not matched or not others:
        return None
    if not others_accepted:
        return math.inf if accepted else None
    return round((accepted * others) / (matched * others_accepted), 2)


def rule_effectiveness(reviews, rule_ids, min_sample=DEFAULT_MIN_SAMPLE):
    """``{rule_id: Effectiveness}`` for each of ``rule_ids``.

    ``reviews`` holds one ``(accepted, won, rating, rule_ids)`` tuple per
    reviewed lead (its first sales review): whether sales accepted it,
    whether it was won, its rating (``None`` or falsy when unrated) and the
    ids of the fit rules it matched. Rules of a review that are not in
    ``rule_ids`` are ignored.

    The reviews are read once: totals for everyone, counters for each rule
    a review matched; the others' figures are the totals minus the rule's.
    A rule gets a verdict when both groups hold at least ``min_sample``
    leads and its lift is defined.

    >>> reviews = [
    ...     (True, True, 4, frozenset({1, 2})),
    ...     (True, False, None, frozenset({1})),
    ...     (False, False, 2, frozenset({2})),
    ...     (True, False, 3, frozenset()),
    ... ]
    >>> result = rule_effectiveness(reviews, [1, 2, 3], min_sample=2)
    >>> result[1].accept_rate, result[1].others_accept_rate, result[1].lift
    (100.0, 50.0, 2.0)
    >>> result[1].has_verdict, result[2].lift, result[2].rating_avg
    (True, 0.5, 3.0)
    >>> result[3].matched, result[3].lift, result[3].has_verdict
    (0, None, False)
    """
    wanted = set(rule_ids)
    total = total_accepted = 0
    # rule_id → [matched, accepted, won, rated, rating_sum]
    counters = {rule_id: [0, 0, 0, 0, 0] for rule_id in wanted}
    for accepted, won, rating, review_rules in reviews:
        total += 1
        if accepted:
            total_accepted += 1
        for rule_id in review_rules:
            counter = counters.get(rule_id)
            if counter is None:
                continue
            counter[0] += 1
            if accepted:
                counter[1] += 1
            if won:
                counter[2] += 1
            if rating:
                counter[3] += 1
                counter[4] += int(rating)
    result = {}
    for rule_id, (matched, accepted, won, rated, rating_sum) in counters.items():
        others = total - matched
        others_accepted = total_accepted - accepted
        lift = _lift(accepted, matched, others_accepted, others)
        result[rule_id] = Effectiveness(
            matched=matched,
            accepted=accepted,
            won=won,
            rated=rated,
            rating_avg=round(rating_sum / rated, 2) if rated else None,
            accept_rate=rate(accepted, matched),
            won_rate=rate(won, matched),
            others=others,
            others_accept_rate=rate(others_accepted, others),
            lift=lift,
            has_verdict=(
                matched >= min_sample and others >= min_sample and lift is not None
            ),
        )
    return result


# ---------------------------------------------------------------------------
# Suggested points
# ---------------------------------------------------------------------------


def round_half_away(value):
    """Round to the nearest integer, halves away from zero (2.5 → 3, -2.5 → -3).

    Symmetric, so that a lift and its inverse move points by the same step.

    >>> round_half_away(2.5), round_half_away(-2.5), round_half_away(-6.44)
    (3, -3, -6)
    """
    if value < 0:
        return -math.floor(-value + 0.5)
    return math.floor(value + 0.5)


def suggested_points(points, lift, max_step=DEFAULT_MAX_STEP, scale=LIFT_SCALE):
    """New points for a rule with ``points`` and an acceptance ``lift``.

    ``step = round_half_away(scale × log2(lift))``, capped to ± ``max_step``
    (an infinite lift gives ``+max_step``, a zero lift ``-max_step``); the
    result ``points + step`` is clamped to [POINTS_MIN, POINTS_MAX].

    :raise FeedbackError: ``no_verdict`` when ``lift`` is ``None``, ``lift``
        when it is negative or not a number

    >>> suggested_points(95, 3), suggested_points(-100, 0.5)
    (100, -100)
    >>> suggested_points(20, math.inf), suggested_points(20, 0)
    (30, 10)
    >>> suggested_points(20, 4.0, max_step=0)
    20
    """
    if lift is None:
        raise FeedbackError("no_verdict")
    if math.isnan(lift) or lift < 0:
        raise FeedbackError("lift")
    cap = max(max_step, 0)
    if math.isinf(lift):
        step = cap
    elif lift == 0:
        step = -cap
    else:
        step = round_half_away(scale * math.log2(lift))
        step = max(-cap, min(cap, step))
    return max(POINTS_MIN, min(POINTS_MAX, points + step))


# ---------------------------------------------------------------------------
# Weekly digest
# ---------------------------------------------------------------------------


def feedback_summary(rows, lowest=5):
    """Counts of the feedback ``rows`` for the weekly desk digest.

    ``rows`` are dicts with ``verdict``, ``reason`` (or ``None``), ``rating``
    (or ``None``), ``lead_id`` and ``lead_name``; a falsy reason or rating
    counts as none. Returns a dict with:

    * ``total``: number of rows;
    * ``by_verdict``: ``{verdict: count}``;
    * ``by_reason``: ``[(reason, count)]``, most frequent first, then by
      reason; rows without a reason last, under ``None``;
    * ``rated`` and ``rating_avg`` (two decimals, ``None`` if none rated);
    * ``lowest``: up to ``lowest`` rated rows, worst rating first, then by
      lead id.

    >>> rows = [
    ...     {"verdict": "reject", "reason": "Wrong segment", "rating": 1,
    ...      "lead_id": 3, "lead_name": "C"},
    ...     {"verdict": "accept", "reason": None, "rating": 4,
    ...      "lead_id": 1, "lead_name": "A"},
    ...     {"verdict": "reject", "reason": "Wrong segment", "rating": None,
    ...      "lead_id": 2, "lead_name": "B"},
    ... ]
    >>> summary = feedback_summary(rows, lowest=1)
    >>> summary["total"], summary["by_verdict"], summary["by_reason"]
    (3, {'reject': 2, 'accept': 1}, [('Wrong segment', 2), (None, 1)])
    >>> summary["rated"], summary["rating_avg"], summary["lowest"][0]["lead_id"]
    (2, 2.5, 3)
    """
    total = 0
    by_verdict = {}
    reasons = {}
    rated_rows = []
    rating_sum = 0
    for row in rows:
        total += 1
        verdict = row["verdict"]
        by_verdict[verdict] = by_verdict.get(verdict, 0) + 1
        reason = row.get("reason") or None
        reasons[reason] = reasons.get(reason, 0) + 1
        rating = row.get("rating")
        if rating:
            rating = int(rating)
            rating_sum += rating
            rated_rows.append((rating, row["lead_id"], row))
    by_reason = sorted(
        ((reason, count) for reason, count in reasons.items() if reason is not None),
        key=lambda item: (-item[1], item[0]),
    )
    if None in reasons:
        by_reason.append((None, reasons[None]))
    rated_rows.sort(key=lambda item: (item[0], item[1]))
    rated = len(rated_rows)
    return {
        "total": total,
        "by_verdict": by_verdict,
        "by_reason": by_reason,
        "rated": rated,
        "rating_avg": round(rating_sum / rated, 2) if rated else None,
        "lowest": [row for _rating, _lead_id, row in rated_rows[: max(lowest, 0)]],
    }
