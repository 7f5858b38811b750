# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Service-level agreement rules between the desk and sales, with no ORM.

Working hours themselves come from Odoo's ``resource.calendar``; what is
here is which policy applies, what colour a clock shows and when a breached
clock escalates to the next level.

>>> from datetime import datetime as dt
>>> start, deadline = dt(2026, 1, 5, 9), dt(2026, 1, 5, 17)
>>> colour(deadline, risk_date(start, deadline), dt(2026, 1, 5, 15, 30))
'amber'
"""

from . import scoring

KIND_RESPONSE = "sales_response"
KIND_CONTACT = "sales_contact"
KIND_VOLUME = "marketing_volume"
KIND_SELECTION = [
    (KIND_RESPONSE, "Sales: accept or reject in time"),
    (KIND_CONTACT, "Sales: first contact in time"),
    (KIND_VOLUME, "Marketing: monthly volume and acceptance"),
]
CLOCK_KINDS = (KIND_RESPONSE, KIND_CONTACT)

RUNNING = "running"
MET = "met"
BREACHED = "breached"
CLOSED = "closed"
CLOCK_STATE_SELECTION = [
    (RUNNING, "Running"),
    (MET, "Met"),
    (BREACHED, "Breached"),
    (CLOSED, "Closed"),
]
#: A clock still waiting for its condition: what a lead shows of its clocks.
OPEN_STATES = (RUNNING, BREACHED)
LEAD_STATE_SELECTION = [
    (key, label) for key, label in CLOCK_STATE_SELECTION if key in OPEN_STATES
]

GREEN = "green"
AMBER = "amber"
RED = "red"

#: Escalation levels: 1 team leader, 2 sales manager, 3 head of the pharmacy.
MAX_LEVEL = 3
#: Hours between two levels of escalation (a policy's default).
DEFAULT_ESCALATION_HOURS = 4.0


def pick_policy(policies, team_id, grade):
    """The policy that applies to a lead of ``team_id`` and ``grade``.

    ``policies`` are dicts with ``id``, ``sequence``, ``team_ids`` and
    ``min_grade`` (or None), all of one kind. Precedence: a policy limited to
    a grade the lead reaches beats a policy for every grade; among equals, the
    lowest sequence, then the oldest.

    >>> p = [
    ...     {"id": 1, "sequence": 10, "team_ids": {7}, "min_grade": None},
    ...     {"id": 2, "sequence": 20, "team_ids": {7}, "min_grade": "b"},
    ... ]
    >>> pick_policy(p, 7, "a")["id"], pick_policy(p, 7, "c")["id"]
    (2, 1)
    >>> pick_policy(p, 8, "a") is None
    True
    """
    candidates = []
    for policy in policies:
        if team_id not in policy["team_ids"]:
            continue
        min_grade = policy["min_grade"]
        if min_grade:
            if not grade or not scoring.grade_allowed(grade, min_grade):
                continue
        candidates.append(policy)
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda p: (0 if p["min_grade"] else 1, p["sequence"], p["id"]),
    )


def reached_state(deadline, reached):
    """``met`` when reached by the deadline, else ``breached``.

    >>> from datetime import datetime as dt
    >>> reached_state(dt(2026, 1, 5, 12), dt(2026, 1, 5, 12))
    'met'
    >>> reached_state(dt(2026, 1, 5, 12), dt(2026, 1, 5, 12, 1))
    'breached'
    """
    return MET if reached <= deadline else BREACHED


def risk_date(start, deadline):
    """When a clock started at ``start`` enters the last quarter of its time
    (and turns amber); the lead stores it to filter the leads at risk.

    >>> from datetime import datetime as dt
    >>> risk_date(dt(2026, 1, 5, 9), dt(2026, 1, 5, 17))
    datetime.datetime(2026, 1, 5, 15, 0)
    """
    return start + (deadline - start) * 3 / 4


def colour(deadline, risk, now, state=RUNNING):
    """How the kanban shows a clock: ``green``, ``amber`` in its last
    quarter (from ``risk``, see :func:`risk_date`, or at once for a clock
    without time), ``red`` when breached; ``None`` when it is over (or for a
    lead without an open clock: ``state`` empty).

    >>> from datetime import datetime as dt
    >>> start, deadline = dt(2026, 1, 5, 9), dt(2026, 1, 5, 17)
    >>> risk = risk_date(start, deadline)
    >>> colour(deadline, risk, dt(2026, 1, 5, 10))
    'green'
    >>> colour(deadline, risk, dt(2026, 1, 5, 17, 1))
    'red'
    >>> colour(None, None, dt(2026, 1, 5, 10), state=None) is None
    True
    """
    if state == BREACHED:
        return RED
    if state != RUNNING:
        return None
    if now > deadline:
        return RED
    if now >= risk or risk >= deadline:
        return AMBER
    return GREEN


def escalation_due(level, breached_at, now, delay_hours):
    """The level a breached clock must reach now, or ``None``.

    Level 1 (team leader) at the breach; each further level after another
    ``delay_hours``; never beyond :data:`MAX_LEVEL`, never twice.

    >>> from datetime import datetime as dt
    >>> b = dt(2026, 1, 5, 12)
    >>> escalation_due(0, b, b, 4)
    1
    >>> escalation_due(1, b, dt(2026, 1, 5, 15), 4) is None
    True
    >>> escalation_due(1, b, dt(2026, 1, 5, 16), 4)
    2
    >>> escalation_due(3, b, dt(2026, 2, 1), 4) is None
    True
    """
    if level >= MAX_LEVEL:
        return None
    if level == 0:
        return 1
    hours = (now - breached_at).total_seconds() / 3600
    if hours >= delay_hours * level:
        return level + 1
    return None


def check_policy(kind, hours, team_count, volume, acceptance):
    """Validate a policy; raise ``ValueError`` with a code.

    >>> check_policy("sales_response", 4, 1, 0, 0)
    >>> try:
    ...     check_policy("sales_response", 0, 1, 0, 0)
    ... except ValueError as error:
    ...     print(error)
    hours
    """
    if team_count <= 0:
        raise ValueError("teams")
    if kind in CLOCK_KINDS and not hours > 0:
        raise ValueError("hours")
    if kind == KIND_VOLUME:
        if volume <= 0:
            raise ValueError("volume")
        if not 0 < acceptance <= 100:
            raise ValueError("acceptance")
