"""Default deny: every route is declared public or guarded by a policy, and the guards hold."""

from __future__ import annotations

import re

import pytest

from pb.authz import POLICIES, access_of


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_is_public_or_guarded(app) -> None:
    unmarked = [f"{rule.rule} ({rule.endpoint})" for rule, view in _routes(app) if access_of(view) is None]
    assert unmarked == [], "mark these views with @public or @guard(...): " + ", ".join(unmarked)


def test_every_guard_names_a_known_policy(app) -> None:
    unknown = {access_of(view) for _rule, view in _routes(app)} - set(POLICIES) - {"public"}
    assert unknown == set()


def _answering_middleware(app):
    """The middleware of pb.app.MIDDLEWARE that answers requests by itself (they name ENDPOINT)."""
    import importlib

    from pb.app import MIDDLEWARE

    for path, _setting in MIDDLEWARE:
        module, name = path.split(":")
        cls = getattr(importlib.import_module(module), name)
        if hasattr(cls, "ENDPOINT"):
            yield cls


def test_a_middleware_that_answers_by_itself_stands_for_a_documented_route_with_its_policy(app) -> None:
    """The vote's fast lane answers without Flask: it must stand for a route this test sees (public,
    same path and method), apply a known policy, and be in the OpenAPI document."""
    lanes = list(_answering_middleware(app))
    assert lanes, "pb/voting/lane.py is registered in pb.app.MIDDLEWARE"
    doc = app.test_client().get("/api/v1/openapi.json").json
    for lane in lanes:
        rules = [r for r in app.url_map.iter_rules() if r.endpoint == lane.ENDPOINT]
        assert len(rules) == 1, lane.ENDPOINT
        rule = rules[0]
        assert access_of(app.view_functions[lane.ENDPOINT]) == "public" and lane.POLICY in POLICIES
        assert lane.METHOD in rule.methods
        assert rule.rule == f"{lane.PREFIX}<edition>{lane.SUFFIX}"
        operation = doc["paths"][rule.rule.replace("<", "{").replace(">", "}")][lane.METHOD.lower()]
        assert "fast lane" in operation["x-pb-fast-lane"]


def _sample_url(rule) -> str:
    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", lambda m: "1" if m.group(1) == "int" else "x", rule.rule)


def test_guarded_routes_send_anonymous_visitors_to_the_login_page(app, client) -> None:
    checked = 0
    for rule, view in _routes(app):
        if access_of(view) == "public" or rule.rule.startswith("/api/"):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_sample_url(rule), method=method)
        assert response.status_code == 302 and "/account/login" in response.location, (rule.rule, response.status_code)
        checked += 1
    assert checked >= 10


def test_guarded_routes_refuse_a_resident(app, client, make, auth, session) -> None:
    resident = make.user()
    session.commit()
    auth.login(resident)
    allowed_to_residents = {"authenticated"}
    for rule, view in _routes(app):
        policy = access_of(view)
        if policy in ("public",) or policy in allowed_to_residents or rule.rule.startswith("/api/"):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(_sample_url(rule), method=method)
        assert response.status_code == 403, (rule.rule, response.status_code)


@pytest.mark.parametrize("path", ["/", "/account/login", "/account/register", "/accessibility", "/healthz"])
def test_public_pages_open_for_anyone(client, path) -> None:
    assert client.get(path).status_code == 200
