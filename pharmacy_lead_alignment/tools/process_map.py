# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Does a sales-process map agree with the system? With no ORM.

A map agrees when its steps cover every lifecycle state once and only the
states of the lifecycle, and when every active SLA policy appears on the step
of the state it times (and no step names an archived policy):

* ``sales_response``: the hand-off step (*Handed Off*);
* ``sales_contact``: the step after acceptance (*Accepted*);
* ``marketing_volume``: the qualification or hand-off step (*MQL*, *Handed Off*).

>>> issues = consistency_issues(
...     [("inquiry", None), ("handed_off", 7)],
...     ["inquiry", "handed_off"],
...     {7: ("sales_response", True), 8: ("sales_contact", True)},
... )
>>> issues
[('policy_missing', 8)]
"""

from . import lifecycle, sla

#: The states at which a policy of each kind applies.
POLICY_STATES = {
    sla.KIND_RESPONSE: (lifecycle.HANDED_OFF,),
    sla.KIND_CONTACT: (lifecycle.ACCEPTED,),
    sla.KIND_VOLUME: (lifecycle.MQL, lifecycle.HANDED_OFF),
}

#: A map is written as a draft, then published; publishing the next version
#: archives it.
STATE_DRAFT = "draft"
STATE_PUBLISHED = "published"
STATE_ARCHIVED = "archived"
STATE_SELECTION = [
    (STATE_DRAFT, "Draft"),
    (STATE_PUBLISHED, "Published"),
    (STATE_ARCHIVED, "Archived"),
]

#: Whether a user confirmed having read the published map.
ACK_PENDING = "pending"
ACK_DONE = "done"
ACK_STATE_SELECTION = [
    (ACK_PENDING, "Not Read Yet"),
    (ACK_DONE, "Read"),
]


def consistency_issues(steps, states, policies):
    """What keeps a map from matching the lifecycle and the SLA policies.

    :param steps: ``(lifecycle state, SLA policy id or None)`` per step
    :param states: the lifecycle states, in order
    :param policies: ``{policy id: (kind, active)}`` of the company's policies
        and of every policy a step names
    :return: ``(code, value)`` pairs, in a stable order; codes:
        ``state_missing``, ``state_unknown``, ``state_twice`` (value: a state),
        ``policy_archived``, ``policy_wrong_step``, ``policy_missing``
        (value: a policy id)
    """
    issues = []
    seen = []
    for state, _policy in steps:
        if state not in states:
            issues.append(("state_unknown", state))
        elif state in seen:
            if ("state_twice", state) not in issues:
                issues.append(("state_twice", state))
        else:
            seen.append(state)
    issues.extend(("state_missing", state) for state in states if state not in seen)
    named = set()
    for state, policy in steps:
        if not policy:
            continue
        named.add(policy)
        kind, active = policies.get(policy, (None, False))
        if not active:
            issues.append(("policy_archived", policy))
        elif state not in POLICY_STATES.get(kind, ()):
            issues.append(("policy_wrong_step", policy))
    issues.extend(
        ("policy_missing", policy)
        for policy, (_kind, active) in sorted(policies.items())
        if active and policy not in named
    )
    return issues
