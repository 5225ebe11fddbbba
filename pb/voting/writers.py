"""The vote's SQL, generated from the tables' metadata: one definition, two ways of running it.

A vote writes, in one transaction: the token's use (which returns the voter and, read now, the
edition's phase and vote window), the sign-in rows, the sealed ballot, the board entry and the
audit line. `vote_rows` builds those rows once, with every column of each table; the statements
below are SQLAlchemy Core built from the same tables, so a column added, renamed or removed
reaches both ways at once (tests/voting/test_writers.py fails otherwise).

- PostgreSQL: the statements are compiled once per process for the psycopg dialect and run on
  the pool's psycopg connection, without SQLAlchemy's execution layer (its cost was the vote's
  largest after Flask's: docs/performance.md). Four round trips: BEGIN with the close lock,
  the token UPDATE ... RETURNING (joined to voter, edition and the vote's window), one
  statement for the four INSERTs (data-modifying CTEs), COMMIT. Parameters go through the
  columns' own bind processors (UTC datetimes, enums, JSON).
- SQLite: the same tables' statements through SQLAlchemy Core on a Connection (the UPDATE
  cannot return another table's columns there: the voter is read by a second statement).

A refused write is told apart by the violated constraint's name (PostgreSQL) or, on SQLite,
which reports no name, by the statement that failed and the extended error code; never by
the message text."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from pb.audit.models import AuditEntry
from pb.editions.models import Edition, Phase, PhaseWindow
from pb.voting.models import BoardEntry, Participation, EncryptedBallot, Voter, VotingToken

PARTICIPATION, SEALED, BOARD, AUDIT = (Participation.__table__, EncryptedBallot.__table__, BoardEntry.__table__,
                                       AuditEntry.__table__)
TOKEN = VotingToken.__table__
# What the token's use returns, in this order (casting._vote unpacks it).
_window = PhaseWindow.__table__
VOTER_COLUMNS = (Voter.voter_key, Voter.ref, Voter.district_id, Voter.birth_date, Voter.email, Edition.phase,
                 Edition.online_voting, _window.c.starts_at, _window.c.ends_at)
# The constraints whose violation is an answer, not a failure.
SIGNED_IN = "uq_participation_edition_id_scope_voter_key"
TRACKER_TAKEN = "uq_board_entry_tracker"


class AlreadySignedIn(Exception):
    """The participation row exists: this person has voted (in this scope) already."""


class TrackerTaken(Exception):
    """Two trackers collided (60 random bits): draw again."""


class Disconnected(Exception):
    """The database connection was lost (e.g. PostgreSQL restarted); nothing was committed, or
    the retry is told token_used."""


@dataclass
class VoteRows:
    """Every row one vote inserts, each with every column of its table but the serial keys."""

    participations: list[dict[str, Any]]
    sealed: dict[str, Any]
    board: dict[str, Any]
    audit: dict[str, Any]

    def by_table(self) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
        return [(PARTICIPATION, self.participations), (SEALED, [self.sealed]), (BOARD, [self.board]),
                (AUDIT, [self.audit])]


def written_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns a vote writes: all of them but a serial primary key."""
    return [c for c in table.c if c is not table.autoincrement_column]


def vote_rows(*, edition_id: int, scopes: list[str], district_id: int | None, voter_key: str, voter_ref: str,
              channel: str, now: dt.datetime, box: bytes, tracker: str, client: str) -> VoteRows:
    rows = VoteRows(
        participations=[{"edition_id": edition_id, "scope": scope, "district_id": district_id, "voter_key": voter_key,
                         "channel": channel, "station_id": None, "signed_at": now} for scope in scopes],
        sealed={"id": uuid.uuid4(), "edition_id": edition_id, "box": box},
        board={"edition_id": edition_id, "tracker": tracker, "position": None, "previous_hash": None,
               "entry_hash": None},
        audit={"at": now, "actor_id": None, "action": "vote.accepted", "target_type": "vote", "target_id": "",
               "edition_id": edition_id, "before": None, "after": None,
               "detail": {"voter": voter_ref, "client": client, "channel": channel}},
    )
    for table, table_rows in rows.by_table():
        wanted = _column_names(table)
        for row in table_rows:
            if row.keys() != wanted:
                raise RuntimeError(f"the vote writes {sorted(row)} in {table.name}, whose columns are {sorted(wanted)}")
    return rows


@functools.cache
def _column_names(table: sa.Table) -> frozenset[str]:
    return frozenset(c.name for c in written_columns(table))


class Writer(Protocol):
    def use_token(self, edition_id: int, token_id: str, now: dt.datetime) -> Any: ...

    def insert(self, rows: VoteRows) -> None: ...


# -- the statements ----------------------------------------------------------------------------------

def _window_join() -> Any:
    return sa.and_(_window.c.edition_id == Edition.id, _window.c.phase == Phase.VOTE.value)


def use_token_statement() -> sa.Update:
    """UPDATE voting_token ... FROM voter, edition RETURNING the voter and the vote's window
    (PostgreSQL: one round trip). The window is read by scalar subqueries: UPDATE ... FROM
    cannot LEFT JOIN to its target."""
    def window_of(column: sa.Column[Any]) -> Any:
        return (sa.select(column).where(_window.c.edition_id == TOKEN.c.edition_id, _window.c.phase == Phase.VOTE.value)
                .scalar_subquery().label(column.name))

    return (sa.update(TOKEN).values(used_at=sa.bindparam("now", type_=TOKEN.c.used_at.type))
            .where(TOKEN.c.id == sa.bindparam("token"), TOKEN.c.edition_id == sa.bindparam("edition"),
                   TOKEN.c.used_at.is_(None), TOKEN.c.revoked_at.is_(None),
                   Voter.id == TOKEN.c.voter_id, Edition.id == TOKEN.c.edition_id)
            .returning(*VOTER_COLUMNS[:-2], window_of(_window.c.starts_at), window_of(_window.c.ends_at)))


def insert_statement(scopes: int) -> sa.Insert:
    """The four INSERTs of a vote with `scopes` sign-in rows, as one statement (data-modifying
    CTEs; PostgreSQL)."""
    def values(table: sa.Table, prefix: str) -> dict[str, Any]:
        return {c.name: sa.bindparam(f"{prefix}{c.name}", type_=c.type) for c in written_columns(table)}

    participations = sa.insert(PARTICIPATION).values([values(PARTICIPATION, f"p{i}_") for i in range(scopes)]).cte("p")
    sealed = sa.insert(SEALED).values(values(SEALED, "s_")).cte("s")
    board = sa.insert(BOARD).values(values(BOARD, "t_")).cte("t")
    return sa.insert(AUDIT).values(values(AUDIT, "a_")).add_cte(participations, sealed, board)


def insert_params(rows: VoteRows) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, row in enumerate(rows.participations):
        params.update({f"p{i}_{k}": v for k, v in row.items()})
    for prefix, row in (("s_", rows.sealed), ("t_", rows.board), ("a_", rows.audit)):
        params.update({f"{prefix}{k}": v for k, v in row.items()})
    return params


@dataclass(frozen=True)
class Compiled:
    """A Core statement compiled once for psycopg: its SQL, its parameters' processors and the
    values of its constant parameters (e.g. the phase 'vote')."""

    sql: str
    required: frozenset[str]
    constants: dict[str, Any]
    processors: dict[str, Any]

    @classmethod
    def of(cls, statement: sa.ClauseElement) -> Compiled:
        dialect = _psycopg_dialect()
        compiled = statement.compile(dialect=dialect)
        processors, constants, required = {}, {}, set()
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors[name] = processor
            if bind.required or bind.callable is not None:
                required.add(name)
            else:
                constants[name] = bind.value
        return cls(compiled.string, frozenset(required), constants, processors)

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        missing = self.required - values.keys()
        if missing:
            raise RuntimeError(f"no value for {sorted(missing)}")
        params = {**self.constants, **values}
        for name, processor in self.processors.items():
            params[name] = processor(params[name])
        return params


@functools.cache
def _psycopg_dialect() -> sa.Dialect:
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    return dialect()


@functools.cache
def compiled_use_token() -> Compiled:
    return Compiled.of(use_token_statement())


@functools.lru_cache(maxsize=8)
def compiled_insert(scopes: int) -> Compiled:
    return Compiled.of(insert_statement(scopes))


# -- the two ways of running them ----------------------------------------------------------------------

class PostgresWriter:
    """The vote's statements on a psycopg connection (see the module docstring)."""

    def __init__(self, conn: Any, *, begin: bool) -> None:
        self.cursor = conn.cursor()  # one for the vote's statements (each new cursor has its setup cost)
        self.begin = begin

    def use_token(self, edition_id: int, token_id: str, now: dt.datetime) -> Any:
        # Closing the vote takes an EXCLUSIVE lock on the sealed ballots: it waits for the votes
        # in flight, and the votes that start after it read the closed phase.
        lock = f"LOCK TABLE {SEALED.name} IN ROW EXCLUSIVE MODE"
        self.cursor.execute("BEGIN; " + lock if self.begin else lock)
        statement = compiled_use_token()
        return self.cursor.execute(statement.sql, statement.params(
            {"now": now, "token": token_id, "edition": edition_id})).fetchone()

    def insert(self, rows: VoteRows) -> None:
        from psycopg import errors as pg

        statement = compiled_insert(len(rows.participations))
        try:
            self.cursor.execute(statement.sql, statement.params(insert_params(rows)))
        except pg.UniqueViolation as error:
            if error.diag.constraint_name == SIGNED_IN:
                raise AlreadySignedIn() from None
            if error.diag.constraint_name == TRACKER_TAKEN:
                raise TrackerTaken() from error
            raise


class CoreWriter:
    """The vote's statements through SQLAlchemy Core (SQLite: its single writer needs no lock
    for the close to wait for the votes in flight)."""

    SQLITE_UNIQUE = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def use_token(self, edition_id: int, token_id: str, now: dt.datetime) -> Any:
        voter_id = self.connection.execute(
            sa.update(TOKEN)
            .where(TOKEN.c.id == token_id, TOKEN.c.edition_id == edition_id, TOKEN.c.used_at.is_(None),
                   TOKEN.c.revoked_at.is_(None))
            .values(used_at=now).returning(TOKEN.c.voter_id)
        ).scalar()
        if voter_id is None:
            return None
        return self.connection.execute(
            sa.select(*VOTER_COLUMNS).join(Edition, Edition.id == Voter.edition_id)
            .outerjoin(_window, _window_join()).where(Voter.id == voter_id)
        ).one()

    def insert(self, rows: VoteRows) -> None:
        for table, table_rows in rows.by_table():
            try:
                self.connection.execute(sa.insert(table), table_rows)
            except IntegrityError as error:
                unique = getattr(error.orig, "sqlite_errorname", "") in self.SQLITE_UNIQUE
                if unique and table is PARTICIPATION:
                    raise AlreadySignedIn() from None
                if unique and table is BOARD:
                    raise TrackerTaken() from error
                raise


def writer_for(connection: sa.Connection) -> Writer:
    """A writer inside the caller's transaction (the demo casts many votes in one)."""
    if connection.dialect.name == "postgresql":
        return PostgresWriter(connection.connection.driver_connection, begin=False)
    return CoreWriter(connection)


@contextmanager
def own_transaction(engine: Engine) -> Iterator[Writer]:
    """A transaction on a pooled connection of its own: committed if the block ends normally,
    rolled back otherwise. A lost connection raises Disconnected (after dropping the pool, whose
    other connections are most likely lost too)."""
    if engine.dialect.name != "postgresql":
        with engine.begin() as connection:
            yield CoreWriter(connection)
        return
    import psycopg

    pooled = engine.raw_connection()
    conn = pooled.driver_connection
    try:
        # Autocommit, so that BEGIN travels with the close lock (one round trip less); the
        # transaction is then ours to end.
        conn.autocommit = True
        try:
            yield PostgresWriter(conn, begin=True)
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
        raise Disconnected() from error
    finally:
        pooled.close()
