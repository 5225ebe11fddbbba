"""Races, with real commits on separate connections: 50 threads on PostgreSQL (8 on SQLite,
whose single writer serialises them anyway; its busy_timeout makes them wait their turn)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.db import make_engine
from pb.editions.models import Edition
from pb.voting import errors
from pb.voting.models import BoardEntry, Participation, EncryptedBallot, VotingToken
from pb.voting.services import cast_ballot
from pb.voting.services.tokens import sign

from ..conftest import IS_POSTGRES
from .conftest import World, build_world

THREADS = 50 if IS_POSTGRES else 8


def _race(app: Any, database_url: str, edition_id: int, credentials: list[str], choices: list[int]) -> list[Any]:
    engine = make_engine(database_url, pool_size=THREADS + 5, max_overflow=0) if IS_POSTGRES else make_engine(database_url)
    barrier = threading.Barrier(len(credentials))
    outcomes: list[Any] = [None] * len(credentials)

    def vote(i: int) -> None:
        with app.app_context(), Session(engine, expire_on_commit=False) as session:
            edition = session.get(Edition, edition_id)
            _ = edition.districts, edition.phase_windows  # loaded before the race
            session.commit()
            barrier.wait()
            try:
                outcomes[i] = cast_ballot(session, edition, credential=credentials[i], payload={"choices": choices})
            except errors.VoteRefused as refusal:
                outcomes[i] = refusal.code
            except Exception as other:  # noqa: BLE001
                outcomes[i] = repr(other)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(len(credentials))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return outcomes


def _counts(session: Session) -> tuple[int, int, int]:
    session.commit()
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (EncryptedBallot, Participation, BoardEntry))  # type: ignore[return-value]


def _own(world: World) -> list[int]:
    token = world.tokens[0]
    return world.ids(0 if token.district == "q1" else 1, 2)


def test_same_token_submitted_at_once_gives_exactly_one_ballot(app, session, make, database_url) -> None:
    world = build_world(session, make)
    outcomes = _race(app, database_url, world.edition.id, [world.tokens[0].token] * THREADS, _own(world))
    accepted = [o for o in outcomes if not isinstance(o, str)]
    assert len(accepted) == 1, outcomes
    assert sorted(set(o for o in outcomes if isinstance(o, str))) == ["token_used"], outcomes
    assert _counts(session) == (1, 1, 1)
    assert session.scalar(sa.select(sa.func.count()).select_from(VotingToken).where(VotingToken.used_at.is_not(None))) == 1


def test_different_tokens_of_one_person_give_one_ballot(app, session, make, database_url) -> None:
    world = build_world(session, make)
    voter_id = world.tokens[0].voter_id
    raws = [world.tokens[0].token]
    for _ in range(THREADS - 1):  # tokens that should never exist: the database still says one person, one vote
        token_id = uuid.uuid4().hex
        session.add(VotingToken(id=token_id, edition_id=world.edition.id, voter_id=voter_id, active_voter_id=None))
        raws.append(sign(world.edition.id, token_id))
    session.commit()
    outcomes = _race(app, database_url, world.edition.id, raws, _own(world))
    accepted = [o for o in outcomes if not isinstance(o, str)]
    assert len(accepted) == 1, outcomes
    assert set(o for o in outcomes if isinstance(o, str)) == {"already_voted"}, outcomes
    assert _counts(session) == (1, 1, 1)
    # The refused transactions were rolled back whole: their tokens are unused.
    assert session.scalar(sa.select(sa.func.count()).select_from(VotingToken).where(VotingToken.used_at.is_not(None))) == 1


def test_many_voters_at_once_are_all_accepted(app, session, make, database_url) -> None:
    world = build_world(session, make, voters=THREADS)
    by_district: dict[str, list[int]] = {"q1": world.ids(0, 2), "q2": world.ids(1, 2)}
    engine_outcomes = []
    for district in ("q1", "q2"):
        tokens = [t.token for t in world.tokens if t.district == district]
        engine_outcomes += _race(app, database_url, world.edition.id, tokens, by_district[district])
    assert all(not isinstance(o, str) for o in engine_outcomes), engine_outcomes
    assert _counts(session) == (THREADS, THREADS, THREADS)
    assert len({o.tracker for o in engine_outcomes}) == THREADS
