# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The lead's way through the waterfall, as plain data and functions.

Nothing here touches the ORM: models gather the values (current state, the
team's alignment role, whether the user belongs to the desk…), call these
functions and translate the :class:`LifecycleError` codes into messages.

>>> check_transition(MQL, HANDED_OFF)
'normal'
>>> check_transition(INQUIRY, HANDED_OFF, reason="Urgent tender", can_override=True)
'override'
>>> check_transition(LOST, ACCEPTED, previous=ACCEPTED)
'restore'
"""

# ---------------------------------------------------------------------------
# Selection keys (defined once, reused by every model and view)
# ---------------------------------------------------------------------------

INQUIRY = "inquiry"
NURTURING = "nurturing"
MQL = "mql"
HANDED_OFF = "handed_off"
ACCEPTED = "accepted"
OPPORTUNITY = "opportunity"
WON = "won"
LOST = "lost"
DISQUALIFIED = "disqualified"

STATE_SELECTION = [
    (INQUIRY, "Inquiry"),
    (NURTURING, "Nurturing"),
    (MQL, "Marketing Qualified"),
    (HANDED_OFF, "Handed Off"),
    (ACCEPTED, "Accepted"),
    (OPPORTUNITY, "Opportunity"),
    (WON, "Won"),
    (LOST, "Lost"),
    (DISQUALIFIED, "Disqualified"),
]
STATES = tuple(key for key, _label in STATE_SELECTION)

#: States in which a lead belongs to the marketing desk: no sales team, no
#: salesperson outside the desk, never an opportunity, invisible to sales.
GATED_STATES = (INQUIRY, NURTURING, MQL, DISQUALIFIED)

#: States that a lead leaves only by being restored to the state it had before.
RESTORABLE_FROM = (WON, LOST)

ROLE_MARKETING = "marketing"
ROLE_SALES = "sales"
ROLE_SELECTION = [
    (ROLE_MARKETING, "Lead Desk"),
    (ROLE_SALES, "Sales"),
]

#: The two sides of the alignment: who sourced a lead (its origin), who owns
#: a step of the process map, whose commitment a line of the SLA ledger
#: measures.
SIDE_MARKETING = "marketing"
SIDE_SALES = "sales"
SIDE_SELECTION = [
    (SIDE_MARKETING, "Marketing"),
    (SIDE_SALES, "Sales"),
]
#: The side that sourced a lead.
ORIGIN_MARKETING = SIDE_MARKETING
ORIGIN_SALES = SIDE_SALES
ORIGIN_SELECTION = SIDE_SELECTION

SEGMENT_CLINIC = "clinic"
SEGMENT_DOCTOR = "doctor"
SEGMENT_CORPORATE = "corporate"
SEGMENT_FRANCHISE = "franchise"
SEGMENT_CARE_HOME = "care_home"
SEGMENT_PATIENT = "patient"
SEGMENT_OTHER = "other"
SEGMENT_SELECTION = [
    (SEGMENT_CLINIC, "Clinic"),
    (SEGMENT_DOCTOR, "Doctor"),
    (SEGMENT_CORPORATE, "Corporate Client"),
    (SEGMENT_FRANCHISE, "Franchise"),
    (SEGMENT_CARE_HOME, "Care Home"),
    (SEGMENT_PATIENT, "Patient"),
    (SEGMENT_OTHER, "Other"),
]

# ---------------------------------------------------------------------------
# The one table of allowed transitions
# ---------------------------------------------------------------------------

TRANSITIONS = {
    INQUIRY: frozenset({NURTURING, MQL, DISQUALIFIED, LOST}),
    NURTURING: frozenset({INQUIRY, MQL, DISQUALIFIED, LOST}),
    # back to Inquiry: a lead qualified by a rule that is removed again
    MQL: frozenset({INQUIRY, NURTURING, HANDED_OFF, DISQUALIFIED, LOST}),
    # rejected by sales: recycle → nurturing, return → inquiry, disqualify
    HANDED_OFF: frozenset({ACCEPTED, NURTURING, INQUIRY, DISQUALIFIED, LOST}),
    ACCEPTED: frozenset({OPPORTUNITY, WON, LOST}),
    OPPORTUNITY: frozenset({WON, LOST}),
    WON: frozenset({LOST}),
    LOST: frozenset({WON}),
    DISQUALIFIED: frozenset({INQUIRY, NURTURING}),
}

#: Where a sales rejection sends a handed-off lead: recycled, returned to the
#: desk, or disqualified.
REJECTED_TO = (NURTURING, INQUIRY, DISQUALIFIED)

#: Transitions that only an Alignment Manager may force, with a written reason.
OVERRIDES = frozenset({(INQUIRY, HANDED_OFF), (NURTURING, HANDED_OFF)})

#: States a desk lead is qualified from: by hand (the desk's Qualify button)
#: or on its own, when its score reaches the threshold (tools.scoring.mql_move).
QUALIFY_FROM = (INQUIRY, NURTURING)


def with_desk(state, team_role):
    """Whether a lead belongs to the marketing desk, hidden from sales: it
    has not been handed off yet, or the desk itself marked it lost.

    >>> with_desk(MQL, ROLE_MARKETING), with_desk(LOST, ROLE_MARKETING)
    (True, True)
    >>> with_desk(LOST, ROLE_SALES), with_desk(HANDED_OFF, ROLE_SALES)
    (False, False)
    """
    return state in GATED_STATES or (state == LOST and team_role == ROLE_MARKETING)


def desk_violation(team_role, team_company, company):
    """Why a team cannot be ``company``'s lead desk, or ``None``: it must have
    the role "Lead Desk" and belong to that company (or to none).

    >>> desk_violation(ROLE_SALES, 1, 1), desk_violation(ROLE_MARKETING, 2, 1)
    ('role', 'company')
    >>> desk_violation(ROLE_MARKETING, None, 1) is None
    True
    """
    if team_role != ROLE_MARKETING:
        return "role"
    if team_company and team_company != company:
        return "company"
    return None


def may_decide_handoff(*, is_receiver, is_sales_manager, is_desk):
    """Whether a user may decide on a handed-off lead: accept or reject it,
    convert, lose or recycle it, or give it to someone else.

    Only the receiving side decides: a member (or the leader, or the assigned
    salesperson) of the sales team the lead was handed to, or a sales manager.
    The side that handed the lead off never decides on it, so a Marketing Desk
    member (an Alignment Manager included) is refused even with sales rights.

    >>> may_decide_handoff(is_receiver=True, is_sales_manager=False, is_desk=False)
    True
    >>> may_decide_handoff(is_receiver=True, is_sales_manager=True, is_desk=True)
    False
    """
    return bool(is_receiver or is_sales_manager) and not is_desk


class LifecycleError(Exception):
    """A refused transition or gate crossing.

    ``code`` tells the caller which message to show; ``from_state`` and
    ``to_state`` are the selection keys involved (either may be ``None``).
    """

    def __init__(self, code, from_state=None, to_state=None):
        super().__init__(code, from_state, to_state)
        self.code = code
        self.from_state = from_state
        self.to_state = to_state


def check_transition(
    from_state, to_state, *, reason=None, can_override=False, previous=None
):
    """Decide whether a lead may go from ``from_state`` to ``to_state``.

    :param reason: the written reason given with the change, if any
    :param can_override: whether the user may force an override transition
    :param previous: for a lead that is won or lost, the state it had before;
        restoring it may only go back there
    :return: ``'normal'``, ``'override'`` or ``'restore'``
    :raise LifecycleError: with code ``unknown``, ``same``, ``not_allowed``,
        ``override_manager``, ``override_reason`` or ``restore_previous``
    """
    if from_state not in STATES or to_state not in STATES:
        raise LifecycleError("unknown", from_state, to_state)
    if from_state == to_state:
        raise LifecycleError("same", from_state, to_state)
    if to_state in TRANSITIONS[from_state]:
        return "normal"
    if (from_state, to_state) in OVERRIDES:
        if not can_override:
            raise LifecycleError("override_manager", from_state, to_state)
        if not (reason or "").strip():
            raise LifecycleError("override_reason", from_state, to_state)
        return "override"
    if from_state in RESTORABLE_FROM:
        if previous and to_state == previous:
            return "restore"
        raise LifecycleError("restore_previous", from_state, to_state)
    raise LifecycleError("not_allowed", from_state, to_state)


def previous_state(history, current, fallback=INQUIRY):
    """The state a lead had before it last entered ``current``.

    :param history: ``(from_state, to_state)`` pairs, oldest first
    :param fallback: returned when the history says nothing usable

    >>> previous_state([(None, "inquiry"), ("inquiry", "lost")], "lost")
    'inquiry'
    >>> previous_state([], "lost", fallback="opportunity")
    'opportunity'
    """
    for from_state, to_state in reversed(list(history)):
        if to_state == current and from_state and from_state != current:
            return from_state
    return fallback


def initial_state(team_role, *, sales_creator, is_opportunity=False):
    """State and origin of a lead entering the flow through a role team.

    :param team_role: the alignment role of the lead's team (or ``None``)
    :param sales_creator: whether the lead is created by a sales user
    :return: ``(state, origin)``, or ``(None, None)`` when the team has no role
        and the lead behaves as in stock Odoo
    :raise LifecycleError: code ``gate_create`` when someone who is not a
        sales user puts a new lead straight into a sales team
    """
    if team_role == ROLE_MARKETING:
        return INQUIRY, ORIGIN_MARKETING
    if team_role == ROLE_SALES:
        if not sales_creator:
            raise LifecycleError("gate_create", None, INQUIRY)
        return (OPPORTUNITY if is_opportunity else ACCEPTED), ORIGIN_SALES
    return None, None


def adopted_state(team_role, *, result, is_opportunity):
    """State and origin of a lead that was already in a team when the team got
    its alignment role (nothing is moved, the lead is described as it is).

    * won or lost (``result`` from :func:`outcome`) stays won or lost;
    * an open opportunity is an *Opportunity* sales work on;
    * an open lead of a sales team is *Accepted*: sales already have it;
    * an open lead of the desk is an *Inquiry* to qualify.

    Leads of the desk are marketing-sourced, the others sales-sourced.

    :return: ``(state, origin)``, or ``(None, None)`` for a team without role

    >>> adopted_state("sales", result=None, is_opportunity=False)
    ('accepted', 'sales')
    >>> adopted_state("marketing", result=None, is_opportunity=False)
    ('inquiry', 'marketing')
    >>> adopted_state("marketing", result="won", is_opportunity=True)
    ('won', 'marketing')
    """
    if team_role not in (ROLE_MARKETING, ROLE_SALES):
        return None, None
    origin = ORIGIN_MARKETING if team_role == ROLE_MARKETING else ORIGIN_SALES
    if result in (WON, LOST):
        return result, origin
    if is_opportunity:
        return OPPORTUNITY, origin
    return (INQUIRY if team_role == ROLE_MARKETING else ACCEPTED), origin


def gate_violations(state, *, team_role, user_is_desk, is_opportunity):
    """What a lead in ``state`` carries that the gate forbids.

    :param team_role: alignment role of the lead's team
    :param user_is_desk: ``None`` when the lead has no salesperson, else
        whether that salesperson is a desk member
    :return: a list of codes among ``sales_team``, ``salesperson`` and
        ``opportunity`` (empty when the lead may stay as it is)

    >>> gate_violations(
    ...     "mql", team_role="sales", user_is_desk=None, is_opportunity=False
    ... )
    ['sales_team']
    >>> gate_violations(
    ...     "accepted", team_role="sales", user_is_desk=False, is_opportunity=True
    ... )
    []
    """
    if state not in GATED_STATES:
        return []
    codes = []
    if team_role == ROLE_SALES:
        codes.append("sales_team")
    if user_is_desk is False:
        codes.append("salesperson")
    if is_opportunity:
        codes.append("opportunity")
    return codes


def outcome(active, is_won_stage, probability):
    """Won / lost / open as Odoo CRM defines them, for syncing the state.

    >>> outcome(False, False, 0)
    'lost'
    >>> outcome(True, True, 100)
    'won'
    >>> outcome(True, False, 30) is None
    True
    """
    if not active:
        return LOST
    if is_won_stage and probability >= 100:
        return WON
    return None


# ---------------------------------------------------------------------------
# Nurturing
# ---------------------------------------------------------------------------

NURTURE_RUNNING = "running"
NURTURE_PAUSED = "paused"
NURTURE_GRADUATED = "graduated"
NURTURE_COMPLETED = "completed"
NURTURE_DROPPED = "dropped"
NURTURE_STATE_SELECTION = [
    (NURTURE_RUNNING, "Running"),
    (NURTURE_PAUSED, "Paused"),
    (NURTURE_GRADUATED, "Graduated"),
    (NURTURE_COMPLETED, "Completed"),
    (NURTURE_DROPPED, "Dropped"),
]

#: What came of one nurture step on one lead.
RUN_DONE = "done"
RUN_SKIPPED = "skipped"
RUN_FAILED = "failed"
RUN_RESULT_SELECTION = [
    (RUN_DONE, "Done"),
    (RUN_SKIPPED, "Skipped"),
    (RUN_FAILED, "Failed"),
]

#: What a lead's consent covers: e-mail steps need a valid marketing consent.
CONSENT_PROCESSING = "processing"
CONSENT_MARKETING = "marketing"
CONSENT_KIND_SELECTION = [
    (CONSENT_PROCESSING, "Personal Data Processing"),
    (CONSENT_MARKETING, "Marketing Communication"),
]

COLD = "cold"
WARM = "warm"
HOT = "hot"
TEMPERATURE_SELECTION = [(COLD, "Cold"), (WARM, "Warm"), (HOT, "Hot")]
#: The scores a lead shows as warm, and as hot, from (a company's defaults).
DEFAULT_WARM_FROM = 25
DEFAULT_HOT_FROM = 40

#: Segments that may receive prescription-only content.
PRESCRIPTION_SEGMENTS = (SEGMENT_DOCTOR, SEGMENT_CLINIC, SEGMENT_CARE_HOME)


def temperature(score, warm, hot):
    """Cold, warm or hot from the lead score and two thresholds.

    >>> [temperature(s, 20, 40) for s in (0, 19, 20, 39, 40, 90)]
    ['cold', 'cold', 'warm', 'warm', 'hot', 'hot']
    """
    if score >= hot:
        return HOT
    if score >= warm:
        return WARM
    return COLD


def step_skip_reason(
    is_email, prescription, segment, marketing_consent, blacklisted, has_email
):
    """Why a nurture step must not run for a lead, or ``None`` to run it.

    Activity steps always run; e-mail steps need marketing consent, a usable
    address that is not blacklisted, and prescription content only goes to
    doctors, clinics and care homes.

    >>> step_skip_reason(False, False, "patient", False, True, False) is None
    True
    >>> step_skip_reason(True, False, "clinic", False, False, True)
    'no_consent'
    >>> step_skip_reason(True, True, "patient", True, False, True)
    'prescription'
    """
    if prescription and segment not in PRESCRIPTION_SEGMENTS:
        return "prescription"
    if not is_email:
        return None
    if not marketing_consent:
        return "no_consent"
    if not has_email:
        return "no_email"
    if blacklisted:
        return "blacklisted"
    return None
