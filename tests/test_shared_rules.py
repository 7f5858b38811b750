# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rules that several models share, each defined once in tools/: the
feedback settings, the period of a figure, a missing RPC argument, the two
sides of the alignment."""

import datetime

import pytest
from conftest import load_tool

feedback = load_tool("feedback")
kpi = load_tool("kpi")
lifecycle = load_tool("lifecycle")
rpc_args = load_tool("rpc_args")


@pytest.mark.parametrize(
    ("min_sample", "max_step"),
    [(1, 0), (20, 10), (feedback.DEFAULT_MIN_SAMPLE, feedback.POINTS_MAX)],
)
def test_feedback_settings_accepted(min_sample, max_step):
    assert feedback.check_settings(min_sample, max_step) is None


@pytest.mark.parametrize(
    ("min_sample", "max_step", "code"),
    [
        (0, 10, "min_sample"),
        (-5, 10, "min_sample"),
        (0, -1, "min_sample"),  # the first refusal is named
        (20, -1, "max_step"),
        (20, feedback.POINTS_MAX + 1, "max_step"),
    ],
)
def test_feedback_settings_refused(min_sample, max_step, code):
    with pytest.raises(feedback.FeedbackError) as caught:
        feedback.check_settings(min_sample, max_step)
    assert caught.value.code == code


def test_period_domain_holds_its_start_not_its_end():
    start = datetime.datetime(2026, 3, 1)
    end = datetime.datetime(2026, 4, 1)
    domain = kpi.period_domain(start, end, iter([3, 1]))
    assert domain == [
        ("date", ">=", start),
        ("date", "<", end),
        ("company_id", "in", [3, 1]),
    ]


@pytest.mark.parametrize(
    "check",
    [
        lambda value, required: rpc_args.text(value, name="x", required=required),
        lambda value, required: rpc_args.code(value, name="x", required=required),
        lambda value, required: rpc_args.date(value, name="x", required=required),
    ],
    ids=["text", "code", "date"],
)
@pytest.mark.parametrize("value", [None, False, ""])
def test_missing_argument_is_none_or_required(check, value):
    assert check(value, False) is None
    with pytest.raises(rpc_args.ArgumentError) as caught:
        check(value, True)
    assert (caught.value.code, caught.value.argument) == ("required", "x")


def test_an_origin_is_a_side():
    assert lifecycle.ORIGIN_SELECTION == lifecycle.SIDE_SELECTION
    assert (lifecycle.ORIGIN_MARKETING, lifecycle.ORIGIN_SALES) == (
        lifecycle.SIDE_MARKETING,
        lifecycle.SIDE_SALES,
    )


def test_temperature_defaults_are_in_order():
    assert 0 < lifecycle.DEFAULT_WARM_FROM < lifecycle.DEFAULT_HOT_FROM
