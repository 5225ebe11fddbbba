"""No input gives a 500 (issue 10 §6): hostile bodies, paths and query strings over the JSON API
and every public page get a 4xx (or a 2xx/3xx), never a server error."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.routing.converters import NumberConverter

from pb.authz import access_of

from tests.voting.conftest import build_world

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "9" * 5000, str(2 ** 64), str(10 ** 30), "-1", "--5", "²", "٣", "%00", "..",
                     "0209", " 209", "1e309", "NaN", "null", "[]", "{}", "é" * 300]),
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70), st.floats(allow_nan=False),
              HOSTILE_TEXT),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(HOSTILE_TEXT, children, max_size=5),
    max_leaves=20,
)
BALLOT_BODIES = st.one_of(
    JSON_VALUES,
    st.fixed_dictionaries({"token": HOSTILE_TEXT}, optional={"choices": JSON_VALUES, "grades": JSON_VALUES,
                                                              "points": JSON_VALUES, "code": JSON_VALUES}),
)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@pytest.fixture
def world(session, make):  # type: ignore[no-untyped-def]
    return build_world(session, make, ballot_type="cumulative", aggregation_rule="greedy")


def _ok(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("body", [
    {"choices": ["--5"]}, {"choices": ["²"]}, {"choices": ["9" * 5000]}, {"choices": [10 ** 30]},
    {"points": {"--5": 1}}, {"points": {"1": "--5"}}, {"points": {"209": 1, "0209": 2}}, {"choices": ["\x00"]},
    {"token": "a\x00b", "choices": [1]}, {"code": "AAAA\x00BBBB-CCCC", "choices": [1]},
])
def test_named_hostile_ballots_are_refused_with_a_4xx(client, world, body) -> None:
    body = {"token": world.tokens[0].token, **body}
    _ok(client.post(f"/api/v1/editions/{world.slug}/ballots", json=body))


def test_a_json_body_nested_30000_deep_is_a_4xx(client, world) -> None:
    deep = '{"token": "x", "choices": ' + "[" * 30000 + "]" * 30000 + "}"
    for path in (f"/api/v1/editions/{world.slug}/ballots", f"/api/v1/editions/{world.id if hasattr(world, 'id') else world.edition.id}/ballots"):
        response = client.post(path, data=deep, content_type="application/json")
        assert 400 <= response.status_code < 500


def test_a_ballot_body_is_limited_to_64_kb(client, world) -> None:
    token = world.tokens[0].token
    padding = " " * (64 * 1024)
    body = json.dumps({"token": token, "choices": {}}).replace("{", "{" + padding, 1)
    response = client.post(f"/api/v1/editions/{world.slug}/ballots", data=body, content_type="application/json")
    assert response.status_code == 413
    assert client.post(f"/api/v1/editions/{world.slug}/ballots", json={"token": token, "points": {}}).status_code != 413


def test_duplicate_project_keys_written_differently_are_refused(client, world) -> None:
    pid = world.ids(0 if world.tokens[0].district == "q1" else 1)[0]
    body = {"token": world.tokens[0].token, "points": {str(pid): 3, "0" + str(pid): 4}}
    response = client.post(f"/api/v1/editions/{world.slug}/ballots", json=body)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed"


@FUZZ
@given(body=BALLOT_BODIES)
def test_fuzzed_ballots_never_give_a_500(client, world, body) -> None:
    _ok(client.post(f"/api/v1/editions/{world.slug}/ballots", json=body))


@FUZZ
@given(value=HOSTILE_TEXT, query=st.dictionaries(st.sampled_from(["after", "limit", "page", "tracker", "next", "q"]),
                                                 HOSTILE_TEXT, max_size=3))
def test_fuzzed_paths_and_query_strings_on_public_routes_never_give_a_500(app, client, world, value, query) -> None:
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or access_of(app.view_functions[rule.endpoint]) != "public":
            continue
        if rule.endpoint in ("static",) or rule.endpoint.endswith(".openapi"):
            continue
        values = {}
        for name, converter in rule._converters.items():  # noqa: SLF001 - the rule's parameters
            kind = type(converter).__name__
            if kind == "IntegerConverter":
                values[name] = value if re.fullmatch(r"[0-9]+", value) else "1"
            else:
                values[name] = value.replace("/", "") or world.slug
        try:
            path = rule.build(values, append_unknown=False)[1]
        except Exception:  # noqa: BLE001 - a value the route itself cannot hold (not a request)
            continue
        _ok(client.get(path, query_string=query))


FORM_FIELDS = ["code", "email", "password", "last_name", "first_name", "birth_date", "p", "grade-1", "points-1",
               "title", "body", "text", "q", "display_name", "next", "remember", "decision", "reason"]


@FUZZ
@given(form=st.dictionaries(st.sampled_from(FORM_FIELDS), HOSTILE_TEXT, max_size=6))
def test_fuzzed_forms_on_public_routes_never_give_a_500(app, client, world, form) -> None:
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or access_of(app.view_functions[rule.endpoint]) != "public":
            continue
        values = {name: world.slug if type(c).__name__ != "IntegerConverter" else "1"
                  for name, c in rule._converters.items()}  # noqa: SLF001 - the rule's parameters
        path = rule.build(values, append_unknown=False)[1]
        _ok(client.post(path, data=form))


def test_a_nul_byte_in_a_text_body_is_a_400_on_every_route(app, client, world) -> None:
    """PostgreSQL stores no NUL byte: the app refuses one in any text body (CSV) before a view
    reads it, as it does in forms and addresses (the station API took it to the database)."""
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        values = {name: "1" if isinstance(c, NumberConverter) else world.slug
                  for name, c in rule._converters.items()}  # noqa: SLF001 - the rule's parameters
        path = rule.build(values, append_unknown=False)[1]
        assert client.post(path, data="ref\na\x00b\n", content_type="text/csv").status_code == 400, path
