"""What leaves the ballot box, and when.

- `sealed_ballots` gives the ballots to the count (tally) only once the vote is closed (phase
  results or later) and its online ballots decrypted (secrecy.py); before that it raises
  ResultsSealed or BallotsEncrypted, whoever asks. The order is the
  ballots' random keys: a shuffle fixed once and for all, unrelated to the order of arrival,
  so two recounts read the same sequence.
- `count_participations` gives turnout (sign-ins per register district, scope and channel; the
  district a voter chose is in the ballot: `ballots_per_district` after the close). Turnout is
  not a result: it says how many voted, not for what, and cities publish it during the vote;
  pb shows it live on the admin pages and in the API (docs/voting.md explains the choice).
- `shuffle_ballots` rewrites an edition's ballot rows in random order (PostgreSQL), so that
  neither the physical order nor the transaction id of a row tells when it was written (the
  online ballots are written in random order by the decryption; this is for paper ones)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Iterator, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.editions.models import Edition, Phase
from pb.voting.errors import BallotsEncrypted, ResultsSealed
from pb.voting.models import Ballot, Channel, EncryptedBallot, Participation, Scope


class SealedBallot(NamedTuple):
    """One anonymous ballot: the district of its scope (the city-wide scope is a district row
    with is_citywide), its channel, and {project id: value} — 1 for approval and budget
    ballots, the points for cumulative ballots, the grade (0 = lowest) for majority judgment."""

    district_id: int
    channel: Channel
    choices: dict[int, int]


def results_open(edition: Edition) -> bool:
    return edition.phase.rank >= Phase.RESULTS.rank


def require_closed(edition: Edition, session: Session | None = None) -> None:
    """The vote is closed and (with `session`) no online ballot is still encrypted."""
    if not results_open(edition):
        raise ResultsSealed()
    if session is not None and session.scalar(sa.select(EncryptedBallot.id).where(
            EncryptedBallot.edition_id == edition.id).limit(1)) is not None:
        raise BallotsEncrypted()


def sealed_ballots(session: Session, edition: Edition) -> Iterator[SealedBallot]:
    """Every ballot of the edition (online and paper), in shuffled order. Raises ResultsSealed
    before the vote is closed, BallotsEncrypted before its decryption (checked when called, not
    when iterated)."""
    require_closed(edition, session)
    return itertools.chain(_iter_ballots(session, edition.id), _paper_ballots(session, edition.id))


def _paper_ballots(session: Session, edition_id: int) -> Iterator[SealedBallot]:
    """The keyed ballots of the paper ballot boxes' signed-off reports (pb.ballotbox)."""
    from pb.ballotbox.services.count import keyed_ballots

    for district_id, channel, choices in keyed_ballots(session, edition_id):
        yield SealedBallot(district_id, channel, choices)


def _iter_ballots(session: Session, edition_id: int) -> Iterator[SealedBallot]:
    stmt = (sa.select(Ballot.district_id, Ballot.channel, Ballot.choices)
            .where(Ballot.edition_id == edition_id).order_by(Ballot.id))
    for district_id, channel, choices in session.execute(stmt.execution_options(yield_per=2000)):
        yield SealedBallot(district_id, Channel(channel), {int(k): int(v) for k, v in choices.items()})


@dataclass(frozen=True)
class Turnout:
    district_id: int | None  # the register's district (None: a register without districts)
    scope: Scope
    channel: Channel
    count: int


def count_participations(session: Session, edition: Edition) -> list[Turnout]:
    """Sign-ins per (district, scope, channel). Allowed at any time: see the module docstring."""
    rows = session.execute(
        sa.select(Participation.district_id, Participation.scope, Participation.channel, sa.func.count())
        .where(Participation.edition_id == edition.id)
        .group_by(Participation.district_id, Participation.scope, Participation.channel)
        .order_by(Participation.district_id, Participation.channel)
    ).all()
    return [Turnout(d, Scope(s), Channel(c), n) for d, s, c, n in rows]


def turnout(session: Session, edition: Edition) -> list[Turnout]:
    """Turnout as it can be told: during the vote, sign-ins per register district
    (`count_participations`); once the ballots are decrypted, counted ballots per district the
    voters chose (the scope's district) and channel."""
    try:
        require_closed(edition, session)
    except (ResultsSealed, BallotsEncrypted):
        return count_participations(session, edition)
    citywide = {d.id for d in edition.districts if d.is_citywide}
    rows = session.execute(sa.select(Ballot.district_id, Ballot.channel, sa.func.count())
                           .where(Ballot.edition_id == edition.id).group_by(Ballot.district_id, Ballot.channel)
                           .order_by(Ballot.district_id, Ballot.channel)).all()
    return [Turnout(d, Scope.CITYWIDE if d in citywide else Scope.DISTRICT, Channel(c), n) for d, c, n in rows]


def count_voters(session: Session, edition: Edition) -> int:
    """People who voted (any scope, any channel)."""
    return session.scalar(sa.select(sa.func.count(sa.distinct(Participation.voter_key))).where(
        Participation.edition_id == edition.id)) or 0


def shuffle_ballots(session: Session, edition_id: int) -> int:
    """Rewrite the edition's ballots in random order, in one statement (PostgreSQL). The rows
    keep their keys and content; they get new physical places and one common transaction id.
    SQLite needs nothing: the table has no rowid and is stored in random-key order."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    columns = "id, edition_id, district_id, channel, choices"
    result = session.execute(sa.text(
        f"WITH moved AS (DELETE FROM ballot WHERE edition_id = :e RETURNING {columns}) "
        f"INSERT INTO ballot ({columns}) SELECT {columns} FROM moved ORDER BY random()"
    ), {"e": edition_id})
    return result.rowcount or 0


def close_ballot_box(session: Session, edition: Edition) -> None:
    """At the close of the vote: wait for the votes in flight, seal the board and sign its head,
    and in key mode server decrypt the ballots (mode trustees: `pb ballots decrypt` or the admin
    page). A signing key file that is missing does not stop the close: it is logged and audited."""
    from pb import audit
    from pb.authz import SYSTEM
    from pb.voting.keys import KeyProblem
    from pb.voting.services.board import sign_head
    from pb.voting.services.secrecy import close_decrypt, log

    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"LOCK TABLE {EncryptedBallot.__tablename__} IN EXCLUSIVE MODE"))
    try:
        sign_head(session, edition, at_close=True)
    except KeyProblem as problem:
        log.error("the board's head of edition %s was not signed at the close: %s", edition.id, problem)
        audit.record(session, SYSTEM, "voting.head_not_signed", edition, after={"reason": str(problem)})
    close_decrypt(session, edition)
