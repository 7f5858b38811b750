# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which sales team and salesperson a qualified lead is suggested for.

The team: the first sales-role team (by sequence, then id) of the lead's
company, or shared, whose routing rule (Odoo's ``assignment_domain`` of the
team) matches the lead. A team without a routing rule is never suggested:
an empty rule would otherwise match every lead, and a new sales team would
silently take all of them.

The salesperson, only when the team uses Odoo's lead assignment: among the
members that take part in it (not opted out, a capacity above zero) whose
own rule matches the lead (an empty member rule matches every lead, as in
Odoo), those with capacity left (fewer leads assigned in the last
:data:`ASSIGNMENT_WINDOW_DAYS` days than their capacity, Odoo's
``lead_month_count`` against ``assignment_max``); of those, the one with
the fewest leads assigned in that window, then the most capacity left, then
the oldest membership. The choice is the same for every lead of a batch:
what a card shows is what its button does.

>>> pick_member([MemberLoad(7, 3, 30), MemberLoad(5, 3, 40), MemberLoad(9, 1, 1)])
5
"""

from typing import NamedTuple

#: The window of Odoo's own assignment capacity (``lead_month_count``).
ASSIGNMENT_WINDOW_DAYS = 30


class MemberLoad(NamedTuple):
    """One team member taking part in the assignment."""

    #: the membership (``crm.team.member``) id: the last tie-breaker
    key: int
    #: leads assigned to the member in this team in the window
    assigned: int
    #: the member's capacity for the window (``assignment_max``)
    capacity: int


def pick_member(loads):
    """The key of the member a lead is suggested for, or ``None`` when no
    member has capacity left.

    >>> pick_member([MemberLoad(1, 30, 30), MemberLoad(2, 0, 0)]) is None
    True
    >>> pick_member([MemberLoad(2, 4, 30), MemberLoad(1, 4, 30)])
    1
    """
    free = [load for load in loads if load.assigned < load.capacity]
    if not free:
        return None
    best = min(
        free, key=lambda load: (load.assigned, load.assigned - load.capacity, load.key)
    )
    return best.key


def is_routing_rule(domain):
    """Whether a parsed routing rule routes anything: an empty rule does not.

    >>> is_routing_rule([]), is_routing_rule(None), is_routing_rule([("a", "=", 1)])
    (False, False, True)
    """
    return bool(domain)
