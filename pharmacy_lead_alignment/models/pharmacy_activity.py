# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The add-on's automated activities, scheduled and closed in one batch.

``mail.activity.mixin.activity_schedule`` gives every record of a set the same
user, summary and note; the add-on's activities differ from record to record
(the lead's owner, its score, the breached policy, each reader of a map).
:func:`schedule_activities` builds, per activity, the values
``activity_schedule`` builds and creates them all in one ``create``.
:func:`automatic_activities` finds the open ones of given types in one
search, and :func:`close_activities` marks them done or cancels them
(``tools.activities`` says which, when a lead moves).
"""


def schedule_activities(
    activity_type, entries, summary="", note="", date_deadline=None, notify=False
):
    """Schedule an automated activity of ``activity_type`` per entry, in one
    ``create``, as superuser (the callers check who may trigger them).

    The values mirror ``activity_schedule`` of Odoo 18
    (``addons/mail/models/mail_activity_mixin.py``): nothing is scheduled when
    the context holds ``mail_activity_automation_skip``; ``automated`` is set;
    the summary and the note default to the type's; an entry's own values
    override the others, like its ``act_values``. Unlike it:

    * the deadline defaults to the type's delay, as the activity form and the
      scheduling wizard compute it (``mail.activity.type._get_date_deadline``;
      ``activity_schedule`` itself defaults to today);
    * an entry without a user gets no activity (rather than the type's
      default user or the current one).

    They are created, unless ``notify``, with ``mail_activity_quick_update``
    (no "assigned to you" message per activity: they show in the assignee's
    activity menu; a flag or a reading request is worth the message) and
    ``mail_activity_automation_skip`` (what their creation triggers schedules
    no further automated activity).

    :param activity_type: a ``mail.activity.type``; its environment is used
    :param entries: iterable of ``(record, user)`` or ``(record, user,
        values)``: the record the activity is on (of a model with
        ``mail.activity.mixin``), the ``res.users`` it is assigned to (empty:
        no activity) and a dict of ``mail.activity`` values for it alone
    :param str summary: by default the type's summary
    :param str note: by default the type's default note
    :param date date_deadline: by default the type's delay from today
    :param bool notify: send each assignee Odoo's "assigned to you" message
    :return: the created ``mail.activity`` records, as superuser
    """
    env = activity_type.env
    Activity = env["mail.activity"]
    if env.context.get("mail_activity_automation_skip"):
        return Activity
    if not date_deadline:
        date_deadline = activity_type._get_date_deadline()
    vals_list = []
    for record, user, *values in entries:
        if not user:
            continue
        vals_list.append(
            {
                "activity_type_id": activity_type.id,
                "summary": summary or activity_type.summary,
                "automated": True,
                "note": note or activity_type.default_note,
                "date_deadline": date_deadline,
                "res_model_id": env["ir.model"]._get_id(record._name),
                "res_id": record.id,
                "user_id": user.id,
                **(values[0] if values else {}),
            }
        )
    return (
        Activity.sudo()
        .with_context(
            mail_activity_quick_update=not notify, mail_activity_automation_skip=True
        )
        .create(vals_list)
    )


def automatic_activities(records, activity_types):
    """The open automated activities of ``activity_types`` on ``records``, in
    one search, as superuser (the callers decided they close).

    Like ``activity_search`` of Odoo's mixin, nothing is found when the
    context holds ``mail_activity_automation_skip``.

    :param records: records of a model with ``mail.activity.mixin``
    :param activity_types: ``mail.activity.type`` records
    :return: ``mail.activity`` records
    """
    env = records.env
    Activity = env["mail.activity"].sudo()
    if (
        not records.ids
        or not activity_types
        or env.context.get("mail_activity_automation_skip")
    ):
        return Activity
    return Activity.search(
        [
            ("res_model", "=", records._name),
            ("res_id", "in", records.ids),
            ("automated", "=", True),
            ("activity_type_id", "in", activity_types.ids),
        ]
    )


def close_activities(activities, done=False, feedback=False):
    """Close automated activities: ``done`` (Odoo's "Mark Done": a message
    on the record's chatter, with ``feedback``, by the current user), or
    cancelled (deleted: what they asked no longer applies).

    :param activities: ``mail.activity`` records (as superuser)
    :return: the number of activities closed
    """
    count = len(activities)
    if not activities:
        return 0
    if done:
        activities.action_feedback(feedback=feedback or False)
    else:
        activities.unlink()
    return count
