"""Invariant 7: sealed until the close (service, API and page alike); turnout is live."""

from __future__ import annotations

import pytest

from pb.authz import SYSTEM
from pb.editions.services import set_phase
from pb.voting.errors import ResultsSealed
from pb.voting.models import Channel
from pb.voting.services import count_participations, count_voters, sealed_ballots

from .conftest import post_ballot


def _vote(client, world, n):  # type: ignore[no-untyped-def]
    for token in world.tokens[:n]:
        assert post_ballot(client, world, token.token, world.ids(0 if token.district == "q1" else 1, 2)).status_code == 201


def test_results_are_refused_before_close(client, session, build) -> None:
    world = build(voters=4)
    _vote(client, world, 3)
    with pytest.raises(ResultsSealed):
        sealed_ballots(session, world.edition)
    response = client.get(f"/api/v1/editions/{world.slug}/ballots", headers={"Accept-Language": "en"})
    assert response.status_code == 409 and response.json["error"]["code"] == "results_sealed"
    page = client.get(f"/editions/{world.slug}/board").get_data(as_text=True)
    assert "/ballots" not in page  # no link to ballots before the close


def test_after_close_the_shuffled_ballots_come_out(client, session, build) -> None:
    world = build(voters=6)
    _vote(client, world, 5)
    set_phase(session, SYSTEM, world.edition, "results")
    session.commit()
    ballots = list(sealed_ballots(session, world.edition))
    assert len(ballots) == 5
    assert all(b.channel is Channel.ONLINE and set(b.choices.values()) == {1} and len(b.choices) == 2 for b in ballots)
    body = client.get(f"/api/v1/editions/{world.slug}/ballots").json
    assert len(body["ballots"]) == 5
    assert all(set(b) == {"district_id", "channel", "choices"} for b in body["ballots"])  # no tracker, no time


def test_turnout_is_published_live(client, session, build) -> None:
    world = build(voters=4)
    _vote(client, world, 3)
    rows = count_participations(session, world.edition)
    assert sum(r.count for r in rows) == 3 and {r.channel for r in rows} == {Channel.ONLINE}
    assert count_voters(session, world.edition) == 3
    body = client.get(f"/api/v1/editions/{world.slug}/turnout").json
    assert body["voters"] == 3 and sum(r["count"] for r in body["by_district"]) == 3
