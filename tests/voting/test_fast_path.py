"""What the fast vote path relies on (docs/performance.md, ## Voting): the per-process snapshot
is kept only once the ballot is frozen, and never decides the close; the API finds editions
by slug or id and still hides drafts; failed attempts are limited even when the limiter's store
is down; a tracker collision or a lost database connection is retried on a fresh transaction."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import sqlalchemy as sa

from pb.db import utcnow
from pb.projects.models import Project
from pb.voting.services.snapshot import ballot_box

from ..conftest import IS_POSTGRES, TEST_REDIS_URL, make_test_app
from .conftest import World, build_world, post_ballot, table_counts


def _own(world: World, index: int = 0) -> list[int]:
    return world.ids(0 if world.tokens[index].district == "q1" else 1)


def _engine(app):  # type: ignore[no-untyped-def]
    return app.extensions["pb.db"].kw["bind"]


def test_the_snapshot_of_an_edition_whose_vote_has_not_opened_is_never_kept(app, session, build) -> None:
    world = build(phase="review")
    project = world.projects[world.districts[0].id][0]
    first = ballot_box(_engine(app), world.slug)
    assert not first.frozen and first.costs[project.id][1] == project.cost_cents
    # Another process changes the cost (no in-process invalidation): the next read sees it.
    session.execute(sa.update(Project).where(Project.id == project.id).values(cost_cents=1234))
    session.commit()
    assert ballot_box(_engine(app), world.slug).costs[project.id][1] == 1234


def test_the_snapshot_of_a_frozen_edition_is_kept_by_id_and_slug(app, session, world: World) -> None:
    by_slug = ballot_box(_engine(app), world.slug)
    assert by_slug.frozen
    assert ballot_box(_engine(app), world.edition.id) is by_slug
    assert ballot_box(_engine(app), str(world.edition.id)) is by_slug


def test_a_close_made_elsewhere_is_seen_by_the_vote_despite_the_snapshot(client, session, world: World) -> None:
    assert post_ballot(client, world, world.tokens[0].token, _own(world, 0)).status_code == 201  # snapshot kept
    # Another process closes the vote: plain SQL, so this process's snapshot is not forgotten.
    session.execute(sa.text("UPDATE edition SET phase = 'results' WHERE id = :id"), {"id": world.edition.id})
    session.commit()
    before = table_counts(session)
    refused = post_ballot(client, world, world.tokens[1].token, _own(world, 1))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "vote_closed"
    assert table_counts(session) == before


def test_a_vote_window_ended_elsewhere_is_seen_by_the_vote_despite_the_snapshot(client, session, world: World) -> None:
    from pb.editions.models import Phase, PhaseWindow

    assert post_ballot(client, world, world.tokens[0].token, _own(world, 0)).status_code == 201
    now = utcnow()
    session.execute(sa.insert(PhaseWindow).values(edition_id=world.edition.id, phase=Phase.VOTE,
                                                  starts_at=now - dt.timedelta(days=2), ends_at=now - dt.timedelta(minutes=1)))
    session.commit()
    refused = post_ballot(client, world, world.tokens[1].token, _own(world, 1))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "vote_closed"


def test_the_api_takes_the_edition_id_and_hides_drafts(client, session, make) -> None:
    world = build_world(session, make)
    by_id = client.post(f"/api/v1/editions/{world.edition.id}/ballots",
                        json={"token": world.tokens[0].token, "choices": _own(world, 0)})
    assert by_id.status_code == 201, by_id.json
    assert by_id.json["board"] == f"/api/v1/editions/{world.slug}/board"
    draft = build_world(session, make, phase="draft")
    hidden = client.post(f"/api/v1/editions/{draft.slug}/ballots", json={"token": draft.tokens[0].token, "choices": [1]})
    assert hidden.status_code == 404
    unknown = client.post("/api/v1/editions/no-such-edition/ballots", json={"token": "x", "choices": [1]})
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "not_found"


def test_a_tracker_collision_is_drawn_again(client, session, world: World, monkeypatch) -> None:
    from pb.voting import identity

    first = post_ballot(client, world, world.tokens[0].token, _own(world, 0))
    assert first.status_code == 201
    draws = iter([first.json["tracker"], "ABCD-EFGH-JKMN"])
    monkeypatch.setattr(identity, "new_tracker", lambda: next(draws))
    second = post_ballot(client, world, world.tokens[1].token, _own(world, 1))
    assert second.status_code == 201 and second.json["tracker"] == "ABCD-EFGH-JKMN"
    assert table_counts(session)["ballot"] == 2


# -- failed attempts ---------------------------------------------------------------------------------

class _DeadStore:
    """A counter store that cannot be reached (Redis down)."""

    def get_many(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis is down")

    incr = clear = get_many


@pytest.fixture
def dead_store(database_url):  # type: ignore[no-untyped-def]
    from pb.attempts import limiter_of

    app = make_test_app(database_url, rate_limit_tokens="3 per minute", rate_limit_token_addresses="3 per minute")
    limiter_of(app).store = _DeadStore()
    yield app
    app.extensions["pb.db"].kw["bind"].dispose()  # give the connections back (a shared server)


def test_a_dead_rate_limit_store_never_refuses_a_vote_and_still_limits_failures(dead_store, session, make,
                                                                                 caplog) -> None:
    world = build_world(session, make)
    client = dead_store.test_client()
    with caplog.at_level(logging.WARNING, logger="pb.voting"):
        assert post_ballot(client, world, world.tokens[0].token, _own(world, 0)).status_code == 201
    assert "rate-limit store unreachable" in caplog.text
    codes = [post_ballot(client, world, f"bad-{i}", [1]).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]  # counted in memory meanwhile


# -- a lost database connection ---------------------------------------------------------------------

@pytest.mark.skipif(not IS_POSTGRES, reason="connections to a PostgreSQL server")
def test_a_vote_on_a_connection_lost_meanwhile_is_retried_on_a_fresh_one(database_url, session, make, caplog) -> None:
    app = make_test_app(database_url)
    world = build_world(session, make)
    client = app.test_client()
    assert post_ballot(client, world, world.tokens[0].token, _own(world, 0)).status_code == 201
    pooled = _engine(app).raw_connection()  # the connection the vote used, back in the pool
    pid = pooled.driver_connection.info.backend_pid
    pooled.close()
    # As if PostgreSQL had restarted: the server side of the pooled connection is gone.
    session.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    session.commit()
    with caplog.at_level(logging.WARNING, logger="pb.voting"):
        response = post_ballot(client, world, world.tokens[1].token, _own(world, 1))
    assert response.status_code == 201, response.json
    assert "vote retried" in caplog.text
    assert table_counts(session)["ballot"] == 2


# -- the fast lane (pb/voting/lane.py) -------------------------------------------------------------

def _route_must_not_run(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("the Flask route answered a vote the fast lane should have taken")


def test_votes_of_an_open_edition_take_the_fast_lane_with_the_same_answers(database_url, session, make,
                                                                          monkeypatch) -> None:
    app = make_test_app(database_url)
    monkeypatch.setitem(app.view_functions, "voting_api.cast", _route_must_not_run)
    world = build_world(session, make)
    client = app.test_client()
    accepted = post_ballot(client, world, world.tokens[0].token, _own(world, 0))
    assert accepted.status_code == 201 and accepted.mimetype == "application/json"
    assert accepted.json["board"] == f"/api/v1/editions/{world.slug}/board"
    assert accepted.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in accepted.headers
    again = post_ballot(client, world, world.tokens[0].token, _own(world, 0), lang="fr")
    assert again.status_code == 409 and again.json["error"]["code"] == "token_used"
    assert again.json["error"]["message"].startswith("Ce code de vote a déjà été utilisé")
    client.set_cookie("pb_lang", "en")  # the language chosen on the site wins over Accept-Language
    assert post_ballot(client, world, world.tokens[0].token, _own(world, 0), lang="fr").json["error"]["message"].startswith(
        "This voting code has already been used")
    not_json = client.post(f"/api/v1/editions/{world.slug}/ballots", data="token=x", content_type="text/plain")
    assert not_json.status_code == 400 and not_json.json["error"]["code"] == "malformed"
    broken = client.post(f"/api/v1/editions/{world.slug}/ballots", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json["error"]["code"] == "malformed"


def test_an_edition_whose_vote_has_not_opened_goes_to_the_flask_route(database_url, session, make) -> None:
    app = make_test_app(database_url)
    world = build_world(session, make, phase="review")
    reached = []
    route = app.view_functions["voting_api.cast"]
    app.view_functions["voting_api.cast"] = lambda **kw: reached.append(kw) or route(**kw)
    refused = post_ballot(app.test_client(), world, world.tokens[0].token, _own(world, 0))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "vote_not_open"
    assert reached == [{"edition": world.slug}]


def test_the_fast_lane_sees_the_client_address_behind_the_proxy(database_url, session, make) -> None:
    from .conftest import audit_lines

    app = make_test_app(database_url, proxy_count=1)
    world = build_world(session, make)
    response = app.test_client().post(f"/api/v1/editions/{world.slug}/ballots",
                                      json={"token": world.tokens[0].token, "choices": _own(world, 0)},
                                      headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 201
    assert audit_lines(session, "vote.accepted")[0].detail["client"] == "203.0.113.7"


def test_the_fast_lane_writes_the_json_as_flask_does(database_url, session, make) -> None:
    app = make_test_app(database_url)
    world = build_world(session, make)
    review = build_world(session, make, phase="review")  # answered by the Flask route
    client = app.test_client()
    lane = client.post(f"/api/v1/editions/{world.slug}/ballots", json={"token": "nope", "choices": [1]})
    route = client.post(f"/api/v1/editions/{review.slug}/ballots", json={"token": "nope", "choices": [1]})
    assert lane.json["error"]["code"] == "token_invalid" and route.json["error"]["code"] == "vote_not_open"
    assert lane.get_data(as_text=True).startswith('{"error":{"code":"token_invalid","message":')
    assert route.get_data(as_text=True).startswith('{"error":{"code":"vote_not_open","message":')
    assert lane.headers["Content-Type"] == route.headers["Content-Type"]


@pytest.mark.redis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs a Redis server: set PB_TEST_REDIS_URL (CI does)")
def test_failed_attempts_are_counted_in_redis_with_one_lookup(database_url, session, make) -> None:
    import redis

    app = make_test_app(database_url, rate_limit_storage=TEST_REDIS_URL, rate_limit_tokens="3 per minute",
                        rate_limit_token_addresses="3 per minute")
    store = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        world = build_world(session, make)
        client = app.test_client()
        codes = [post_ballot(client, world, f"bad-{i}", [1]).status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]
        assert any(b"pb:attempts:vote:address" in key for key in store.keys("pb:attempts:*"))
        elsewhere = client.post(f"/api/v1/editions/{world.slug}/ballots", environ_base={"REMOTE_ADDR": "10.0.0.8"},
                                json={"token": world.tokens[0].token, "choices": _own(world, 0)})
        assert elsewhere.status_code == 201  # another address, a good token
    finally:
        for key in store.scan_iter("pb:attempts:*"):
            store.delete(key)
