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


def qualifying_score(score, fresh=None):
    """The score the MQL threshold applies to, or ``None`` when the lead
    cannot qualify on its own.

    A lead that sales sent back as "not ready" (recycled) re-qualifies only on
    engagement earned *after* the recycle: its fit plus that engagement, and
    only once some was earned. Its fit alone, or the engagement it had when
    sales rejected it, never brings it back; the desk may still qualify it by
    hand.

    :param score: the lead score (fit + all engagement)
    :param fresh: for a recycled lead, ``(fit, engagement since the
        recycle)``; ``None`` for any other lead

    >>> qualifying_score(70)
    70
    >>> qualifying_score(70, fresh=(65, 0)) is None
    True
    >>> qualifying_score(70, fresh=(40, 12))
    52
    """
    if fresh is None:
        return score
    fit, engagement = fresh
    if engagement <= 0:
        return None
    return fit + engagement


def mql_move(
    state,
    score,
    lead_grade,
    threshold,
    min_grade,
    previous_score=None,
    *,
    by_hand=False,
    fresh=None,
):
    """The state a desk lead moves to on its own after re-scoring, if any.

    An Inquiry or Nurturing lead that reaches the threshold with an allowed
    grade becomes MQL (a recycled lead: see :func:`qualifying_score`). An MQL
    lead whose score *falls* below the threshold (it was at or above it
    before this scoring) goes back (``'nurturing'`` here; the engine sends it
    to the state it was qualified from, see :func:`fall_back_state`). A
    lead the desk qualified by hand (``by_hand``) never falls back on its
    own, whatever the rules do; nor does one qualified below the threshold
    (a lead qualified by hand before that was recorded). Leads in any other
    state are never moved.

    >>> mql_move("inquiry", 55, "b", 50, "c")
    'mql'
    >>> mql_move("nurturing", 70, "d", 50, "c") is None
    True
    >>> mql_move("nurturing", 70, "a", 50, "c", fresh=(70, 0)) is None
    True
    >>> mql_move("mql", 49, "a", 50, "c", previous_score=60)
    'nurturing'
    >>> mql_move("mql", 49, "a", 50, "c", previous_score=60, by_hand=True) is None
    True
    >>> mql_move("mql", 20, "d", 50, "c", previous_score=20) is None
    True
    >>> mql_move("handed_off", 10, "d", 50, "c") is None
    True
    """
    if state in lifecycle.QUALIFY_FROM:
        qualifying = qualifying_score(score, fresh)
        if (
            qualifying is not None
            and qualifying >= threshold
            and grade_allowed(lead_grade, min_grade)
        ):
            return lifecycle.MQL
        return None
    if state != lifecycle.MQL or by_hand:
        return None
    fell = previous_score is None or previous_score >= threshold
    if score < threshold and fell:
        return lifecycle.NURTURING
    return None


def fall_back_state(before_mql):
    """Where an MQL lead whose score fell below the threshold goes: back to
    the state it was qualified from (Inquiry or Nurturing), so that adding a
    rule and removing it again leaves the lead as it was; Nurturing when that
    state is unknown or was another one (a lead restored to MQL).

    >>> fall_back_state("inquiry"), fall_back_state("lost"), fall_back_state(None)
    ('inquiry', 'nurturing', 'nurturing')
    """
    if before_mql in lifecycle.QUALIFY_FROM:
        return before_mql
    return lifecycle.NURTURING


def rescore(
    fit,
    engagement,
    settings,
    state=None,
    previous_score=None,
    *,
    by_hand=False,
    fresh=None,
):
    """The one scoring decision, for the engine and for the rule preview.

    :param fit: the fit points of the lead
    :param engagement: its engagement score
    :param settings: the company's scoring settings (``mql_threshold``,
        ``mql_min_grade``, ``grade_a``, ``grade_b``, ``grade_c``)
    :param state: its lifecycle state
    :param previous_score: its score before this scoring
    :param by_hand: the desk qualified it by hand
    :param fresh: for a recycled lead, the engagement earned since the
        recycle; ``None`` for any other lead
    :return: ``(score, grade, move)``, ``move`` as :func:`mql_move` gives it

    >>> s = dict(mql_threshold=50, mql_min_grade="c")
    >>> s.update(grade_a=60, grade_b=35, grade_c=15)
    >>> rescore(40, 20, s, "inquiry")
    (60, 'b', 'mql')
    >>> rescore(65, 0, s, "nurturing", fresh=0)
    (65, 'a', None)
    """
    score = fit + engagement
    lead_grade = grade(
        fit, settings["grade_a"], settings["grade_b"], settings["grade_c"]
    )
    move = mql_move(
        state,
        score,
        lead_grade,
        settings["mql_threshold"],
        settings["mql_min_grade"],
        previous_score=previous_score,
        by_hand=by_hand,
        fresh=None if fresh is None else (fit, fresh),
    )
    return score, lead_grade, move


#: One group of leads alike for the scoring, in a rule's preview.
PREVIEW_KEYS = ("matched", "grade", "up", "down")


def change_effect(groups, settings_of):
    """What a change of fit points does to groups of alike leads, with the
    arithmetic of :func:`rescore`: how many are matched, change grade, reach
    the MQL threshold (up) or fall back below it (down).

    :param groups: ``(count, matched, delta, company, state, fit, score,
        grade, by_hand, fresh)``: ``count`` leads of ``company`` in
        ``state``, whose stored ``fit``, ``score`` and ``grade`` are these,
        gain ``delta`` fit points; ``matched`` whether the changed rule
        matches them; ``fresh`` as for :func:`rescore`
    :param settings_of: ``{company: scoring settings}``
    :return: ``{"matched": n, "grade": n, "up": n, "down": n}``

    >>> s = dict(mql_threshold=50, mql_min_grade="c")
    >>> s.update(grade_a=60, grade_b=35, grade_c=15)
    >>> change_effect(
    ...     [
    ...         (3, True, 20, 1, "inquiry", 40, 40, "b", False, None),
    ...         (2, False, -30, 1, "mql", 70, 70, "a", False, None),
    ...     ],
    ...     {1: s},
    ... )
    {'matched': 3, 'grade': 5, 'up': 3, 'down': 2}
    """
    effect = dict.fromkeys(PREVIEW_KEYS, 0)
    for count, matched, delta, company, state, fit, score, old_grade, *rest in groups:
        by_hand, fresh = rest
        if matched:
            effect["matched"] += count
        _score, new_grade, move = rescore(
            fit + delta,
            score - fit,
            settings_of[company],
            state,
            previous_score=score,
            by_hand=by_hand,
            fresh=fresh,
        )
        if old_grade and new_grade != old_grade:
            effect["grade"] += count
        if move == lifecycle.MQL:
            effect["up"] += count
        elif move:
            effect["down"] += count
    return effect


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


def apportion(values, total):
    """Whole numbers close to ``values`` that add up to ``total`` (largest
    remainder): the per-rule share of an engagement score rounded once on
    its sum, so that the shares add up to the score.

    >>> apportion([2.4, 2.4], 5)
    [3, 2]
    >>> apportion([10.0, -5.5], 5)
    [10, -5]
    >>> apportion([], 0)
    []
    """
    rounded = [round_half_up(value) for value in values]
    missing = total - sum(rounded)
    if missing and values:
        step = 1 if missing > 0 else -1
        # the values that rounding moved furthest away from step go first
        order = sorted(
            range(len(values)),
            key=lambda i: (-(values[i] - rounded[i]) * step, i),
        )
        for position in range(abs(missing)):
            rounded[order[position % len(order)]] += step
    return rounded


def reasons(fit_items, engagement_items, engagement_total, limit=3):
    """The ``limit`` rules that weigh most in a score, and what the others
    add, so that the figures add up to fit + engagement.

    :param fit_items: ``(label, points)`` of the fit rules matched
    :param engagement_items: ``(label, decayed points)`` per engagement rule
    :param engagement_total: the engagement score (rounded once, on the sum)
    :return: ``(top, other_count, other_points)``: ``top`` as
        :func:`top_reasons` gives it; the rules left out and their points

    >>> reasons([("Clinic", 40), ("Gmail", -10)], [("Call", 2.4), ("Mail", 2.4)], 5, 2)
    ([('Clinic', 40), ('Gmail', -10)], 2, 5)
    >>> reasons([("Clinic", 40)], [], 0)
    ([('Clinic', 40)], 0, 0)
    """
    labels = [label for label, _points in engagement_items]
    shares = apportion(
        [points for _label, points in engagement_items], engagement_total
    )
    items = list(fit_items) + [
        (label, share) for label, share in zip(labels, shares, strict=True) if share
    ]
    top = top_reasons(items, limit)
    total = sum(points for _label, points in fit_items) + engagement_total
    return top, len(items) - len(top), total - sum(points for _label, points in top)


def matches_every_lead(domain):
    """Whether a (parsed) domain obviously matches every record: empty, or
    only "true" leaves such as ``(1, '=', 1)``.

    >>> matches_every_lead([]), matches_every_lead([(1, "=", 1)])
    (True, True)
    >>> matches_every_lead([("email_from", "!=", False)])
    False
    """
    for element in domain or ():
        if element == "&":
            continue
        if not isinstance(element, list | tuple) or tuple(element) != (1, "=", 1):
            return False
    return True
