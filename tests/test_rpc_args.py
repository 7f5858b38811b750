# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the RPC argument checks (no Odoo needed)."""

import datetime as dt
import doctest

import pytest
from conftest import load_tool

A = load_tool("rpc_args")
NOW = dt.datetime(2026, 3, 1, 12, 0, 0)


def test_doctests():
    failures, tests = doctest.testmod(A)
    assert tests > 15
    assert failures == 0


def refused(func, value, **kwargs):
    """The ArgumentError ``func(value, **kwargs)`` raises."""
    with pytest.raises(A.ArgumentError) as info:
        func(value, **kwargs)
    return info.value


# ---------------------------------------------------------------------------
# Ids
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 42, 2**31 - 1])
def test_record_id_accepts_positive_ints(value):
    assert A.record_id(value, name="team_id") == value


@pytest.mark.parametrize(
    "value",
    [
        "7",  # JSON gives ints: a numeric string is refused
        "abc",
        [7],
        [7, 8],
        {"id": 7},
        -1,
        0,
        7.0,
        7.5,
        True,  # bool is not an int here
        2**31,  # out of PostgreSQL's integer
        (7,),
        b"7",
    ],
)
def test_record_id_refuses_anything_else(value):
    error = refused(A.record_id, value, name="team_id")
    assert (error.code, error.argument, error.value) == ("id", "team_id", value)


def test_record_id_required_or_optional():
    for value in (None, False):
        assert refused(A.record_id, value, name="team_id").code == "required"
        assert A.record_id(value, name="user_id", required=False) is False
    assert A.record_id(5, name="user_id", required=False) == 5
    assert refused(A.record_id, "5", name="user_id", required=False).code == "id"
    # an empty string is not "no id": it is a string
    assert refused(A.record_id, "", name="user_id", required=False).code == "id"


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-02-28", dt.date(2026, 2, 28)),
        ("2024-02-29", dt.date(2024, 2, 29)),  # leap year
        ("2026-02-28 23:59:59", dt.datetime(2026, 2, 28, 23, 59, 59)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
        (dt.datetime(2026, 1, 1, 8, 0), dt.datetime(2026, 1, 1, 8, 0)),
    ],
)
def test_date_accepts(value, expected):
    result = A.date(value, name="date")
    assert result == expected
    assert type(result) is type(expected)


def test_date_with_a_time_zone_becomes_naive_utc():
    moscow = dt.timezone(dt.timedelta(hours=3))
    value = dt.datetime(2026, 1, 1, 12, 0, tzinfo=moscow)
    assert A.date(value) == dt.datetime(2026, 1, 1, 9, 0)


@pytest.mark.parametrize("value", [None, False, ""])
def test_date_missing(value):
    assert A.date(value, name="recycle_date") is None
    error = refused(A.date, value, name="recycle_date", required=True)
    assert (error.code, error.argument) == ("required", "recycle_date")


@pytest.mark.parametrize(
    "value, code",
    [
        ("2026-02-30", "date_invalid"),
        ("2025-02-29", "date_invalid"),  # not a leap year
        ("2026-13-01", "date_invalid"),
        ("0000-01-01", "date_invalid"),
        ("2026-01-01 24:00:00", "date_invalid"),
        ("2026-01-01 12:60:00", "date_invalid"),
        ("garbage", "date_format"),
        ("2026-1-1", "date_format"),
        ("01.02.2026", "date_format"),
        ("2026-01-01T10:00:00", "date_format"),
        ("2026-01-01 10:00", "date_format"),
        (" 2026-01-01", "date_format"),
        ("2026-01-01\n", "date_format"),
        (12, "date_type"),
        (12.5, "date_type"),
        (True, "date_type"),
        (["2026-01-01"], "date_type"),
        ({"date": "2026-01-01"}, "date_type"),
        (0, "date_type"),
    ],
)
def test_date_refused(value, code):
    error = refused(A.date, value, name="recycle_date")
    assert (error.code, error.argument, error.value) == (code, "recycle_date", value)


def test_date_not_after():
    limit = dt.datetime(2026, 3, 1, 12, 5)
    assert A.date("2026-03-01", not_after=limit) == dt.date(2026, 3, 1)
    assert A.date("2026-03-01 12:05:00", not_after=limit)
    error = refused(A.date, "2026-03-01 12:05:01", name="date", not_after=limit)
    assert (error.code, error.params["limit"]) == ("date_after", limit)
    assert refused(A.date, "2026-03-02", not_after=limit).code == "date_after"
    # a date limit: the whole day is allowed
    day = dt.date(2026, 3, 1)
    assert A.date("2026-03-01 23:59:59", not_after=day)
    assert refused(A.date, "2026-03-02 00:00:00", not_after=day).code == "date_after"


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2026-03-01 12:00:00", True),
        ("2026-03-01 12:04:59", True),  # a caller's clock a little fast
        ("2026-03-01 12:05:00", True),
        ("2026-03-01 12:05:01", False),
        ("2026-03-01", True),  # today: its midnight has passed
        ("2026-03-02", False),
        ("9999-12-31", False),  # would count at full value forever
        ("2020-01-01", True),
    ],
)
def test_past_date(value, ok):
    if ok:
        assert A.past_date(value, now=NOW, name="date")
    else:
        error = refused(A.past_date, value, now=NOW, name="date")
        assert error.code == "date_after"
        assert error.params["limit"] == NOW + A.CLOCK_SKEW


def test_past_date_default_is_none():
    assert A.past_date(None, now=NOW) is None


def test_past_date_is_naive_utc():
    assert A.past_date("2026-03-01", now=NOW) == dt.datetime(2026, 3, 1)
    aware = dt.datetime(2026, 3, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert A.past_date(aware, now=NOW, tz="Asia/Tokyo") == dt.datetime(2026, 3, 1, 11)


# 23:30 in UTC is already the next day in Moscow (UTC+3) and still the same
# day in New York (UTC-5): "today" is a day of the caller's calendar.
LATE = dt.datetime(2026, 12, 1, 23, 30)


@pytest.mark.parametrize(
    "tz, day, start",
    [
        ("Europe/Moscow", "2026-12-02", dt.datetime(2026, 12, 1, 21, 0)),
        ("Europe/Moscow", "2026-12-01", dt.datetime(2026, 11, 30, 21, 0)),
        ("America/New_York", "2026-12-01", dt.datetime(2026, 12, 1, 5, 0)),
        ("Pacific/Kiritimati", "2026-12-02", dt.datetime(2026, 12, 1, 10, 0)),
        ("UTC", "2026-12-01", dt.datetime(2026, 12, 1)),
        (None, "2026-12-01", dt.datetime(2026, 12, 1)),
        ("Not/AZone", "2026-12-01", dt.datetime(2026, 12, 1)),  # as UTC
    ],
)
def test_past_date_today_in_the_callers_zone(tz, day, start):
    assert A.past_date(day, now=LATE, tz=tz) == start


@pytest.mark.parametrize(
    "tz, day",
    [
        ("Europe/Moscow", "2026-12-03"),  # tomorrow in Moscow
        ("America/New_York", "2026-12-02"),  # tomorrow in New York
        ("UTC", "2026-12-02"),
        (None, "2026-12-02"),
    ],
)
def test_past_date_tomorrow_in_the_callers_zone(tz, day):
    error = refused(A.past_date, day, now=LATE, tz=tz)
    assert (error.code, error.params["limit"]) == ("date_after", LATE + A.CLOCK_SKEW)


def test_day_start_across_a_clock_change():
    # Berlin leaves summer time on 2026-10-25: the day starts at UTC+2
    assert A.day_start(dt.date(2026, 10, 25), "Europe/Berlin") == dt.datetime(
        2026, 10, 24, 22, 0
    )
    assert A.day_start(dt.date(2026, 10, 26), "Europe/Berlin") == dt.datetime(
        2026, 10, 25, 23, 0
    )


# ---------------------------------------------------------------------------
# Texts, codes and choices
# ---------------------------------------------------------------------------


def test_text():
    assert A.text("Contract ends in March", name="reason") == "Contract ends in March"
    assert A.text("x" * A.TEXT_MAX, name="note") == "x" * A.TEXT_MAX
    assert A.text("  ", name="note") == "  "  # optional: kept as given
    for value in (None, False, ""):
        assert A.text(value, name="note") is None
        assert refused(A.text, value, name="note", required=True).code == "required"
    assert refused(A.text, "   ", name="note", required=True).code == "required"


@pytest.mark.parametrize(
    "value, code",
    [
        (["a"], "text_type"),
        ({"a": 1}, "text_type"),
        (12, "text_type"),
        (True, "text_type"),
        (b"bytes", "text_type"),
        ("a\x00b", "text_nul"),
        ("x" * (A.TEXT_MAX + 1), "text_length"),
    ],
)
def test_text_refused(value, code):
    error = refused(A.text, value, name="comment")
    assert (error.code, error.argument) == (code, "comment")


def test_text_length_params():
    error = refused(A.text, "abcdef", name="reason", max_length=5)
    assert error.params == {"max_length": 5, "length": 6}


def test_code():
    assert A.code("price_list_request", name="code") == "price_list_request"
    assert A.code("x" * A.CODE_MAX) == "x" * A.CODE_MAX
    for value in (None, False, "", "  "):
        assert refused(A.code, value, name="code").code == "required"
    assert A.code(None, required=False) is None


@pytest.mark.parametrize(
    "value, code",
    [
        (["price_list_request"], "code_type"),
        (["a", "b"], "code_type"),
        (("a",), "code_type"),
        ({"code": "a"}, "code_type"),
        (5, "code_type"),
        (True, "code_type"),
        ("x" * (A.CODE_MAX + 1), "text_length"),
        ("a\x00", "text_nul"),
    ],
)
def test_code_refused(value, code):
    error = refused(A.code, value, name="code")
    assert (error.code, error.argument) == (code, "code")


@pytest.mark.parametrize("value", ["week", "", None, ["month"], {"month": 1}, 1])
def test_choice_refused(value):
    error = A.ArgumentError
    with pytest.raises(error) as info:
        A.choice(value, ("month", "quarter", "year"), name="period")
    assert info.value.code == "choice"
    assert info.value.argument == "period"
    assert info.value.params["choices"] == ("month", "quarter", "year")


def test_shown_is_short():
    assert A.shown("garbage") == "'garbage'"
    assert len(A.shown("x" * 5000)) == A.SHOWN_MAX
    assert A.shown({"a": 1}) == "{'a': 1}"


def test_error_carries_code_and_argument():
    error = A.ArgumentError("id", "team_id", "7")
    assert (error.code, error.argument, error.value, error.params) == (
        "id",
        "team_id",
        "7",
        {},
    )
    assert isinstance(error, Exception)
