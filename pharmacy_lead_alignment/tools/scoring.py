# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Qualification scoring arithmetic, with no ORM.

A lead's score has two parts:

* **fit**: the sum of the points of the fit rules whose domain the lead
  matches (who the lead is: segment, function, contact data…);
* **engagement**: what the lead did, each event worth its points halved every
  ``half_life`` days::

      engagement = round(Σ points × 0.5 ** (age_days / half_life))

(rounded half up, once, on the sum).

The fit score alone gives the grade (A–D); fit + engagement is the lead score
that the MQL threshold applies to.

>>> decayed(20, age_days=30, half_life=30)
10.0
>>> engagement_score([(20, 0), (20, 30), (-10, 60)], half_life=30)
28
>>> grade(62, a=60, b=35, c=15)
'a'
"""

import math

from . import lifecycle

GRADE_A = "a"
GRADE_B = "b"
GRADE_C = "c"
GRADE_D = "d"
GRADE_SELECTION = [
    (GRADE_A, "A"),
    (GRADE_B, "B"),
    (GRADE_C, "C"),
    (GRADE_D, "D"),
]
#: Best first: a grade qualifies when it is at least the lowest allowed one.
GRADE_ORDER = (GRADE_A, GRADE_B, GRADE_C, GRADE_D)

#: Fit rules: who the lead is; engagement rules: what the lead did.
CATEGORY_FIT = "fit"
CATEGORY_ENGAGEMENT = "engagement"
CATEGORY_SELECTION = [(CATEGORY_FIT, "Fit"), (CATEGORY_ENGAGEMENT, "Engagement")]

#: What makes an engagement rule log an event on a lead.
TRIGGER_ACTIVITY = "activity_done"
TRIGGER_EMAIL = "inbound_email"
TRIGGER_CUSTOM = "custom"
TRIGGER_SELECTION = [
    (TRIGGER_ACTIVITY, "Activity Done"),
    (TRIGGER_EMAIL, "Inbound E-mail"),
    (TRIGGER_CUSTOM, "Signal from an Integration"),
]

POINTS_MIN = -100
POINTS_MAX = 100

DEFAULTS = {
    "mql_threshold": 50,
    "mql_min_grade": GRADE_C,
    "grade_a": 60,
    "grade_b": 35,
    "grade_c": 15,
    "half_life": 30.0,
}


class ScoringError(Exception):
    """Refused scoring settings; ``code`` tells which message to show."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def decayed(points, age_days, half_life):
    """``points`` after ``age_days`` days, halved every ``half_life`` days.

    Events from the future (clock skew, imports) count at full value.

    >>> decayed(40, age_days=0, half_life=30)
    40.0
    >>> decayed(40, age_days=-2, half_life=30)
    40.0
    >>> round(decayed(40, age_days=90, half_life=30), 6)
    5.0
    """
    if half_life <= 0:
        raise ScoringError("half_life")
    age = max(age_days, 0.0)
    return points * math.pow(0.5, age / half_life)


def engagement_score(events, half_life):
    """Rounded sum of decayed points of ``(points, age_days)`` events.

    >>> engagement_score([], half_life=30)
    0
    """
    total = sum(decayed(points, age, half_life) for points, age in events)
    return round_half_up(total)


def round_half_up(value):
    """Round as people do (2.5 → 3, -2.5 → -2), not as bankers do.

    >>> round_half_up(52.5), round_half_up(-2.5), round_half_up(2.4999)
    (53, -2, 2)
    """
    return math.floor(value + 0.5)


def grade(fit_score, a, b, c):
    """Grade of a fit score against the A, B and C thresholds.

    >>> [grade(score, 60, 35, 15) for score in (60, 59, 35, 15, 14, -5)]
    ['a', 'b', 'b', 'c', 'd', 'd']
    """
    if fit_score >= a:
        return GRADE_A
    if fit_score >= b:
        return GRADE_B
    if fit_score >= c:
        return GRADE_C
    return GRADE_D


def grade_allowed(lead_grade, min_grade):
    """Whether ``lead_grade`` is at least ``min_grade`` (A best).

    >>> grade_allowed("b", "c"), grade_allowed("d", "c")
    (True, False)
    """
    return GRADE_ORDER.index(lead_grade) <= GRADE_ORDER.index(min_grade)


def mql_move(state, score, lead_grade, threshold, min_grade, previous_score=None):
    """The state a desk lead moves to on its own after re-scoring, if any.

    An Inquiry or Nurturing lead that reaches the threshold with an allowed
    grade becomes MQL. An MQL lead whose score *falls* below the threshold
    (it was at or above it before this scoring) returns to Nurturing; a lead
    the desk qualified by hand below the threshold stays MQL. Leads in any
    other state are never moved.

    >>> mql_move("inquiry", 55, "b", 50, "c")
    'mql'
    >>> mql_move("nurturing", 70, "d", 50, "c") is None
    True
    >>> mql_move("mql", 49, "a", 50, "c", previous_score=60)
    'nurturing'
    >>> mql_move("mql", 20, "d", 50, "c", previous_score=20) is None
    True
    >>> mql_move("handed_off", 10, "d", 50, "c") is None
    True
    """
    if state in lifecycle.QUALIFY_FROM:
        if score >= threshold and grade_allowed(lead_grade, min_grade):
            return lifecycle.MQL
        return None
    fell = previous_score is None or previous_score >= threshold
    if state == lifecycle.MQL and score < threshold and fell:
        return lifecycle.NURTURING
    return None


def check_settings(mql_threshold, min_grade, a, b, c, half_life):
    """Validate a company's scoring settings.

    :raise ScoringError: ``grade_order`` (A > B > C required),
        ``half_life`` (must be > 0), ``min_grade`` (unknown grade) or
        ``mql_threshold`` (outside what scores can reach)
    """
    if not a > b > c:
        raise ScoringError("grade_order")
    if half_life is None or half_life <= 0:
        raise ScoringError("half_life")
    if min_grade not in GRADE_ORDER:
        raise ScoringError("min_grade")
    if mql_threshold <= 0:
        raise ScoringError("mql_threshold")


def check_points(points):
    """Points of one rule must lie in [POINTS_MIN, POINTS_MAX].

    >>> check_points(100)
    >>> try:
    ...     check_points(101)
    ... except ScoringError as error:
    ...     print(error.code)
    points
    """
    if not POINTS_MIN <= points <= POINTS_MAX:
        raise ScoringError("points")


def top_reasons(items, limit=3):
    """The ``limit`` items that weigh most, as ``(label, points)``.

    >>> top_reasons([("Clinic", 30), ("Gmail", -20), ("Phone", 5), ("E-mail", 10)])
    [('Clinic', 30), ('Gmail', -20), ('E-mail', 10)]
    """
    ranked = sorted(items, key=lambda item: (-abs(item[1]), item[0]))
    return ranked[:limit]
