# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The arguments of the addon's public (RPC) methods, checked as plain data.

Integrations call ``crm.lead.handoff_to``, ``action_log_engagement``… over
JSON-RPC, where anything may come in place of an id, a date or a text. These
functions accept only what each argument is documented to take and raise an
:class:`ArgumentError` naming the argument otherwise; the models translate
its ``code`` into a message (``models/pharmacy_rpc_args.py``). Nothing here
touches the ORM.

JSON gives integers for ids, so a numeric string is not an id; a boolean is
not an integer either.

>>> record_id(7, name="team_id")
7
>>> record_id(False, name="user_id", required=False)
False
>>> date("2026-02-28", name="recycle_date")
datetime.date(2026, 2, 28)
>>> date("2026-02-28 09:30:00", name="date")
datetime.datetime(2026, 2, 28, 9, 30)
>>> try:
...     date("2026-02-30", name="recycle_date")
... except ArgumentError as error:
...     print(error.code, error.argument)
date_invalid recycle_date
>>> code(" price_list_request ", name="code")
' price_list_request '
"""

import datetime as dt
import re
import zoneinfo

#: Longest free text (reason, note, comment) a method takes.
TEXT_MAX = 1000
#: Longest code (engagement signal…) a method takes.
CODE_MAX = 64
#: Largest record id: PostgreSQL's ``integer``.
ID_MAX = 2**31 - 1
#: How far ahead of the server's clock an event date may be ("now" on the
#: caller's side, a clock a little fast).
CLOCK_SKEW = dt.timedelta(minutes=5)
#: Longest value shown back in a message.
SHOWN_MAX = 40

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class ArgumentError(Exception):
    """A refused argument.

    ``code`` tells the caller which message to show, ``argument`` is the
    name of the argument, ``value`` what was sent and ``params`` what the
    message may need besides (``max_length``, ``length``, ``limit``,
    ``choices``).
    """

    def __init__(self, code, argument, value=None, **params):
        super().__init__(code, argument, value)
        self.code = code
        self.argument = argument
        self.value = value
        self.params = params


def shown(value, limit=SHOWN_MAX):
    """``value`` as a caller would recognise it in a message, shortened.

    >>> shown("garbage"), shown([1, 2]), shown("x" * 50)[-3:]
    ("'garbage'", '[1, 2]', 'xx…')
    """
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def missing(value):
    """Whether ``value`` stands for "no value" in a call: ``None``,
    ``False`` or an empty string (``0`` and ``[]`` are values).

    >>> missing(None), missing(False), missing(""), missing(0), missing([])
    (True, True, True, False, False)
    """
    return value is None or value is False or (isinstance(value, str) and not value)


def _absent(value, name, required):
    """Whether ``value`` is :func:`missing` and may be.

    :raise ArgumentError: ``required`` (missing while required)

    >>> _absent("", "note", required=False), _absent("x", "note", required=True)
    (True, False)
    """
    if not missing(value):
        return False
    if required:
        raise ArgumentError("required", name, value)
    return True


# ---------------------------------------------------------------------------
# Ids
# ---------------------------------------------------------------------------


def record_id(value, *, name="id", required=True):
    """The id of one record: an ``int`` from 1 to :data:`ID_MAX`.

    :param required: when false, ``None`` and ``False`` give ``False``
    :raise ArgumentError: ``required`` (missing while required) or ``id``
        (anything else that is not such an int: strings, floats, booleans,
        lists, dicts, 0, negative numbers…)

    >>> try:
    ...     record_id("7", name="team_id")
    ... except ArgumentError as error:
    ...     print(error.code, error.argument)
    id team_id
    >>> try:
    ...     record_id(True, name="team_id")
    ... except ArgumentError as error:
    ...     print(error.code)
    id
    """
    if value is None or value is False:
        if required:
            raise ArgumentError("required", name, value)
        return False
    if isinstance(value, bool) or not isinstance(value, int):
        raise ArgumentError("id", name, value)
    if not 0 < value <= ID_MAX:
        raise ArgumentError("id", name, value)
    return value


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def _is_after(value, limit):
    """Whether the date or datetime ``value`` comes after ``limit`` (a date
    or a datetime); a date stands for its midnight.

    >>> _is_after(dt.date(2026, 1, 2), dt.datetime(2026, 1, 1, 23, 0))
    True
    >>> _is_after(dt.datetime(2026, 1, 1, 23, 0), dt.date(2026, 1, 1))
    False
    """
    value_has_time = isinstance(value, dt.datetime)
    limit_has_time = isinstance(limit, dt.datetime)
    if value_has_time == limit_has_time:
        return value > limit
    if limit_has_time:
        return dt.datetime.combine(value, dt.time.min) > limit
    return value.date() > limit


def date(value, *, name="date", not_after=None, required=False):
    """A date, or a date and time, as the ORM stores them (naive UTC).

    Takes a ``datetime.date``, a ``datetime.datetime`` (one with a time zone
    is turned into naive UTC) or an ISO string ``YYYY-MM-DD`` (gives a date)
    or ``YYYY-MM-DD HH:MM:SS`` (gives a datetime).

    :param not_after: a date or datetime the value may not come after
    :param required: when false, ``None``, ``False`` and ``""`` give ``None``
    :raise ArgumentError: ``required``, ``date_type`` (neither a date nor a
        string), ``date_format`` (a string of another shape),
        ``date_invalid`` (no such day or time, e.g. 2026-02-30) or
        ``date_after`` (after ``not_after``, given as ``limit``)

    >>> date(dt.date(2026, 3, 1), not_after=dt.date(2026, 3, 1))
    datetime.date(2026, 3, 1)
    >>> for bad in ("garbage", 12, ["2026-01-01"], "2026-13-01"):
    ...     try:
    ...         date(bad)
    ...     except ArgumentError as error:
    ...         print(error.code)
    date_format
    date_type
    date_type
    date_invalid
    """
    if _absent(value, name, required):
        return None
    if isinstance(value, dt.datetime):
        result = value
        if value.tzinfo is not None:
            result = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    elif isinstance(value, dt.date):
        result = value
    elif isinstance(value, str):
        if DATE_RE.fullmatch(value):
            fmt = DATE_FORMAT
        elif DATETIME_RE.fullmatch(value):
            fmt = DATETIME_FORMAT
        else:
            raise ArgumentError("date_format", name, value)
        try:
            result = dt.datetime.strptime(value, fmt)
        except ValueError as error:
            raise ArgumentError("date_invalid", name, value) from error
        if fmt == DATE_FORMAT:
            result = result.date()
    else:
        raise ArgumentError("date_type", name, value)
    if not_after is not None and _is_after(result, not_after):
        raise ArgumentError("date_after", name, value, limit=not_after)
    return result


def day_start(day, tz_name=None):
    """The moment ``day`` starts in the time zone ``tz_name`` (an IANA
    name, UTC when empty or unknown), as the ORM stores it: naive UTC.

    A bare date from a person is a day of their calendar, not of UTC's.

    >>> day_start(dt.date(2026, 12, 2), "Europe/Moscow")
    datetime.datetime(2026, 12, 1, 21, 0)
    >>> day_start(dt.date(2026, 12, 2))
    datetime.datetime(2026, 12, 2, 0, 0)
    """
    start = dt.datetime.combine(day, dt.time.min)
    try:
        zone = zoneinfo.ZoneInfo(tz_name) if tz_name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None:
        return start
    return start.replace(tzinfo=zone).astimezone(dt.timezone.utc).replace(tzinfo=None)


def past_date(value, *, now, name="date", skew=CLOCK_SKEW, required=False, tz=None):
    """:func:`date` of something that has happened, as a naive UTC datetime:
    not after ``now`` plus ``skew`` (the caller's clock may be a little
    ahead). A bare date is a day of the caller's time zone ``tz`` and stands
    for the moment it starts there (:func:`day_start`), so "today" is in the
    past wherever the caller is, even while it is still yesterday in UTC.

    >>> now = dt.datetime(2026, 3, 1, 12, 0)
    >>> past_date("2026-03-01 12:04:00", now=now)
    datetime.datetime(2026, 3, 1, 12, 4)
    >>> past_date("2026-03-02", now=dt.datetime(2026, 3, 1, 23, 0), tz="Asia/Tokyo")
    datetime.datetime(2026, 3, 1, 15, 0)
    >>> try:
    ...     past_date("9999-12-31", now=now)
    ... except ArgumentError as error:
    ...     print(error.code, error.params["limit"])
    date_after 2026-03-01 12:05:00
    """
    result = date(value, name=name, required=required)
    if result is None:
        return None
    if not isinstance(result, dt.datetime):
        result = day_start(result, tz)
    limit = now + skew
    if result > limit:
        raise ArgumentError("date_after", name, value, limit=limit)
    return result


# ---------------------------------------------------------------------------
# Texts and codes
# ---------------------------------------------------------------------------


def text(value, *, name="text", max_length=TEXT_MAX, required=False):
    """A free text (reason, note, comment) of at most ``max_length``
    characters.

    :param required: when false, ``None``, ``False`` and ``""`` give
        ``None``; when true, a text of blanks is missing too
    :raise ArgumentError: ``required``, ``text_type`` (not a string),
        ``text_nul`` (holds a NUL character, which PostgreSQL refuses) or
        ``text_length`` (longer than ``max_length``, given with ``length``)

    >>> text("Contract ends in March", name="reason")
    'Contract ends in March'
    >>> text(None, name="note") is None
    True
    >>> try:
    ...     text("x" * 1001, name="note")
    ... except ArgumentError as error:
    ...     print(error.code, error.params)
    text_length {'max_length': 1000, 'length': 1001}
    """
    if _absent(value, name, required):
        return None
    if not isinstance(value, str):
        raise ArgumentError("text_type", name, value)
    if required and not value.strip():
        raise ArgumentError("required", name, value)
    if "\x00" in value:
        raise ArgumentError("text_nul", name, value)
    if len(value) > max_length:
        raise ArgumentError(
            "text_length", name, value, max_length=max_length, length=len(value)
        )
    return value


def code(value, *, name="code", max_length=CODE_MAX, required=True):
    """One code (of an engagement signal…): a string, never a list of them.

    :raise ArgumentError: ``code_type`` (a list or anything but a string),
        ``required`` (missing or blank while required), ``text_nul`` or
        ``text_length``

    >>> try:
    ...     code(["a", "b"])
    ... except ArgumentError as error:
    ...     print(error.code, error.argument)
    code_type code
    """
    if _absent(value, name, required):
        return None
    if not isinstance(value, str):
        raise ArgumentError("code_type", name, value)
    return text(value, name=name, max_length=max_length, required=required)


def choice(value, choices, *, name="value"):
    """One of ``choices`` (strings), e.g. a period key.

    :raise ArgumentError: ``choice`` (with ``choices``)

    >>> choice("month", ("month", "year"), name="period")
    'month'
    >>> try:
    ...     choice(["month"], ("month", "year"), name="period")
    ... except ArgumentError as error:
    ...     print(error.code, error.params["choices"])
    choice ('month', 'year')
    """
    if not isinstance(value, str) or value not in choices:
        raise ArgumentError("choice", name, value, choices=tuple(choices))
    return value
