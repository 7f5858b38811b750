# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain pytest of the field-path walk of lead filters (no Odoo needed)."""

import doctest

import pytest
from conftest import load_tool

D = load_tool("domain_paths")
F = D.FieldInfo

#: A small model graph, the way the ORM would describe it.
FIELDS = {
    ("crm.lead", "id"): F("integer", None, True, True),
    ("crm.lead", "name"): F("char", None, True, True),
    ("crm.lead", "pharmacy_segment"): F("selection", None, True, True),
    ("crm.lead", "temperature"): F("selection", None, False, True),
    ("crm.lead", "lead_score"): F("integer", None, True, True),
    ("crm.lead", "score_reason_data"): F("char", None, True, True),
    ("crm.lead", "tag_ids"): F("many2many", "crm.tag", True, True),
    ("crm.lead", "partner_id"): F("many2one", "res.partner", True, True),
    ("crm.lead", "user_id"): F("many2one", "res.users", True, True),
    ("crm.lead", "team_id"): F("many2one", "crm.team", True, True),
    ("crm.lead", "lead_properties"): F("properties", None, True, True),
    ("crm.lead", "secret_note"): F("char", None, True, False),
    ("crm.team", "alignment_role"): F("selection", None, True, True),
    ("crm.tag", "name"): F("char", None, True, True),
    ("res.partner", "country_id"): F("many2one", "res.country", True, True),
    ("res.partner", "opportunity_ids"): F("one2many", "crm.lead", True, True),
    ("res.partner", "user_ids"): F("one2many", "res.users", True, True),
    ("res.partner", "opportunity_count"): F("integer", None, False, True),
    ("res.country", "code"): F("char", None, True, True),
    ("res.users", "login"): F("char", None, True, True),
    ("res.users", "password"): F("char", None, False, True),
    ("res.users", "partner_id"): F("many2one", "res.partner", True, True),
}
SCORES = frozenset({"lead_score", "fit_score"})


def describe(model, name):
    return FIELDS.get((model, name))


def check(domain, **options):
    options.setdefault("forbidden", SCORES)
    options.setdefault("forbidden_prefixes", ("score_",))
    return D.check_domain(domain, "crm.lead", describe, **options)


def refused(domain, **options):
    with pytest.raises(D.DomainPathError) as info:
        check(domain, **options)
    return info.value


def test_doctests():
    failures, tests = doctest.testmod(D)
    assert tests > 5
    assert failures == 0


@pytest.mark.parametrize(
    "domain, paths",
    [
        ([], set()),
        ([("pharmacy_segment", "=", "clinic")], {"pharmacy_segment"}),
        (
            ["|", ("name", "ilike", "x"), ("tag_ids", "in", [1])],
            {"name", "tag_ids"},
        ),
        ([("partner_id.country_id.code", "=", "RU")], {"partner_id.country_id.code"}),
        ([("team_id.alignment_role", "=", "sales")], {"team_id.alignment_role"}),
        ([("user_id", "=", 2)], {"user_id"}),  # the lead's own field
        ([(1, "=", 1), "!", ("id", "in", [])], {"id"}),
        ([("lead_properties.tier", "=", "gold")], {"lead_properties.tier"}),
        (
            [("partner_id", "any", [("country_id.code", "=", "RU")])],
            {"partner_id", "partner_id.country_id.code"},
        ),
        ([["partner_id.country_id", "!=", False]], {"partner_id.country_id"}),
    ],
)
def test_allowed(domain, paths):
    assert check(domain) == paths


@pytest.mark.parametrize(
    "domain, code, path, model, field",
    [
        ([("temperature", "=", "hot")], "not_stored", "temperature", "crm.lead", None),
        (
            [("partner_id.opportunity_count", ">", 1)],
            "not_stored",
            "partner_id.opportunity_count",
            "res.partner",
            "opportunity_count",
        ),
        (
            [("user_id.password", "=", "x")],
            "sensitive",
            "user_id.password",
            "res.users",
            "password",
        ),
        (
            [("user_id.login", "=", "admin")],
            "sensitive",
            "user_id.login",
            "res.users",
            "login",
        ),
        (
            [("partner_id.user_ids.login", "=", "admin")],
            "sensitive",
            "partner_id.user_ids.login",
            "res.users",
            "login",
        ),
        (
            [("user_id.partner_id.country_id", "=", 1)],
            "sensitive",
            "user_id.partner_id.country_id",
            "res.users",
            "partner_id",
        ),
        ([("lead_score", ">", 10)], "forbidden", "lead_score", "crm.lead", None),
        (
            [("partner_id.opportunity_ids.lead_score", ">", 10)],
            "forbidden",
            "partner_id.opportunity_ids.lead_score",
            "crm.lead",
            "lead_score",
        ),
        (
            [("score_reason_data", "!=", False)],
            "forbidden",
            "score_reason_data",
            "crm.lead",
            None,
        ),
        ([("secret_note", "=", "x")], "restricted", "secret_note", "crm.lead", None),
        ([("no_such", "=", 1)], "unknown", "no_such", "crm.lead", None),
        ([("name.length", "=", 1)], "unknown", "name.length", "crm.lead", "length"),
        (
            [("partner_id", "any", [("opportunity_ids.temperature", "=", "hot")])],
            "not_stored",
            "partner_id.opportunity_ids.temperature",
            "crm.lead",
            "temperature",
        ),
        (
            [("partner_id", "not any", [("user_ids", "any", [("login", "=", "a")])])],
            "sensitive",
            "partner_id.user_ids.login",
            "res.users",
            "login",
        ),
        (
            ["&", ("name", "=", "x"), ("temperature", "=", "hot")],
            "not_stored",
            "temperature",
            "crm.lead",
            None,
        ),
        ([("name", "any", [("x", "=", 1)])], "unknown", "name", "crm.lead", None),
    ],
)
def test_refused(domain, code, path, model, field):
    error = refused(domain)
    assert (error.code, error.path, error.model) == (code, path, model)
    assert error.field == (field or path)


def test_score_fields_only_when_asked():
    assert check([("lead_score", ">", 1)], forbidden=frozenset()) == {"lead_score"}
    assert check([("score_reason_data", "=", "x")], forbidden_prefixes=()) == {
        "score_reason_data"
    }


def test_sensitive_models_can_be_chosen():
    assert check([("user_id.login", "=", "a")], sensitive_models=()) == {
        "user_id.login"
    }


def test_sensitive_sub_models():
    assert D.is_sensitive_model("res.users")
    assert D.is_sensitive_model("res.users.apikeys")
    assert not D.is_sensitive_model("res.users_extra")
    assert not D.is_sensitive_model("res.partner")


@pytest.mark.parametrize(
    "spec, allowed",
    [
        ("", True),
        (None, True),
        ("base.group_user", True),
        ("base.group_system", False),
        ("base.group_system,base.group_user", True),
        ("base.group_user,!sales_team.group_sale_salesman", False),
        ("!base.group_portal", True),
        ("base.group_no_one", False),
        (".", False),
    ],
)
def test_groups_allow(spec, allowed):
    held = {"base.group_user", "sales_team.group_sale_salesman"}
    assert D.groups_allow(spec, held.__contains__) is allowed
