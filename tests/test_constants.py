# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One source of truth: every key and name is defined once, in tools/, and
the other tools modules (and the SQL of the addon) take it from there."""

import ast
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import TOOLS, load_tool

ADDON = TOOLS.parent
lifecycle = load_tool("lifecycle")
scoring = load_tool("scoring")
funnel = load_tool("funnel")
feedback = load_tool("feedback")
process_map = load_tool("process_map")
sla = load_tool("sla")
groups = load_tool("groups")


def _keys(selection):
    return [key for key, _label in selection]


def _literals(path):
    """The string constants of a module, docstrings (and so doctests) left
    out."""
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
            ):
                docstrings.add(id(body[0].value))
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


# keys, the tools module that defines them, and the other modules whose own
# key of the same value is another thing (documented here)
OWNED = [
    (
        set(lifecycle.STATES),
        "lifecycle",
        # a verdict; the keys of funnel.roi_row's figures (dashboard JSON)
        {"feedback": {feedback.VERDICT_LOST}, "funnel": {"accepted", "won"}},
    ),
    (set(_keys(lifecycle.SEGMENT_SELECTION)), "lifecycle", {}),
    ({sla.KIND_RESPONSE, sla.KIND_CONTACT, sla.KIND_VOLUME}, "sla", {}),
    (set(scoring.GRADE_ORDER), "scoring", {}),
    (
        {groups.GROUP_DESK, groups.GROUP_MANAGER, groups.GROUP_SALESMAN},
        "groups",
        {},
    ),
]


@pytest.mark.parametrize("path", sorted(TOOLS.glob("*.py")), ids=lambda path: path.name)
def test_tools_modules_import_the_keys_they_do_not_own(path):
    found = _literals(path)
    for keys, owner, allowed in OWNED:
        if path.stem == owner:
            continue
        assert not (found & keys) - allowed.get(path.stem, set()), (path, owner)


#: Keys only this addon uses (stock CRM has its own 'won', 'lost',
#: 'opportunity'), which the SQL and the string domains must not retype.
OWN_STATES = ("inquiry", "nurturing", "mql", "handed_off", "accepted", "disqualified")


def _production_files():
    for folder in ("models", "report", "wizard"):
        for path in sorted((ADDON / folder).glob("*.py")):
            if not path.name.startswith("pharmacy_demo_story"):  # demo, not rules
                yield path


@pytest.mark.parametrize("path", list(_production_files()), ids=lambda path: path.name)
def test_production_code_does_not_retype_keys(path):
    source = path.read_text()
    for state in OWN_STATES:
        assert f"'{state}'" not in source, (path, state)  # SQL, string domains
    for kind in (sla.KIND_RESPONSE, sla.KIND_CONTACT, sla.KIND_VOLUME):
        assert f"'{kind}'" not in source and f'"{kind}"' not in source, (path, kind)
    for xmlid in (groups.GROUP_DESK, groups.GROUP_MANAGER, groups.GROUP_SALESMAN):
        assert xmlid not in source, (path, xmlid)


def test_groups_name_the_groups_of_the_security_files():
    ids = set()
    for path in (ADDON / "security").glob("*.xml"):
        for record in ET.parse(path).iter("record"):
            if record.get("model") == "res.groups":
                ids.add(f"pharmacy_lead_alignment.{record.get('id')}")
    assert {groups.GROUP_DESK, groups.GROUP_MANAGER} <= ids
    # sales' groups are Odoo's own
    for xmlid in (groups.GROUP_SALESMAN, groups.GROUP_SALES_MANAGER):
        assert re.fullmatch(r"sales_team\.group_sale_\w+", xmlid)


def test_funnel_stages_are_the_waterfall_of_the_lifecycle():
    waterfall = ("inquiry", "mql", "handed_off", "accepted", "opportunity", "won")
    assert funnel.STAGES == waterfall
    assert set(funnel.STAGES) <= set(lifecycle.STATES)
    # every state is a stage, at a stage's level, or an exit
    exits = {lifecycle.LOST, lifecycle.DISQUALIFIED}
    assert set(funnel.RANKS) | exits == set(lifecycle.STATES)
    assert not set(funnel.RANKS) & exits
    assert sorted(set(funnel.RANKS.values())) == list(range(len(funnel.STAGES)))
    assert funnel.rank(lifecycle.NURTURING) == funnel.rank(lifecycle.INQUIRY)


def test_roi_dimensions():
    assert funnel.DIMENSIONS == ("campaign", "source", "medium")
    assert funnel.DIMENSION_CAMPAIGN == funnel.DIMENSIONS[0]
    assert dict(funnel.DIMENSION_SELECTION)["medium"] == "Medium"


def test_process_map_policies_use_the_sla_kinds_and_the_states():
    assert set(process_map.POLICY_STATES) == set(_keys(sla.KIND_SELECTION))
    for states in process_map.POLICY_STATES.values():
        assert set(states) <= set(lifecycle.STATES)
    assert _keys(process_map.STATE_SELECTION) == ["draft", "published", "archived"]
    assert _keys(process_map.ACK_STATE_SELECTION) == ["pending", "done"]


def test_feedback_takes_rates_and_points_from_one_place():
    assert feedback.rate is funnel.rate
    assert (feedback.POINTS_MIN, feedback.POINTS_MAX) == (
        scoring.POINTS_MIN,
        scoring.POINTS_MAX,
    )
    assert feedback.PERIOD_FROM_KEY != feedback.PERIOD_TO_KEY
    assert feedback.DEFAULT_PERIOD_DAYS == 90


def test_scoring_rule_keys():
    assert _keys(scoring.CATEGORY_SELECTION) == ["fit", "engagement"]
    assert _keys(scoring.TRIGGER_SELECTION) == [
        "activity_done",
        "inbound_email",
        "custom",
    ]


def test_lifecycle_selections():
    assert _keys(lifecycle.SIDE_SELECTION) == ["marketing", "sales"]
    assert set(lifecycle.PRESCRIPTION_SEGMENTS) < set(
        _keys(lifecycle.SEGMENT_SELECTION)
    )
    assert _keys(lifecycle.RUN_RESULT_SELECTION) == ["done", "skipped", "failed"]
    assert _keys(lifecycle.CONSENT_KIND_SELECTION) == ["processing", "marketing"]
    assert set(lifecycle.QUALIFY_FROM) <= set(lifecycle.GATED_STATES)


@pytest.mark.parametrize("score", [-10, 0, 24, 25, 39, 40, 100])
def test_temperature_is_a_key_of_its_selection(score):
    assert lifecycle.temperature(score, 25, 40) in _keys(
        lifecycle.TEMPERATURE_SELECTION
    )


def test_scoring_qualifies_from_the_lifecycle_states():
    for state in lifecycle.QUALIFY_FROM:
        assert scoring.mql_move(state, 60, "a", 50, "c") == lifecycle.MQL
    assert (
        scoring.mql_move(lifecycle.MQL, 40, "a", 50, "c", previous_score=60)
        == lifecycle.NURTURING
    )
