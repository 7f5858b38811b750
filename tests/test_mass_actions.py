# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the background actions' rules (no Odoo needed)."""

import doctest

import pytest
from conftest import load_tool

M = load_tool("mass_actions")


def test_doctests():
    failures, tests = doctest.testmod(M)
    assert tests >= 6
    assert failures == 0


@pytest.mark.parametrize(
    "count, limit, queued",
    [
        (0, None, False),
        (M.SYNC_LIMIT, None, False),
        (M.SYNC_LIMIT + 1, None, True),
        (3, 2, True),
        (2, 2, False),
    ],
)
def test_should_queue(count, limit, queued):
    assert M.should_queue(count, limit) is queued


def test_a_batch_never_queues_again():
    """The scheduled action calls the method on at most a batch of leads:
    the batch must fit in a request, or the method would queue itself."""
    assert not M.should_queue(M.BATCH)


@pytest.mark.parametrize(
    "pending, failed, state",
    [(0, 0, M.DONE), (0, 1, M.FAILED), (5, 0, M.QUEUED), (5, 3, M.QUEUED)],
)
def test_final_state(pending, failed, state):
    assert M.final_state(pending=pending, failed=failed) == state


def test_failures_listed_then_counted():
    listed, more = M.add_failures([], 0, [("A", "x"), ("B", "y")], limit=3)
    assert (listed, more) == ([["A", "x"], ["B", "y"]], 0)
    listed, more = M.add_failures(listed, more, [("C", "z"), ("D", "w")], limit=3)
    assert (listed, more) == ([["A", "x"], ["B", "y"], ["C", "z"]], 1)
    again, _more = M.add_failures(listed, more, [], limit=3)
    assert again == listed and again is not listed, "a new list, the old one kept"


def test_every_state_and_method_is_named():
    assert {state for state, _label in M.STATE_SELECTION} == {
        M.QUEUED,
        M.DONE,
        M.FAILED,
        M.CANCELLED,
    }
    assert len(M.METHODS) == len(M.METHOD_SELECTION)
    assert all(label for _method, label in M.METHOD_SELECTION)
