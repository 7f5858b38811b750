# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Funnel, velocity and return-on-investment arithmetic, with no ORM.

**Funnel.** A lead *reached* a stage when it entered the flow at that stage or
an earlier one and ever entered that stage or a later one of the waterfall (a
lead won straight from *Accepted* reached *Opportunity* too; a lead sales
created as *Accepted* never reached *MQL*); the SQL view
``pharmacy.funnel.report`` applies this rule with :data:`RANKS`, and the
dashboard computes the rates with :func:`funnel` from the sums it returns::

    inquiry → mql → handed_off → accepted → opportunity → won

(*Nurturing* belongs to *Inquiry*'s level; *Lost* and *Disqualified* are
exits, not stages.) The conversion rate of a stage is its count over the
count of the stage before, in percent.

**Money.** For a campaign (or source, or medium)::

    cost per MQL = cost / MQLs            cost per won deal = cost / won
    ROI % = (revenue − cost) / cost × 100

each ``None`` when its divisor is 0.

>>> rank("nurturing"), rank("won"), rank("lost")
(0, 5, None)
>>> [(s["key"], s["count"], s["rate"]) for s in funnel({"inquiry": 10, "mql": 4})][:3]
[('inquiry', 10, None), ('mql', 4, 40.0), ('handed_off', 0, 0.0)]
>>> roi(1000, 3500), cost_per(1000, 4), cost_per(1000, 0)
(250.0, 250.0, None)
"""

from . import lifecycle

#: The stages of the funnel, in order (lifecycle state keys).
STAGES = (
    lifecycle.INQUIRY,
    lifecycle.MQL,
    lifecycle.HANDED_OFF,
    lifecycle.ACCEPTED,
    lifecycle.OPPORTUNITY,
    lifecycle.WON,
)

#: The level of each lifecycle state in the funnel (its stage's index in
#: :data:`STAGES`; *Nurturing* is at *Inquiry*'s level); exits have none.
RANKS = {
    **{stage: level for level, stage in enumerate(STAGES)},
    lifecycle.NURTURING: STAGES.index(lifecycle.INQUIRY),
}

#: What a line of the ROI report sums over: a campaign, a source or a medium.
DIMENSION_CAMPAIGN = "campaign"
DIMENSION_SOURCE = "source"
DIMENSION_MEDIUM = "medium"
DIMENSION_SELECTION = [
    (DIMENSION_CAMPAIGN, "Campaign"),
    (DIMENSION_SOURCE, "Source"),
    (DIMENSION_MEDIUM, "Medium"),
]
DIMENSIONS = tuple(key for key, _label in DIMENSION_SELECTION)


def rank(state):
    """The funnel level of a lifecycle state, ``None`` for lost, disqualified
    and unknown states."""
    return RANKS.get(state)


def rate(part, whole, digits=1):
    """``part`` as a percentage of ``whole``, ``None`` when ``whole`` is 0.

    >>> rate(1, 3), rate(0, 0)
    (33.3, None)
    """
    if not whole:
        return None
    return round(100.0 * part / whole, digits)


def funnel(reached):
    """The funnel from counts of leads that reached each stage.

    :param reached: ``{stage key: leads that reached it}``; missing stages
        count 0
    :return: one dict per stage of :data:`STAGES`, in order, with ``key``,
        ``count`` and ``rate`` (percent of the previous stage's count, ``None``
        for the first stage or after an empty stage)
    """
    result = []
    previous = None
    for key in STAGES:
        count = reached.get(key, 0)
        result.append(
            {
                "key": key,
                "count": count,
                "rate": None if previous is None else rate(count, previous),
            }
        )
        previous = count
    return result


def cost_per(cost, count):
    """Cost of one unit (MQL, won deal), ``None`` when there is none."""
    if not count:
        return None
    return round(cost / count, 2)


def roi(cost, revenue):
    """Return on investment in percent, ``None`` without a cost."""
    if not cost:
        return None
    return round(100.0 * (revenue - cost) / cost, 1)


def roi_row(cost, leads, mqls, accepted, won, revenue):
    """Every figure of one ROI line (campaign, source or medium)."""
    return {
        "cost": cost,
        "leads": leads,
        "mqls": mqls,
        "accepted": accepted,
        "won": won,
        "revenue": revenue,
        "cost_per_mql": cost_per(cost, mqls),
        "cost_per_won": cost_per(cost, won),
        "roi": roi(cost, revenue),
    }


def months_in(date_from, date_to):
    """Calendar months a period touches, for monthly targets.

    >>> import datetime
    >>> months_in(datetime.date(2026, 1, 15), datetime.date(2026, 3, 1))
    3
    """
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1
