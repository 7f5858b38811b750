# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a button tells its user it did.

The desk's and sales' actions on leads return a ``display_notification``
client action that names the leads and the outcome, then reloads the view
(``soft_reload``) so that the form shows the new state; a wizard returns the
same notification with ``next`` closing it (:func:`in_wizard`; the view
behind it reloads when it closes). Integrations calling the methods over RPC
get the same dictionary, and may ignore it::

    names = lead_names(leads)  # before the move: sales may lose sight of them
    leads._pla_transition(...)
    return notification(leads.env, leads.env._("Done: %(leads)s", leads=names))
"""

from odoo import fields
from odoo.tools.misc import format_date, format_datetime, format_time

from ..tools.lifecycle import NURTURE_DROPPED, NURTURE_PAUSED, NURTURE_RUNNING

#: How many lead names a message lists before "and N more".
NAMES_SHOWN = 3

SOFT_RELOAD = {"type": "ir.actions.client", "tag": "soft_reload"}
CLOSE_WIZARD = {"type": "ir.actions.act_window_close"}


def notification(env, message, kind="success"):
    """A notification of ``message`` (``kind``: success, warning, info),
    then a reload of the current view."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": kind,
            "message": message,
            "sticky": False,
            "next": dict(SOFT_RELOAD),
        },
    }


def in_wizard(action):
    """``action`` (a notification of a lead method) as a wizard returns it:
    shown, then the wizard closes (what it returned otherwise)."""
    if isinstance(action, dict) and action.get("tag") == "display_notification":
        return {**action, "params": {**action["params"], "next": dict(CLOSE_WIZARD)}}
    return dict(CLOSE_WIZARD)


def lead_names(leads):
    """The leads' names for a message, quoted, the first few only, read with
    the user's rights: read them before moving the leads out of their sight."""
    env = leads.env
    quoted = [env._("“%(name)s”", name=name) for name in leads.mapped("display_name")]
    if len(quoted) <= NAMES_SHOWN:
        return ", ".join(quoted)
    return env._(
        "%(names)s and %(count)s more",
        names=", ".join(quoted[:NAMES_SHOWN]),
        count=len(quoted) - NAMES_SHOWN,
    )


def deadline_label(env, deadline):
    """A deadline (naive UTC) as the user reads it: the time alone when it
    falls today in their time zone, else the date and the time."""
    tz = env.context.get("tz") or env.user.tz or "UTC"
    record = env["res.users"].with_context(tz=tz)
    local = fields.Datetime.context_timestamp(record, deadline)
    today = fields.Datetime.context_timestamp(record, fields.Datetime.now()).date()
    if local.date() == today:
        return format_time(env, deadline, tz=tz, time_format="short")
    return format_datetime(env, deadline, tz=tz, dt_format="short")


def date_label(env, day):
    """A date in the user's language."""
    return format_date(env, day)


def nurture_notification(leads, action):
    """What a nurture button (``enrol``, ``pause``, ``resume``, ``remove``) did
    to ``leads``, read from their nurture afterwards: the leads it changed, or
    a warning when it changed none."""
    env = leads.env
    states = {
        "enrol": NURTURE_RUNNING,
        "pause": NURTURE_PAUSED,
        "resume": NURTURE_RUNNING,
        "remove": NURTURE_DROPPED,
    }
    done = leads.filtered(lambda lead: lead.nurture_state == states[action])
    if not done:
        names = lead_names(leads)
        if action == "pause":
            message = env._("No running nurture to pause: %(leads)s.", leads=names)
        elif action == "resume":
            message = env._("No paused nurture to resume: %(leads)s.", leads=names)
        else:
            message = env._("Not in a nurture track: %(leads)s.", leads=names)
        return notification(env, message, kind="warning")
    names = lead_names(done)
    next_dates = [day for day in done.mapped("nurture_next_date") if day]
    when = date_label(env, min(next_dates)) if next_dates else ""
    tracks = done.nurture_track_id
    if action == "enrol" and len(tracks) == 1 and when:
        message = env._(
            "Enrolled in “%(track)s”: %(leads)s — first step on %(date)s.",
            track=tracks.display_name,
            leads=names,
            date=when,
        )
    elif action == "enrol":
        message = env._("Enrolled in their nurture tracks: %(leads)s.", leads=names)
    elif action == "pause":
        message = env._("Nurture paused: %(leads)s.", leads=names)
    elif action == "resume" and when:
        message = env._(
            "Nurture resumed: %(leads)s — next step on %(date)s.",
            leads=names,
            date=when,
        )
    elif action == "resume":
        message = env._("Nurture resumed: %(leads)s.", leads=names)
    else:
        message = env._("Removed from the nurture track: %(leads)s.", leads=names)
    return notification(env, message)
