"""Casting through the JSON API: the accepted path, and every named refusal (which writes
nothing but one audit line)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.db import utcnow
from pb.attempts import limiter_of
from pb.voting import errors
from pb.voting.models import Ballot, BoardEntry, Channel, Participation, Scope, Voter, VotingToken

from .conftest import World, audit_lines, build_world, fresh_locale, opened_ballots, post_ballot, table_counts


def test_accepted_ballot_writes_participation_ballot_tracker_and_audit(client, session, world: World) -> None:
    token = world.tokens[0]
    before = table_counts(session)
    response = post_ballot(client, world, token.token, world.ids(0, 2) if token.district == "q1" else world.ids(1, 2))
    assert response.status_code == 201, response.json
    tracker = response.json["tracker"]
    assert len(tracker) == 14 and tracker.count("-") == 2
    after = table_counts(session)
    assert after["participation"] == before["participation"] + 1
    assert after["ballot"] == before["ballot"] + 1
    assert after["board"] == before["board"] + 1
    assert after["used_tokens"] == before["used_tokens"] + 1
    voter = session.get(Voter, token.voter_id)
    row = session.scalars(sa.select(Participation)).one()
    assert (row.voter_key, row.channel, row.scope, row.district_id) == (voter.voter_key, Channel.ONLINE, Scope.DISTRICT, voter.district_id)
    assert session.scalar(sa.select(sa.func.count()).select_from(Ballot)) == 0  # sealed until the close
    [(district_id, choices)] = opened_ballots(session, world.edition)
    assert district_id == voter.district_id and set(choices.values()) == {1} and len(choices) == 2
    assert session.scalar(sa.select(BoardEntry.tracker)) == tracker
    accepted = audit_lines(session, "vote.accepted")
    assert len(accepted) == 1 and accepted[0].detail["voter"] == voter.ref
    assert set(accepted[0].detail) == {"voter", "client", "channel"}  # never the choices


def test_the_short_code_votes_like_the_link(client, session, world: World) -> None:
    token = world.tokens[1]
    mine = world.ids(0 if token.district == "q1" else 1)
    response = post_ballot(client, world, "", mine, code=token.code.lower().replace("-", " "))
    assert response.status_code == 201, response.json
    again = post_ballot(client, world, token.token, mine)
    assert again.json["error"]["code"] == "token_used"


def test_citywide_scope_gets_its_own_ballot_and_participation(client, session, build) -> None:
    world = build(citywide=True)
    token = world.tokens[0]
    local = world.ids(0 if token.district == "q1" else 1)
    city = [world.projects[world.citywide.id][0].id]
    response = post_ballot(client, world, token.token, local + city)
    assert response.status_code == 201, response.json
    scopes = sorted(session.scalars(sa.select(Participation.scope)))
    assert scopes == [Scope.CITYWIDE, Scope.DISTRICT]
    assert sorted(d for d, _c in opened_ballots(session, world.edition)) == sorted(
        [world.citywide.id, session.get(Voter, token.voter_id).district_id])
    assert table_counts(session)["board"] == table_counts(session)["sealed"] == 1  # one tracker, one box per vote


def test_a_scope_left_empty_is_an_abstention_there_and_the_sign_in_does_not_say_so(client, session, build) -> None:
    world = build(citywide=True)
    city = [world.projects[world.citywide.id][0].id]
    response = post_ballot(client, world, world.tokens[0].token, city)
    assert response.status_code == 201
    assert [d for d, _c in opened_ballots(session, world.edition)] == [world.citywide.id]
    # The sign-in rows are those of any online vote: every scope, the register's district.
    voter = session.get(Voter, world.tokens[0].voter_id)
    rows = session.execute(sa.select(Participation.scope, Participation.district_id).order_by(Participation.scope)).all()
    assert rows == [(Scope.CITYWIDE, voter.district_id), (Scope.DISTRICT, voter.district_id)]


def test_validation_uses_stored_costs_not_the_clients(client, session, build) -> None:
    world = build(ballot_type="knapsack", min_choices=0, max_choices=None, envelope_cents=50_000_00, cost_cents=30_000_00)
    token = world.tokens[0]
    mine = world.ids(0 if token.district == "q1" else 1, 2)  # 2 x 30,000 € > 50,000 €
    response = post_ballot(client, world, token.token, mine, costs={str(p): 1 for p in mine})
    assert response.status_code == 422 and response.json["error"]["code"] == "over_budget"
    ok = post_ballot(client, world, token.token, mine[:1])
    assert ok.status_code == 201


@pytest.mark.parametrize("ballot_type, body, stored", [
    ("majority_judgment", lambda ids: {"grades": {str(ids[0]): 4, str(ids[1]): 2}}, lambda ids: {ids[0]: 4, ids[1]: 2, ids[2]: 0, ids[3]: 0}),
    ("cumulative", lambda ids: {"points": {str(ids[0]): 7, str(ids[1]): 3}}, lambda ids: {ids[0]: 7, ids[1]: 3}),
    ("knapsack", lambda ids: {"choices": ids[:3]}, lambda ids: {ids[0]: 1, ids[1]: 1, ids[2]: 1}),
])
def test_ballot_types_store_their_values(client, session, build, ballot_type, body, stored) -> None:
    world = build(ballot_type=ballot_type, min_choices=1, max_choices=None)
    token = world.tokens[0]
    ids = world.ids(0 if token.district == "q1" else 1, 4)
    response = client.post(f"/api/v1/editions/{world.slug}/ballots", json={"token": token.token, **body(ids)})
    assert response.status_code == 201, response.json
    [(_district, choices)] = opened_ballots(session, world.edition)
    assert choices == stored(ids)


def test_messages_follow_accept_language(client, world: World) -> None:
    en = post_ballot(client, world, "nope", [1], lang="en").json["error"]
    fr = post_ballot(client, world, "nope", [1], lang="fr").json["error"]
    assert en["code"] == fr["code"] == "token_invalid"
    assert en["message"].startswith("This voting code is not valid")
    assert fr["message"].startswith("Ce code de vote n’est pas valide") or fr["message"].startswith("Ce code de vote n'est pas valide")


# -- every refusal: its code, its status, nothing written but an audit line ---------------------------

def _own(world: World, token: Any, n: int = 1) -> list[int]:
    return world.ids(0 if token.district == "q1" else 1, n)


def _other(world: World, token: Any) -> list[int]:
    return world.ids(1 if token.district == "q1" else 0, 1)


Scenario = Callable[[Any, Any, Any], tuple[World, dict[str, Any]]]


def _plain(session, make, **kw):  # type: ignore[no-untyped-def]
    return build_world(session, make, **kw)


def s_garbage(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    return w, {"token": "not-a-token", "choices": _own(w, w.tokens[0])}


def s_other_edition(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    other = _plain(session, make)
    return w, {"token": other.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_unknown_id(session, make, client):  # type: ignore[no-untyped-def]
    from pb.voting.services.tokens import sign

    w = _plain(session, make)
    return w, {"token": sign(w.edition.id, "A" * 24), "choices": _own(w, w.tokens[0])}


def s_wrong_code(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    return w, {"code": "ZZZZ-ZZZZ-ZZZZ", "choices": _own(w, w.tokens[0])}


def s_expired(session, make, client):  # type: ignore[no-untyped-def]
    from itsdangerous import TimestampSigner

    from pb.voting.services import tokens

    w = _plain(session, make)
    old = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(old(self) - tokens.MAX_TOKEN_AGE.total_seconds() - 60)  # type: ignore[method-assign]
    try:
        raw = tokens.sign(w.edition.id, session.scalar(sa.select(VotingToken.id).where(VotingToken.voter_id == w.tokens[0].voter_id)))
    finally:
        TimestampSigner.get_timestamp = old  # type: ignore[method-assign]
    return w, {"token": raw, "choices": _own(w, w.tokens[0])}


def s_revoked(session, make, client):  # type: ignore[no-untyped-def]
    from pb.voting.services import revoke_token

    w = _plain(session, make)
    revoke_token(session, SYSTEM, session.get(Voter, w.tokens[0].voter_id))
    session.commit()
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_used(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    assert post_ballot(client, w, w.tokens[0].token, _own(w, w.tokens[0])).status_code == 201
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def _second_token(session, w):  # type: ignore[no-untyped-def]
    """A second usable token for the same person (as if issued by mistake, or by a bug)."""
    from pb.voting.services.tokens import sign

    token_id = uuid.uuid4().hex
    session.add(VotingToken(id=token_id, edition_id=w.edition.id, voter_id=w.tokens[0].voter_id, active_voter_id=None))
    session.commit()
    return sign(w.edition.id, token_id)


def s_already_voted(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    second = _second_token(session, w)
    assert post_ballot(client, w, w.tokens[0].token, _own(w, w.tokens[0])).status_code == 201
    return w, {"token": second, "choices": _own(w, w.tokens[0])}


def s_already_voted_paper(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    voter = session.get(Voter, w.tokens[0].voter_id)
    session.add(Participation(edition_id=w.edition.id, scope=Scope.DISTRICT, district_id=voter.district_id,
                              voter_key=voter.voter_key, channel=Channel.PAPER))
    session.commit()
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_not_open(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, phase="review")
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_closed(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, phase="results")
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_closed_by_calendar(session, make, client):  # type: ignore[no-untyped-def]
    from pb.editions.models import Phase
    from pb.editions.services import set_calendar, set_phase

    w = _plain(session, make, phase="draft")  # the calendar is frozen once the vote opens: set it before
    now = utcnow()
    set_calendar(session, SYSTEM, w.edition, {Phase.VOTE: (now - dt.timedelta(days=3), now - dt.timedelta(hours=1))})
    set_phase(session, SYSTEM, w.edition, Phase.VOTE)
    session.commit()
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_not_eligible(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    session.execute(sa.update(Voter).where(Voter.id == w.tokens[0].voter_id).values(birth_date=dt.date.today()))
    session.commit()
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0])}


def s_over_budget(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, ballot_type="knapsack", max_choices=None, envelope_cents=50_000_00)
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0], 2)}


def s_under_min_share(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, ballot_type="knapsack", max_choices=None, knapsack_min_share=50, envelope_cents=100_000_00)
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0], 1)}


def s_too_many(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, min_choices=1, max_choices=2)
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0], 3)}


def s_too_few(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, min_choices=2, max_choices=3)
    return w, {"token": w.tokens[0].token, "choices": _own(w, w.tokens[0], 1)}


def s_empty(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    return w, {"token": w.tokens[0].token, "choices": []}


def s_too_many_points(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, ballot_type="cumulative", cumulative_points=5, max_choices=None)
    ids = _own(w, w.tokens[0], 2)
    return w, {"token": w.tokens[0].token, "points": {str(ids[0]): 4, str(ids[1]): 3}}


def s_unknown_project(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    return w, {"token": w.tokens[0].token, "choices": [987654]}


def s_wrong_district(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    return w, {"token": w.tokens[0].token, "choices": _other(w, w.tokens[0])}


def s_malformed_list(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    return w, {"token": w.tokens[0].token, "choices": "1,2"}


def s_malformed_duplicate(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make)
    p = _own(w, w.tokens[0])[0]
    return w, {"token": w.tokens[0].token, "choices": [p, p]}


def s_malformed_grade(session, make, client):  # type: ignore[no-untyped-def]
    w = _plain(session, make, ballot_type="majority_judgment", max_choices=None)
    return w, {"token": w.tokens[0].token, "grades": {str(_own(w, w.tokens[0])[0]): 9}}


REFUSALS = [
    (s_garbage, "token_invalid", 401), (s_other_edition, "token_invalid", 401), (s_unknown_id, "token_invalid", 401),
    (s_wrong_code, "token_invalid", 401), (s_expired, "token_expired", 401), (s_revoked, "token_revoked", 403),
    (s_used, "token_used", 409), (s_already_voted, "already_voted", 409), (s_already_voted_paper, "already_voted_paper", 409),
    (s_not_open, "vote_not_open", 409), (s_closed, "vote_closed", 409), (s_closed_by_calendar, "vote_closed", 409),
    (s_not_eligible, "not_eligible", 403), (s_over_budget, "over_budget", 422), (s_under_min_share, "under_min_share", 422),
    (s_too_many, "too_many_choices", 422), (s_too_few, "too_few_choices", 422), (s_empty, "too_few_choices", 422),
    (s_too_many_points, "too_many_points", 422), (s_unknown_project, "unknown_project", 422),
    (s_wrong_district, "wrong_district", 422), (s_malformed_list, "malformed", 400),
    (s_malformed_duplicate, "malformed", 400), (s_malformed_grade, "malformed", 400),
]


@pytest.mark.parametrize("scenario, code, status", REFUSALS, ids=[s[0].__name__[2:] for s in REFUSALS])
def test_every_refusal_is_named_and_writes_only_an_audit_line(client, session, make, scenario, code, status) -> None:
    world, body = scenario(session, make, client)
    before = table_counts(session)
    refused_before = len(audit_lines(session, "vote.refused"))
    for lang in ("en", "fr"):
        fresh_locale()
        response = client.post(f"/api/v1/editions/{world.slug}/ballots", json=body, headers={"Accept-Language": lang})
        assert response.status_code == status, response.json
        assert response.json["error"]["code"] == code
        assert response.json["error"]["message"]
    assert table_counts(session) == before
    refused = audit_lines(session, "vote.refused")[refused_before:]
    # A line that names the voter never says what was wrong with the choices (issue 10 §1).
    expected = "ballot_invalid" if code in CONTENT_CODES and refused[0].detail["voter"] else code
    assert [line.detail["code"] for line in refused] == [expected, expected]
    assert all("choices" not in line.detail and "grades" not in line.detail for line in refused)
    assert set(refused[0].detail) == {"code", "stage", "voter", "client"}


CONTENT_CODES = {"over_budget", "under_min_share", "too_many_choices", "too_few_choices", "too_many_points",
                 "unknown_project", "wrong_district", "malformed"}


def test_every_refusal_about_the_choices_is_marked_content() -> None:
    """The refusals the ballot's rules raise (pb/voting/rules.py) are exactly those marked
    `content`, whose audit line never names the voter with them: a new rule cannot forget it."""
    import inspect
    import re

    from pb.voting import rules

    raised = set(re.findall(r"errors\.(\w+)\(", inspect.getsource(rules)))
    refusals = {name for name, cls in vars(errors).items()
                if isinstance(cls, type) and issubclass(cls, errors.VoteRefused) and cls is not errors.VoteRefused}
    content = {name for name in refusals if getattr(errors, name).content}
    assert content == raised - {"NotEligible"}  # the register's district, not a choice
    assert {getattr(errors, name).code for name in content} == CONTENT_CODES


def test_refusal_messages_differ_by_language(client, session, make) -> None:
    for scenario, code, _status in REFUSALS:
        if scenario in (s_used, s_already_voted):
            continue
        world, body = scenario(session, make, client)
        limiter_of(client.application).reset()  # many failed attempts from one address in one test
        fresh_locale()
        en = client.post(f"/api/v1/editions/{world.slug}/ballots", json=body, headers={"Accept-Language": "en"}).json
        fresh_locale()
        fr = client.post(f"/api/v1/editions/{world.slug}/ballots", json=body, headers={"Accept-Language": "fr"}).json
        assert en["error"]["message"] != fr["error"]["message"], code


def test_body_that_is_not_json_is_malformed(client, session, world: World) -> None:
    response = client.post(f"/api/v1/editions/{world.slug}/ballots", data="token=x", content_type="text/plain")
    assert response.status_code == 400 and response.json["error"]["code"] == "malformed"


def test_failure_after_the_token_update_leaves_nothing_and_the_token_usable(client, session, world: World, monkeypatch) -> None:
    from pb.voting.services import casting

    token = world.tokens[0]
    before = table_counts(session)

    def boom() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(casting, "_after_token_update", boom)
    with pytest.raises(RuntimeError):
        post_ballot(client, world, token.token, _own(world, token))
    assert table_counts(session) == before
    monkeypatch.setattr(casting, "_after_token_update", lambda: None)
    response = post_ballot(client, world, token.token, _own(world, token))
    assert response.status_code == 201
    assert table_counts(session)["ballot"] == before["ballot"] + 1


def test_failure_at_the_board_insert_rolls_back_the_participation(client, session, world: World, monkeypatch) -> None:
    from pb.voting import identity

    token = world.tokens[0]
    before = table_counts(session)
    monkeypatch.setattr(identity, "new_tracker", lambda: "X" * 40)  # too long for the column on PostgreSQL; forced error on SQLite
    from pb.voting.services import casting

    def bad_tracker() -> str:
        raise RuntimeError("board unavailable")

    monkeypatch.setattr(casting.identity, "new_tracker", bad_tracker)
    with pytest.raises(RuntimeError):
        post_ballot(client, world, token.token, _own(world, token))
    assert table_counts(session) == before


def test_a_retry_after_a_lost_response_is_told_already_used(client, session, world: World) -> None:
    token = world.tokens[0]
    first = post_ballot(client, world, token.token, _own(world, token))
    retry = post_ballot(client, world, token.token, _own(world, token))
    assert first.status_code == 201
    assert retry.status_code == 409 and retry.json["error"]["code"] == "token_used"
    assert "already been used" in retry.json["error"]["message"]
    assert table_counts(session)["ballot"] == 1


def test_mail_or_redis_down_never_refuses_a_ballot(session, make, database_url) -> None:
    from pb.jobs import JobOutbox

    from tests.conftest import make_test_app

    app = make_test_app(database_url, redis_url="redis://127.0.0.1:1/0")
    with app.app_context():
        from pb.db import db

        world = build_world(db.session, make.__class__(db.session), emails=True)
        token = next(t for t in world.tokens if t.email)
        client = app.test_client()
        response = post_ballot(client, world, token.token, _own(world, token))
        assert response.status_code == 201
        db.session.commit()
        kept = db.session.scalars(sa.select(JobOutbox)).all()
        assert [row.func for row in kept] == ["pb.mail.send_email"]
        assert response.json["tracker"] in str(kept[0].args)


def test_receipt_email_carries_the_tracker(client, session, build, outbox) -> None:
    world = build(emails=True)
    token = next(t for t in world.tokens if t.email)
    response = post_ballot(client, world, token.token, _own(world, token))
    assert response.status_code == 201
    assert any(response.json["tracker"] in m.get_content() and m["To"] == token.email for m in outbox)


def test_errors_module_codes_are_unique_per_meaning() -> None:
    codes = {}
    for name in dir(errors):
        cls = getattr(errors, name)
        if isinstance(cls, type) and issubclass(cls, errors.PbError) and cls.__module__ == errors.__name__:
            codes.setdefault(cls.code, []).append(name)
    assert all(len(v) == 1 or set(v) == {"TooFewChoices", "NoChoice"} for v in codes.values()), codes
