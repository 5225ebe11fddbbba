"""The JSON API: the edition description, the OpenAPI document (every route in it, answers
matching its schemas), CSRF exemption, rate limits.

The whole module runs twice: votes answered by the fast lane (pb/voting/lane.py), then with the
setting vote_lane off, by the Flask route. Every app of this module follows the mode (`app`, and
`api_app` for the tests that need their own settings)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.conftest import make_test_app

from .conftest import build_world, post_ballot


@pytest.fixture(scope="module", params=[True, False], ids=["fast-lane", "flask-route"])
def vote_lane(request: pytest.FixtureRequest) -> bool:
    return request.param


@pytest.fixture(scope="module")
def app(database_url: str, vote_lane: bool) -> Any:
    return make_test_app(database_url, vote_lane=vote_lane)


def api_app(database_url: str, vote_lane: bool, **overrides: Any) -> Any:
    return make_test_app(database_url, vote_lane=vote_lane, **overrides)


def test_votes_are_answered_by_the_mode_of_the_run(app, vote_lane, session, make, monkeypatch) -> None:
    route = app.view_functions["voting_api.cast"]
    reached = []
    monkeypatch.setitem(app.view_functions, "voting_api.cast", lambda **kw: reached.append(kw) or route(**kw))
    world = build_world(session, make)
    token = world.tokens[0]
    assert post_ballot(app.test_client(), world, token.token, world.ids(0 if token.district == "q1" else 1)).status_code == 201
    assert reached == ([] if vote_lane else [{"edition": world.slug}])


def test_a_logged_in_user_gets_the_language_of_the_site_either_way(client, auth, session, make) -> None:
    """The user's language wins over Accept-Language, whoever answers (a request with a login
    cookie goes to the route, which knows the user)."""
    world = build_world(session, make)
    user = make.user("en@ville.example")
    user.locale = "en"
    session.commit()
    auth.login(user)
    response = post_ballot(client, world, "not-a-token", [1], lang="fr")
    assert response.status_code == 401 and response.json["error"]["message"].startswith("This voting code"), response.json


def test_the_edition_view_policy_decides_either_way(client, session, make, monkeypatch) -> None:
    from pb.authz import POLICIES

    world = build_world(session, make)
    asked = []

    def hidden(user, edition):  # type: ignore[no-untyped-def]
        asked.append(edition.id)
        return False

    hidden.anonymous_ok = True  # type: ignore[attr-defined]
    monkeypatch.setitem(POLICIES, "edition.view", hidden)
    token = world.tokens[0]
    response = post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
    assert response.status_code == 404 and world.edition.id in asked


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}


def _check(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    schema = spec["content"]["application/json"]["schema"]
    jsonschema.validate(response.json, {**schema, "components": doc["components"]})


def test_every_api_route_is_documented(app) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_answers_match_the_document(client, session, make) -> None:
    doc = client.get("/api/v1/openapi.json").json
    world = build_world(session, make, citywide=True)
    edition = client.get(f"/api/v1/editions/{world.slug}")
    assert edition.status_code == 200
    _check(doc, "/api/v1/editions/{edition}", "get", edition)
    district = next(d for d in edition.json["districts"] if d["id"] == world.districts[0].id)
    assert district["envelope"] == world.districts[0].envelope_cents
    assert [p["cost"] for p in district["projects"]] == [p.cost_cents for p in world.projects[world.districts[0].id]]
    token = world.tokens[0]
    accepted = post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
    _check(doc, "/api/v1/editions/{edition}/ballots", "post", accepted)
    for refused in (post_ballot(client, world, token.token, [1]), post_ballot(client, world, "bad", [1]),
                    post_ballot(client, world, world.tokens[1].token, "x"),
                    post_ballot(client, world, world.tokens[1].token, [99999])):
        assert refused.status_code in (400, 401, 409, 422)
        _check(doc, "/api/v1/editions/{edition}/ballots", "post", refused)
    _check(doc, "/api/v1/editions/{edition}/board", "get", client.get(f"/api/v1/editions/{world.slug}/board"))
    _check(doc, "/api/v1/editions/{edition}/turnout", "get", client.get(f"/api/v1/editions/{world.slug}/turnout"))
    _check(doc, "/api/v1/editions/{edition}/ballots", "get", client.get(f"/api/v1/editions/{world.slug}/ballots"))
    missing = client.get("/api/v1/editions/nope")
    assert missing.status_code == 404
    _check(doc, "/api/v1/editions/{edition}", "get", missing)


def test_board_pages_with_a_cursor(client, session, make) -> None:
    world = build_world(session, make, voters=5)
    for token in world.tokens:
        post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
    first = client.get(f"/api/v1/editions/{world.slug}/board?limit=2").json
    assert [e["position"] for e in first["entries"]] == [1, 2] and first["next"]
    second = client.get(first["next"]).json
    assert [e["position"] for e in second["entries"]] == [3, 4]
    assert client.get(f"/api/v1/editions/{world.slug}/board?after=x").status_code == 400


def test_the_vote_post_needs_no_csrf_token(database_url, vote_lane, session, make) -> None:
    app = api_app(database_url, vote_lane, WTF_CSRF_ENABLED=True)
    world = build_world(session, make)
    token = world.tokens[0]
    response = post_ballot(app.test_client(), world, token.token, world.ids(0 if token.district == "q1" else 1))
    assert response.status_code == 201


# -- abuse controls ----------------------------------------------------------------------------

@pytest.fixture
def limited(database_url, vote_lane):  # type: ignore[no-untyped-def]
    return api_app(database_url, vote_lane, rate_limit_tokens="3 per minute", rate_limit_token_addresses="3 per minute",
                   kiosk_addresses=["192.0.2.0/24"])


def test_failed_attempts_are_limited_per_address(limited, session, make) -> None:
    world = build_world(session, make)
    client = limited.test_client()
    codes = [post_ballot(client, world, f"bad-{i}", [1]).status_code for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    body = post_ballot(client, world, "bad-9", [1]).json
    assert body["error"]["code"] == "too_many_requests"
    elsewhere = post_ballot_from(limited, world, "bad-y", "10.0.0.9")
    assert elsewhere.status_code == 401  # another address is not blocked


def post_ballot_from(app, world, credential, address):  # type: ignore[no-untyped-def]
    return app.test_client().post(f"/api/v1/editions/{world.slug}/ballots", json={"token": credential, "choices": [1]},
                                  environ_base={"REMOTE_ADDR": address})


def test_failed_attempts_are_limited_per_code(limited, session, make) -> None:
    world = build_world(session, make)
    statuses = [post_ballot_from(limited, world, "same-wrong-code", f"10.0.1.{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429]  # five addresses, one code: blocked on the code


def test_successful_votes_from_one_address_are_never_limited(limited, session, make) -> None:
    world = build_world(session, make, voters=10)
    client = limited.test_client()  # a town-hall kiosk: one address for everyone
    for token in world.tokens:
        response = post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1))
        assert response.status_code == 201, response.json


def test_a_code_has_one_budget_on_the_web_pages_and_the_api(limited, session, make) -> None:
    world = build_world(session, make)
    client = limited.test_client()
    code = "AAAA-BBBB-CCCC"
    assert client.post("/vote", data={"code": code}).status_code == 422  # the web form: 1
    assert client.get("/vote/AAAABBBBCCCC").status_code == 401  # the link, written otherwise: 2
    assert post_ballot_from(limited, world, "aaaa bbbb cccc", "10.0.3.1").status_code == 401  # the API elsewhere: 3
    assert post_ballot_from(limited, world, code, "10.0.3.2").status_code == 429
    assert client.post("/vote", data={"code": code}).status_code == 429


def test_kiosk_addresses_are_limited_per_code_only(limited, session, make) -> None:
    world = build_world(session, make)
    statuses = [post_ballot_from(limited, world, f"wrong-{i}", "192.0.2.10").status_code for i in range(8)]
    assert statuses == [401] * 8  # eight residents mistyping at the town hall's kiosk


def test_the_address_budget_is_generous_by_default(database_url, session, make) -> None:
    app = make_test_app(database_url, rate_limit_tokens="3 per minute")  # per address: 300 per 10 minutes
    world = build_world(session, make)
    statuses = [post_ballot_from(app, world, f"wrong-{i}", "10.0.4.1").status_code for i in range(12)]
    assert statuses == [401] * 12  # a mobile network's shared address


def test_the_limiter_uses_only_public_apis_and_limits_is_declared() -> None:
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    sources = "\n".join(p.read_text() for p in (root / "pb").rglob("*.py"))
    assert not re.search(r"get_connection|prefixed_key|\.storage\b", sources)
    assert re.search(r'^\s*"limits[>=<]', (root / "pyproject.toml").read_text(), re.M)


def test_a_limit_that_does_not_parse_is_a_clear_error_at_start(database_url) -> None:
    from pb.config import ConfigError

    with pytest.raises(ConfigError, match="rate limit"):
        make_test_app(database_url, rate_limit_tokens="thirty a fortnight")
