"""An online vote and a desk sign-in of the same person, racing over real HTTP (a threaded
server, real commits; on PostgreSQL in CI): exactly one participation survives, and the loser
is told why."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import sqlalchemy as sa

from pb.voting.models import Participation

from .conftest import open_desk, own_choices, token_for, voter
from ..conftest import IS_POSTGRES
from ..voting.conftest import build_world

PEOPLE = 12 if IS_POSTGRES else 4


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_online_vote_and_desk_signin_race_gives_one_participation(live_server, session, make) -> None:
    world = build_world(session, make, voters=2 * PEOPLE)
    desk = open_desk(session, make, world, officers=1)
    people = [voter(session, world, i) for i in range(0, 2 * PEOPLE, 2)]  # district q1, as the desk
    session.commit()
    calls: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    for v in people:
        calls.append((f"{live_server}/api/v1/editions/{world.slug}/ballots",
                      {"token": token_for(world, v).token, "choices": own_choices(world, v)}, {}))
        calls.append((f"{live_server}/api/v1/stations/{desk.id}/signins", {"voter_ref": v.ref},
                      {"Authorization": f"Bearer {desk.keys[0]}"}))
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        answers[i] = _post(*calls[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session.commit()
    for n, v in enumerate(people):
        online, desk_answer = answers[2 * n], answers[2 * n + 1]
        statuses = sorted([online[0], desk_answer[0]])
        assert statuses == [201, 409], (online, desk_answer)
        rows = session.scalars(sa.select(Participation).where(Participation.voter_key == v.voter_key)).all()
        assert len({r.channel for r in rows}) == 1 and len(rows) == 1
        if online[0] == 201:
            assert rows[0].channel == "online" and desk_answer[1]["error"]["code"] == "already_voted"
            assert desk_answer[1]["existing"]["channel"] == "online"
        else:
            assert rows[0].station_id == desk.id and online[1]["error"]["code"] == "already_voted_paper"
