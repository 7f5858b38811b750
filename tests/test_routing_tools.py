# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the routing choice of a salesperson (no Odoo needed)."""

import doctest

import pytest
from conftest import load_tool

R = load_tool("routing")
Load = R.MemberLoad


def test_doctests():
    failures, tests = doctest.testmod(R)
    assert tests >= 4
    assert failures == 0


def test_the_least_loaded_member_with_capacity_left():
    loads = [Load(1, 10, 30), Load(2, 4, 30), Load(3, 4, 5), Load(4, 0, 0)]
    assert R.pick_member(loads) == 2  # 4 assigned, 26 left (3 has only 1 left)


def test_full_members_are_left_out():
    assert R.pick_member([Load(1, 30, 30), Load(2, 31, 30)]) is None
    assert R.pick_member([Load(1, 30, 30), Load(2, 29, 30)]) == 2


def test_ties_go_to_the_oldest_membership():
    assert R.pick_member([Load(9, 2, 30), Load(3, 2, 30), Load(5, 2, 30)]) == 3


def test_no_member_no_choice():
    assert R.pick_member([]) is None


@pytest.mark.parametrize(
    ("domain", "routes"),
    [(None, False), ([], False), ((), False), ([("x", "=", 1)], True)],
)
def test_an_empty_rule_routes_nothing(domain, routes):
    assert R.is_routing_rule(domain) is routes


def test_the_window_is_odoos_month():
    assert R.ASSIGNMENT_WINDOW_DAYS == 30
