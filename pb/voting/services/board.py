"""The public board: every accepted ballot's tracker, chained by hashes.

The vote only inserts its tracker, unsealed (no position, no hash): no vote ever waits for
another on the board's head. `seal_board` then gives the pending entries consecutive positions
(in tracker order, i.e. random: the position says nothing about when a vote came) and chains
them:

    entry_hash = sha256("<previous_hash>|<edition id>|<position>|<tracker>")   (hex, UTF-8)
    previous_hash of position 1 = 64 zeros

Sealing runs when the board is read (page or API), when the vote closes, and with
`pb board seal`; `pb board verify` recomputes the whole chain."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pb.voting import identity
from pb.voting.models import BoardEntry

GENESIS = "0" * 64
LOCK_CLASS = 0x5042  # advisory lock namespace of the board ("PB")
SEAL_BATCH = 5000


def entry_hash(previous_hash: str, edition_id: int, position: int, tracker: str) -> str:
    return hashlib.sha256(f"{previous_hash}|{edition_id}|{position}|{tracker}".encode()).hexdigest()


def _head(session: Session, edition_id: int) -> tuple[int, str]:
    row = session.execute(
        sa.select(BoardEntry.position, BoardEntry.entry_hash)
        .where(BoardEntry.edition_id == edition_id, BoardEntry.position.is_not(None))
        .order_by(BoardEntry.position.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


def seal_board(session: Session, edition_id: int, *, wait: bool = True) -> int:
    """Chain the pending entries after the current head; returns how many were sealed. With
    wait=False, gives up at once if another sealer is at work (a page read)."""
    table = BoardEntry.__table__
    if session.get_bind().dialect.name == "postgresql":
        lock = sa.func.pg_advisory_xact_lock if wait else sa.func.pg_try_advisory_xact_lock
        got = session.execute(sa.select(lock(sa.literal(LOCK_CLASS, sa.Integer), sa.literal(edition_id, sa.Integer)))).scalar()
        if not wait and not got:
            return 0
    else:
        # SQLite: take the write lock first, so that the head read below cannot be stale.
        session.execute(sa.update(table).where(table.c.id == -1).values(position=None))
    position, previous = _head(session, edition_id)
    sealed = 0
    last_tracker = ""
    while True:
        pending = session.execute(
            sa.select(table.c.id, table.c.tracker)
            .where(table.c.edition_id == edition_id, table.c.position.is_(None), table.c.tracker > last_tracker)
            .order_by(table.c.tracker).limit(SEAL_BATCH)
        ).all()
        if not pending:
            break
        updates = []
        for entry_id, tracker in pending:
            position += 1
            digest = entry_hash(previous, edition_id, position, tracker)
            updates.append({"b_id": entry_id, "b_position": position, "b_previous": previous, "b_hash": digest})
            previous = digest
        session.execute(
            sa.update(table).where(table.c.id == sa.bindparam("b_id"), table.c.position.is_(None))
            .values(position=sa.bindparam("b_position"), previous_hash=sa.bindparam("b_previous"),
                    entry_hash=sa.bindparam("b_hash")),
            updates,
        )
        sealed += len(pending)
        last_tracker = pending[-1][1]
    return sealed


def seal_pending(session_factory: Any, edition_id: int) -> int:
    """Seal in a short transaction of its own, without waiting (the board page and API)."""
    with session_factory() as own:
        try:
            sealed = seal_board(own, edition_id, wait=False)
            own.commit()
            return sealed
        except (IntegrityError, OperationalError):  # another sealer won the race (SQLite): fine
            own.rollback()
            return 0


@dataclass
class BoardCheck:
    ok: bool
    entries: int
    pending: int
    head_hash: str
    first_bad_position: int | None = None
    problem: str = ""


def verify_board(session: Session, edition_id: int) -> BoardCheck:
    """Recompute the chain from the start. Detects a changed tracker, position or hash, a
    missing or inserted entry."""
    table = BoardEntry.__table__
    pending = session.scalar(sa.select(sa.func.count()).select_from(table).where(
        table.c.edition_id == edition_id, table.c.position.is_(None))) or 0
    previous, expected, count = GENESIS, 1, 0
    last = 0
    while True:
        rows = session.execute(
            sa.select(table.c.position, table.c.tracker, table.c.previous_hash, table.c.entry_hash)
            .where(table.c.edition_id == edition_id, table.c.position > last)
            .order_by(table.c.position).limit(SEAL_BATCH)
        ).all()
        if not rows:
            break
        for position, tracker, previous_hash, digest in rows:
            problem = ""
            if position != expected:
                problem = f"position {expected} is missing (found {position})"
            elif previous_hash != previous:
                problem = "its previous hash does not match the entry before it"
            elif digest != entry_hash(previous, edition_id, position, tracker):
                problem = "its hash does not match its content"
            if problem:
                return BoardCheck(False, count, pending, previous, expected, problem)
            previous, expected, count = digest, expected + 1, count + 1
        last = rows[-1][0]
    return BoardCheck(True, count, pending, previous)


def board_entries(session: Session, edition_id: int, *, after: int = 0, limit: int = 100) -> list[Any]:
    table = BoardEntry.__table__
    return list(session.execute(
        sa.select(table.c.position, table.c.tracker, table.c.previous_hash, table.c.entry_hash)
        .where(table.c.edition_id == edition_id, table.c.position > after)
        .order_by(table.c.position).limit(limit)
    ))


def board_size(session: Session, edition_id: int) -> tuple[int, int]:
    """(sealed, pending) entries."""
    table = BoardEntry.__table__
    rows = dict(session.execute(
        sa.select(table.c.position.is_(None), sa.func.count()).where(table.c.edition_id == edition_id)
        .group_by(table.c.position.is_(None))
    ).all())
    return rows.get(False, 0), rows.get(True, 0)


def find_tracker(session: Session, edition_id: int, text: str) -> Any:
    """The board entry of a tracker typed by a voter (case, spaces and dashes ignored)."""
    wanted = identity.normalise_base32(text)
    if len(wanted) != 12:
        return None
    table = BoardEntry.__table__
    return session.execute(
        sa.select(table.c.position, table.c.tracker, table.c.entry_hash)
        .where(table.c.edition_id == edition_id, table.c.tracker == identity.grouped(wanted))
    ).first()
