# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Qualifying a lead below the company's lowest allowed grade, with no ORM.

A desk lead becomes Marketing Qualified by hand (the desk's *Qualify*), on
its own (its score reaches the MQL threshold, see :func:`.scoring.mql_move`)
or skips qualification when an Alignment Manager hands it off as it is. In
every case its grade must be at least the company's lowest grade to qualify;
below it, only an Alignment Manager may qualify it, with a written reason, and
the move is logged as an override.

>>> check_grade("inquiry", "mql", "b", "c")
'normal'
>>> check_grade("inquiry", "mql", "d", "c", can_override=True, reason="Tender")
'override'
>>> check_grade("mql", "handed_off", "d", "c")
'normal'
"""

from . import lifecycle, scoring

#: The moves that qualify a lead, or skip its qualification: out of Inquiry
#: or Nurturing, into MQL or straight to sales.
QUALIFYING_TO = (lifecycle.MQL, lifecycle.HANDED_OFF)


class GradeError(Exception):
    """A refused qualification below the lowest allowed grade.

    ``code`` is ``grade_manager`` (only an Alignment Manager may do it) or
    ``grade_reason`` (a written reason is missing).
    """

    def __init__(self, code, grade, min_grade):
        super().__init__(code, grade, min_grade)
        self.code = code
        self.grade = grade
        self.min_grade = min_grade


def is_qualifying(from_state, to_state):
    """Whether the move qualifies a lead (or skips its qualification).

    >>> is_qualifying("nurturing", "mql"), is_qualifying("inquiry", "handed_off")
    (True, True)
    >>> is_qualifying("mql", "handed_off"), is_qualifying("lost", "mql")
    (False, False)
    """
    return from_state in lifecycle.QUALIFY_FROM and to_state in QUALIFYING_TO


def below_grade(grade, min_grade):
    """Whether ``grade`` is below ``min_grade``; a lead not graded yet counts
    as the lowest grade (its fit is unknown).

    >>> below_grade("c", "c"), below_grade("d", "c"), below_grade(None, "d")
    (False, True, False)
    >>> below_grade(None, "c")
    True
    """
    return not scoring.grade_allowed(grade or scoring.GRADE_ORDER[-1], min_grade)


def check_grade(
    from_state, to_state, grade, min_grade, can_override=False, reason=None
):
    """Decide whether the grade lets a lead make this move.

    :param grade: the lead's grade (``None`` when not graded yet)
    :param min_grade: the company's lowest grade to qualify
    :param can_override: whether the user is an Alignment Manager
    :param reason: the written reason given with the move
    :return: ``'normal'`` (the grade does not matter or is allowed) or
        ``'override'`` (below the grade, by a manager with a reason)
    :raise GradeError: ``grade_manager`` or ``grade_reason``
    """
    if not is_qualifying(from_state, to_state) or not below_grade(grade, min_grade):
        return "normal"
    if not can_override:
        raise GradeError("grade_manager", grade, min_grade)
    if not (reason or "").strip():
        raise GradeError("grade_reason", grade, min_grade)
    return "override"
