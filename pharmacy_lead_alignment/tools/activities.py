# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When the add-on's automatic activities close, with no ORM.

Each automatic activity asks someone for something while its lead is in
given lifecycle states. When the lead moves, the activity is *done* if the
move is what it asked for, *cancelled* (deleted) if the lead left the states
in which it applies, or left as it is:

=============  ===================================  =================  ==========
kind           asks                                 applies in         done by
=============  ===================================  =================  ==========
ready          the desk: hand the qualified lead    MQL                handed off
               off to sales
nurture        the desk: a step of a nurture track  Nurturing          (the desk)
recycle        the desk: decide on a recycled lead  Nurturing          leaving
               no nurture track matches                                Nurturing
flag           the team leader: look into a lead    Accepted,          won
               marketing flagged as mishandled      Opportunity, Lost
escalation     sales leaders: a breached SLA clock  Handed Off,        its clock
                                                    Accepted,          reached
                                                    Opportunity
=============  ===================================  =================  ==========

An escalation follows its SLA clock rather than the state: it is done when the
clock is reached, cancelled when the clock closes without it. A lost lead is
archived, and Odoo deletes the activities of archived records itself.

>>> on_move(READY, "mql", "handed_off"), on_move(READY, "mql", "nurturing")
('done', 'cancel')
>>> on_move(NURTURE, "nurturing", "mql"), on_move(FLAG, "accepted", "won")
('cancel', 'done')
>>> on_move(FLAG, "accepted", "opportunity") is None
True
"""

from . import lifecycle

READY = "ready"
NURTURE = "nurture"
RECYCLE = "recycle"
FLAG = "flag"
ESCALATION = "escalation"
KINDS = (READY, NURTURE, RECYCLE, FLAG, ESCALATION)
#: The kinds that follow the lifecycle state (an escalation follows its
#: clock), those of their own activity type first.
STATE_KINDS = (READY, RECYCLE, FLAG, NURTURE)

DONE = "done"
CANCEL = "cancel"

#: The lifecycle states in which each kind of activity still asks something.
APPLIES_IN = {
    READY: frozenset({lifecycle.MQL}),
    NURTURE: frozenset({lifecycle.NURTURING}),
    RECYCLE: frozenset({lifecycle.NURTURING}),
    FLAG: frozenset({lifecycle.ACCEPTED, lifecycle.OPPORTUNITY, lifecycle.LOST}),
    ESCALATION: frozenset(
        {lifecycle.HANDED_OFF, lifecycle.ACCEPTED, lifecycle.OPPORTUNITY}
    ),
}
#: The states whose reaching does what each kind of activity asks for.
DONE_BY = {
    READY: frozenset({lifecycle.HANDED_OFF}),
    NURTURE: frozenset(),
    # the desk decided: qualified, disqualified, handed off, lost, returned
    RECYCLE: lifecycle.TRANSITIONS[lifecycle.NURTURING] | {lifecycle.HANDED_OFF},
    FLAG: frozenset({lifecycle.WON}),
    ESCALATION: frozenset(),
}


def on_move(kind, from_state, to_state):
    """What becomes of an open activity of ``kind`` when its lead moves from
    ``from_state`` to ``to_state``: ``'done'``, ``'cancel'`` or ``None``.

    A kind is only concerned by leads that leave a state it applies in (an
    activity of that kind cannot be open on another lead).

    >>> on_move(READY, "inquiry", "mql") is None
    True
    >>> on_move(NURTURE, "nurturing", "handed_off")
    'cancel'
    >>> on_move(FLAG, "lost", "accepted") is None
    True
    """
    if from_state not in APPLIES_IN[kind] or from_state == to_state:
        return None
    if to_state in DONE_BY[kind]:
        return DONE
    if to_state in APPLIES_IN[kind]:
        return None
    return CANCEL


def kept_on_merge(kind, survivor_state):
    """Whether an activity of a lead merged away still applies to the lead it
    is merged into (Odoo moves it there), given that lead's state.

    >>> kept_on_merge(READY, "mql"), kept_on_merge(READY, "handed_off")
    (True, False)
    >>> kept_on_merge(ESCALATION, None)
    False
    """
    return survivor_state in APPLIES_IN[kind]
