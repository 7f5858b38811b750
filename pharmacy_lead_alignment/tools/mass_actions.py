# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Actions on many leads at once, out of the user's request, with no ORM.

A desk or sales button (or an RPC call) on more than :data:`SYNC_LIMIT` leads
does not act in the request: it queues a background action
(``pharmacy.lead.mass.action``) that a scheduled action works off, a batch of
:data:`BATCH` leads at a time, with the rights of the user who asked. Up to
the limit, a hand-off takes about two seconds on the project machine; 20,000
selected leads (Odoo's most for a selection) would take a minute and a half,
near Odoo's ``limit_time_real``.

>>> should_queue(SYNC_LIMIT), should_queue(SYNC_LIMIT + 1)
(False, True)
>>> final_state(pending=0, failed=0), final_state(pending=0, failed=2)
('done', 'failed')
>>> final_state(pending=3, failed=1)
'queued'
"""

#: Up to this many leads, an action on leads runs in the user's request.
SYNC_LIMIT = 500
#: Leads a background action acts on per transaction.
BATCH = 200
#: Failures listed one by one on a background action; the rest are counted.
FAILURES_LISTED = 100

QUEUED = "queued"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
STATE_SELECTION = [
    (QUEUED, "Queued"),
    (DONE, "Done"),
    (FAILED, "Done with Failures"),
    (CANCELLED, "Cancelled"),
]

#: The public methods of ``crm.lead`` that queue above the limit, as the
#: background action names them. Each checks its arguments and its user's
#: role before it queues, and again, with the same user's rights, when the
#: background action calls it on a batch.
METHOD_SELECTION = [
    ("action_qualify", "Qualify"),
    ("action_disqualify", "Disqualify"),
    ("action_reopen", "Reopen"),
    ("handoff_to", "Hand Off"),
    ("action_handoff_suggested", "Hand Off Each as Suggested"),
    ("action_review_accept", "Accept"),
    ("action_review_reject", "Reject"),
    ("action_flag_mishandled", "Flag as Mishandled"),
    ("action_recycle", "Recycle"),
    ("action_nurture_enrol", "Enrol in Nurturing"),
    ("action_nurture_pause", "Pause Nurturing"),
    ("action_nurture_resume", "Resume Nurturing"),
    ("action_nurture_remove", "Remove from Nurturing"),
]
METHODS = frozenset(method for method, _label in METHOD_SELECTION)


def should_queue(count, limit=None):
    """Whether an action on ``count`` leads runs in the background."""
    return count > (SYNC_LIMIT if limit is None else limit)


def final_state(pending, failed):
    """The state of a background action with ``pending`` leads still to do
    and ``failed`` leads it could not act on.

    >>> final_state(pending=0, failed=0)
    'done'
    """
    if pending:
        return QUEUED
    return FAILED if failed else DONE


def add_failures(listed, more, failures, limit=FAILURES_LISTED):
    """The failures of a background action after ``failures`` (pairs
    ``(lead name, message)``): the first ``limit`` are listed, the others
    only counted.

    :param listed: the failures listed so far
    :param more: how many were only counted so far
    :return: ``(listed, more)``, a new list

    >>> add_failures([], 0, [("A", "no"), ("B", "no")], limit=1)
    ([['A', 'no']], 1)
    >>> add_failures([["A", "no"]], 1, [("C", "no")], limit=1)
    ([['A', 'no']], 2)
    """
    listed = list(listed)
    for name, message in failures:
        if len(listed) < limit:
            listed.append([name, message])
        else:
            more += 1
    return listed, more
