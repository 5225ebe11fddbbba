"""Casting a ballot: the one transaction that matters (DESIGN.md §2.3-2.5).

`cast_ballot` is shared by the web page and the JSON API. It is the one service that commits,
because its contract is transactional: either the token update, the participation row(s), the
ballot(s), the board entry and the audit line are committed together, or nothing is, and the
refusal's audit line is then committed on its own. The vote runs on a pooled connection of its
own, never on the caller's session (whose transaction it neither sees nor ends); the caller's
session only reads, on the rare paths (a short code, a refusal), and queues the receipt e-mail.

First the checks that need no database, against the edition's frozen rules and costs kept by
the process (snapshot.py): the payload, the token's signature. Then one transaction:

  [PostgreSQL] LOCK TABLE ballot IN ROW EXCLUSIVE MODE   -- so that closing the vote waits for us
  UPDATE voting_token SET used_at = now WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL
    RETURNING the voter (key, district, birth date) and, read now, the edition's phase and vote window
  INSERT participation (one per scope)        -- UNIQUE (edition, scope, voter_key): one person
  INSERT ballot (one per scope)               -- random id, no voter, no time
  INSERT board_entry (tracker)                -- unsealed: no lock on the board's head
  INSERT audit_entry (accepted, no choices)
  COMMIT; the receipt e-mail is queued on the caller's session (never an error for the voter)

On PostgreSQL this is written straight on the pool's psycopg connection, without the ORM: four
round trips (BEGIN and the lock in one, the UPDATE, one statement for the four INSERTs, COMMIT),
statements prepared by psycopg after their fifth use. Elsewhere (SQLite) the same steps go
through SQLAlchemy Core. A connection lost in the middle (PostgreSQL restarted) is retried on a
fresh one: it is always safe, since the token is single-use — if the lost COMMIT did go
through, the retry is told `token_used`, as any retry after a lost response is."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pb.audit.models import AuditEntry
from pb.db import utcnow
from pb.editions.models import Edition, Phase, PhaseWindow
from pb.mail import queue_email
from pb.projects.services import project_costs
from pb.voting import errors, identity, rules
from pb.voting.models import Ballot, BoardEntry, Channel, Participation, Voter, VotingToken
from pb.voting.services.common import cutoff_on, ineligibility_at, record_refusal, vote_day, vote_window
from pb.voting.services.snapshot import BoxSnapshot, ballot_box, load
from pb.voting.services.tokens import refusal_for_unusable, resolve_credential

log = logging.getLogger("pb.voting")

# Tests inject a failure here (after the token update, before the ballot) to prove atomicity.
_after_token_update: Callable[[], None] = lambda: None  # noqa: E731
ATTEMPTS = 3  # a tracker collision or a lost connection is retried, twice at most


@dataclass(frozen=True)
class Receipt:
    tracker: str
    scopes: int


class _Unusable(Exception):
    """The token is unknown, of another edition, used or revoked (which one is looked up after)."""


class _AlreadySignedIn(Exception):
    def __init__(self, voter_key: str, voter_ref: str) -> None:
        super().__init__("participation exists")
        self.voter_key = voter_key
        self.voter_ref = voter_ref


class _TrackerTaken(Exception):
    """Two trackers collided (60 random bits): draw again."""


class _Disconnected(Exception):
    """The database connection was lost (e.g. PostgreSQL restarted); nothing was committed, or
    the retry is told token_used."""


def districts_of(edition: Edition) -> dict[int, rules.DistrictInfo]:
    return {d.id: rules.DistrictInfo(d.id, d.name, d.envelope_cents, d.is_citywide) for d in edition.districts}


def check_open(edition: Any, phase: Phase | str, online: bool, now: dt.datetime,
               ends_at: dt.datetime | None | bool = False, starts_at: dt.datetime | None = None) -> None:
    """Online voting on, phase vote, within the published vote window (`ends_at`; False: read
    it from `edition`; `starts_at`: refused before it even if the phase was opened early)."""
    phase = Phase(phase)
    if not online:
        raise errors.OnlineVotingDisabled()
    if phase.rank < Phase.VOTE.rank or (starts_at is not None and now < starts_at):
        raise errors.VoteNotOpen()
    if phase.rank > Phase.VOTE.rank:
        raise errors.VoteClosed()
    end = vote_window(edition)[1] if ends_at is False else ends_at
    if end is not None and now > end:
        raise errors.VoteClosed()


def parse_payload(ballot_rules: rules.BallotRules, payload: Any) -> dict[int, int]:
    """The choices part of a request body: `choices` (list of ids; for cumulative ballots an
    object {id: points} is accepted too), `grades` (majority judgment) or `points`."""
    if not isinstance(payload, dict):
        raise errors.Malformed(detail="the body must be a JSON object")
    kind = ballot_rules.ballot_type
    if kind == "majority_judgment":
        value = payload.get("grades", payload.get("choices"))
    elif kind == "cumulative":
        value = payload.get("points", payload.get("choices"))
    else:
        value = payload.get("choices")
    if value is None:
        raise errors.Malformed(detail="no choices")
    return rules.parse_choices(ballot_rules, value)


def cast_ballot(session: Session, edition: Edition | BoxSnapshot, *, credential: str, payload: Any,
                client: str = "", channel: Channel = Channel.ONLINE, now: dt.datetime | None = None) -> Receipt:
    """Check and record one vote, or raise a named VoteRefused after writing its audit line.
    Commits the vote on a connection of its own (see the module docstring). `edition`: the
    Edition or its snapshot (only its id is read)."""
    engine = session.get_bind()
    voter_ref: str | None = None
    stage = "check"
    try:
        now = now or utcnow()
        box = ballot_box(engine, edition.id)
        # The snapshot's phase refuses only what is certain (see snapshot.py); the phase and the
        # vote window are read again inside the transaction.
        check_open(box, box.phase, box.online_voting, now, ends_at=None)
        chosen = parse_payload(box.rules, payload)
        token_id = resolve_credential(session, box, credential, now, ends_at=None)
        stage = "record"
        for attempt in range(ATTEMPTS):
            try:
                with _own_transaction(engine) as db:
                    receipt, voter_ref, email = _vote(db, box, token_id, chosen, now=now, client=client, channel=channel)
                break
            except _Unusable:
                raise _unusable(session, box.id, token_id) from None
            except _AlreadySignedIn as signed:
                voter_ref = signed.voter_ref
                raise _already_voted(session, box.id, signed.voter_key) from None
            except (_TrackerTaken, _Disconnected) as again:
                if attempt == ATTEMPTS - 1:
                    raise (again.__cause__ or again) from None
                log.warning("vote retried: %r", again.__cause__ or again)
        if email:
            send_receipt(session, box, email, receipt.tracker)
        return receipt
    except errors.VoteRefused as refusal:
        voter_ref = getattr(refusal, "voter_ref", None) or voter_ref
        record_refusal(session, edition.id, refusal, stage=stage, voter_ref=voter_ref, client=client)
        raise


def record_ballot(session: Session, edition: Edition, token_id: str, chosen: dict[int, int], *,
                  now: dt.datetime, client: str = "", channel: Channel = Channel.ONLINE,
                  box: BoxSnapshot | None = None) -> tuple[Receipt, str]:
    """The writes of one vote inside the caller's transaction, not committed (the demo casts
    many votes in its own transaction; give it `box`, the snapshot, to read it once). Raises
    VoteRefused."""
    box = box or load(session, edition)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        db: _Writer = _PostgresVote(connection.connection.driver_connection, begin=False)
    else:
        db = _CoreVote(connection)
    try:
        receipt, voter_ref, email = _vote(db, box, token_id, chosen, now=now, client=client, channel=channel)
    except _Unusable:
        raise _unusable(session, box.id, token_id) from None
    except _AlreadySignedIn:
        raise errors.AlreadyVoted() from None  # the caller's transaction is aborted on PostgreSQL
    if email:
        send_receipt(session, box, email, receipt.tracker)
    return receipt, voter_ref


def _vote(db: _Writer, box: BoxSnapshot, token_id: str, chosen: dict[int, int], *, now: dt.datetime, client: str,
          channel: Channel) -> tuple[Receipt, str, str]:
    """The vote's checks and writes in the current transaction of `db`. Returns the receipt,
    the voter's reference and e-mail address."""
    row = db.use_token(box.id, token_id, now)
    if row is None:
        raise _Unusable()
    _after_token_update()
    voter_key, voter_ref, district_id, birth_date, email, phase, online, starts_at, ends_at = row
    try:
        check_open(box, phase, online, now, ends_at, starts_at)
        day = vote_day(starts_at, box.vote_opened_at)
        reason = ineligibility_at(cutoff_on(day, box.min_voter_age), box.min_voter_age, day,
                                  box.rules.residence_rule, birth_date, district_id)
        if reason:
            raise errors.NotEligible(reason=reason)
        ballots = rules.validate(box.rules, chosen, box.costs, box.districts, district_id)
    except errors.VoteRefused as refusal:
        refusal.voter_ref = voter_ref  # type: ignore[attr-defined]
        raise
    tracker = identity.new_tracker()
    db.insert(
        [{"edition_id": box.id, "scope": b.scope.value, "district_id": b.district.id, "voter_key": voter_key,
          "channel": channel.value, "signed_at": now} for b in ballots],
        [{"id": uuid.uuid4(), "edition_id": box.id, "district_id": b.district.id, "channel": channel.value,
          "choices": b.choices} for b in ballots],
        {"edition_id": box.id, "tracker": tracker},
        {"at": now, "action": "vote.accepted", "target_type": "vote", "target_id": "", "edition_id": box.id,
         "detail": {"voter": voter_ref, "client": client, "channel": channel.value}},
        voter_key=voter_key, voter_ref=voter_ref,
    )
    return Receipt(tracker=tracker, scopes=len(ballots)), voter_ref, email


def _unusable(session: Session, edition_id: int, token_id: str) -> errors.VoteRefused:
    token = session.get(VotingToken, token_id)
    refusal = refusal_for_unusable(token if token is not None and token.edition_id == edition_id else None)
    if token is not None:
        refusal.voter_ref = session.scalar(sa.select(Voter.ref).where(Voter.id == token.voter_id))  # type: ignore[attr-defined]
    return refusal


def _already_voted(session: Session, edition_id: int, voter_key: str) -> errors.VoteRefused:
    channel = session.scalar(sa.select(Participation.channel).where(
        Participation.edition_id == edition_id, Participation.voter_key == voter_key).limit(1))
    return errors.AlreadyVotedPaper() if channel == Channel.PAPER else errors.AlreadyVoted()


# -- the two ways of writing a vote ----------------------------------------------------------------

class _Writer(Protocol):
    def use_token(self, edition_id: int, token_id: str, now: dt.datetime) -> Any: ...

    def insert(self, participations: list[dict[str, Any]], ballots: list[dict[str, Any]], board: dict[str, Any],
               audit: dict[str, Any], *, voter_key: str, voter_ref: str) -> None: ...


@contextmanager
def _own_transaction(engine: Engine) -> Iterator[_Writer]:
    """A transaction on a pooled connection of its own: committed if the block ends normally,
    rolled back otherwise. A lost connection raises _Disconnected (after dropping the pool, whose
    other connections are most likely lost too)."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            yield _CoreVote(connection)
        return
    import psycopg

    pooled = engine.raw_connection()
    conn = pooled.driver_connection
    try:
        # Autocommit, so that BEGIN travels with the close lock (one round trip less); the
        # transaction is then ours to end.
        conn.autocommit = True
        try:
            yield _PostgresVote(conn, begin=True)
            conn.execute("COMMIT")
        except BaseException:
            if not conn.broken:
                conn.rollback()
            raise
        finally:
            if not conn.broken:
                conn.autocommit = False
    except psycopg.OperationalError as error:
        if not conn.broken:
            raise
        pooled.invalidate(error)
        engine.dispose(close=False)
        raise _Disconnected() from error
    finally:
        pooled.close()


class _PostgresVote:
    """The vote's statements on a psycopg connection (see the module docstring)."""

    USE_TOKEN = (
        "UPDATE voting_token AS t SET used_at = %(now)s "
        "FROM voter AS v, edition AS e LEFT JOIN phase_window AS w ON w.edition_id = e.id AND w.phase = 'vote' "
        "WHERE t.id = %(token)s AND t.edition_id = %(edition)s AND t.used_at IS NULL AND t.revoked_at IS NULL "
        "AND v.id = t.voter_id AND e.id = t.edition_id "
        "RETURNING v.voter_key, v.ref, v.district_id, v.birth_date, v.email, e.phase, e.online_voting, "
        "w.starts_at, w.ends_at"
    )

    def __init__(self, conn: Any, *, begin: bool) -> None:
        self.cursor = conn.cursor()  # one for the vote's statements (each new cursor has its setup cost)
        self.begin = begin

    def use_token(self, edition_id: int, token_id: str, now: dt.datetime) -> Any:
        # Closing the vote takes an EXCLUSIVE lock on the ballot table: it waits for the votes
        # in flight, and the votes that start after it read the closed phase (below).
        lock = "LOCK TABLE ballot IN ROW EXCLUSIVE MODE"
        self.cursor.execute("BEGIN; " + lock if self.begin else lock)
        return self.cursor.execute(self.USE_TOKEN, {"now": now, "token": token_id, "edition": edition_id}).fetchone()

    def insert(self, participations: list[dict[str, Any]], ballots: list[dict[str, Any]], board: dict[str, Any],
               audit: dict[str, Any], *, voter_key: str, voter_ref: str) -> None:
        from psycopg import errors as pg

        params: dict[str, Any] = {"te": board["edition_id"], "tt": board["tracker"], "aa": audit["at"],
                                  "ae": audit["edition_id"], "ad": json.dumps(audit["detail"])}
        for i, p in enumerate(participations):
            params.update({f"pe{i}": p["edition_id"], f"ps{i}": p["scope"], f"pd{i}": p["district_id"],
                           f"pk{i}": p["voter_key"], f"pc{i}": p["channel"], f"pt{i}": p["signed_at"]})
        for i, b in enumerate(ballots):
            params.update({f"bi{i}": b["id"], f"be{i}": b["edition_id"], f"bd{i}": b["district_id"],
                           f"bc{i}": b["channel"], f"bj{i}": json.dumps(b["choices"])})
        try:
            self.cursor.execute(_insert_sql(len(participations)), params)
        except pg.UniqueViolation as error:
            if error.diag.table_name == "participation":
                raise _AlreadySignedIn(voter_key, voter_ref) from None
            if error.diag.table_name == "board_entry":
                raise _TrackerTaken() from error
            raise


@functools.lru_cache(maxsize=8)
def _insert_sql(scopes: int) -> str:
    """The four INSERTs of a vote in one statement (one round trip), for `scopes` ballots."""
    participations = ", ".join(f"(%(pe{i})s, %(ps{i})s, %(pd{i})s, %(pk{i})s, %(pc{i})s, %(pt{i})s)"
                               for i in range(scopes))
    ballots = ", ".join(f"(%(bi{i})s, %(be{i})s, %(bd{i})s, %(bc{i})s, CAST(%(bj{i})s AS json))" for i in range(scopes))
    return (
        "WITH p AS (INSERT INTO participation (edition_id, scope, district_id, voter_key, channel, signed_at) "
        f"VALUES {participations}), "
        f"b AS (INSERT INTO ballot (id, edition_id, district_id, channel, choices) VALUES {ballots}), "
        "t AS (INSERT INTO board_entry (edition_id, tracker) VALUES (%(te)s, %(tt)s)) "
        "INSERT INTO audit_entry (at, action, target_type, target_id, edition_id, detail) "
        "VALUES (%(aa)s, 'vote.accepted', 'vote', '', %(ae)s, CAST(%(ad)s AS json))"
    )


class _CoreVote:
    """The vote's statements through SQLAlchemy Core (SQLite: its single writer needs no lock
    for the close to wait for the votes in flight)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def use_token(self, edition_id: int, token_id: str, now: dt.datetime) -> Any:
        voter_id = self.connection.execute(
            sa.update(VotingToken.__table__)
            .where(VotingToken.id == token_id, VotingToken.edition_id == edition_id, VotingToken.used_at.is_(None),
                   VotingToken.revoked_at.is_(None))
            .values(used_at=now).returning(VotingToken.voter_id)
        ).scalar()
        if voter_id is None:
            return None
        return self.connection.execute(
            sa.select(Voter.voter_key, Voter.ref, Voter.district_id, Voter.birth_date, Voter.email, Edition.phase,
                      Edition.online_voting, PhaseWindow.starts_at, PhaseWindow.ends_at)
            .join(Edition, Edition.id == Voter.edition_id)
            .outerjoin(PhaseWindow, sa.and_(PhaseWindow.edition_id == Edition.id, PhaseWindow.phase == Phase.VOTE))
            .where(Voter.id == voter_id)
        ).one()

    def insert(self, participations: list[dict[str, Any]], ballots: list[dict[str, Any]], board: dict[str, Any],
               audit: dict[str, Any], *, voter_key: str, voter_ref: str) -> None:
        try:
            self.connection.execute(sa.insert(Participation.__table__), participations)
            self.connection.execute(sa.insert(Ballot.__table__), ballots)
            self.connection.execute(sa.insert(BoardEntry.__table__), [board])
            self.connection.execute(sa.insert(AuditEntry.__table__), [audit])
        except IntegrityError as error:
            if "participation" in str(error.orig):
                raise _AlreadySignedIn(voter_key, voter_ref) from None
            if "board_entry" in str(error.orig) and "tracker" in str(error.orig):
                raise _TrackerTaken() from error
            raise


def send_receipt(session: Session, edition: Edition | BoxSnapshot, email: str, tracker: str) -> None:
    from pb.web.urls import external_url

    subject = _("Your vote is recorded")
    body = _(
        "Hello,\n\nYour vote in “%(edition)s” is recorded. Your tracker is:\n\n    %(tracker)s\n\n"
        "It appears on the public board:\n%(link)s\n\nThe tracker proves that your ballot is in the box; "
        "it does not say, and cannot show anyone, how you voted.",
        edition=edition.name, tracker=tracker, link=external_url("voting.board", slug=edition.slug, tracker=tracker),
    )
    queue_email(session, email, subject, body)


def ballot_preview(session: Session, edition: Edition, chosen: dict[int, int], residence_id: int | None) -> list[Any]:
    """Validate without writing (the review step): the per-scope ballots or a VoteRefused."""
    return rules.validate(rules.BallotRules.of(edition), chosen, project_costs(session, edition.id),
                          districts_of(edition), residence_id)
