"""The public board: every accepted ballot's tracker, chained by hashes.

The vote only inserts its tracker, unsealed (no position, no hash): no vote ever waits for
another on the board's head. `seal_board` then gives the pending entries consecutive positions
(in tracker order, i.e. random: the position says nothing about when a vote came) and chains
them:

    entry_hash = sha256("<previous_hash>|<edition id>|<position>|<tracker>")   (hex, UTF-8)
    previous_hash of position 1 = 64 zeros

Sealing runs when the board is read (page or API), when the vote closes, and with
`pb board seal`.

A chain alone proves nothing against whoever can rewrite it (delete the last entries, change a
tracker and recompute every hash, insert a tracker). So:

- the head (position, hash) is **signed** with the edition's Ed25519 key at regular intervals
  during the vote (`pb board sign`, run by a scheduler) and at the close; the signed heads are
  published (board page and API, results, Pabulib files) and anyone may keep them;
- `verify_board` recomputes the chain and checks it against every signed head (signature and
  hash at its position), against any head a citizen kept (`--head POSITION:HASH`), and against
  the accepted votes: one entry per online voter."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Iterator

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pb.voting import identity, keys
from pb.voting.models import BallotKey, BoardEntry, BoardHead, Channel, Participation

log = logging.getLogger("pb.voting")

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
    online_voters: int = 0
    heads_checked: list[int] = field(default_factory=list)


def verify_board(session: Session, edition_id: int, heads: list[tuple[int, str]] | None = None) -> BoardCheck:
    """Recompute the chain from the start and check it against the signed heads, the `heads`
    given (position, hash: kept by a citizen) and the number of online voters. Detects a
    changed tracker, position or hash, a missing or inserted entry, entries deleted at the end
    or a whole chain recomputed after a change (then a signed head, or the count, disagrees)."""
    table = BoardEntry.__table__
    signing_key = session.scalar(sa.select(BallotKey.signing_key).where(BallotKey.edition_id == edition_id))
    signed = session.execute(sa.select(BoardHead.position, BoardHead.entry_hash, BoardHead.signature)
                             .where(BoardHead.edition_id == edition_id).order_by(BoardHead.position)).all()
    wanted: dict[int, list[tuple[str, str]]] = {}
    for position, digest, signature in signed:
        if signing_key is None or not keys.signature_ok(signing_key, keys.head_message(edition_id, position, digest),
                                                        signature):
            return BoardCheck(False, 0, 0, GENESIS, position,
                              f"the signature of the head published at position {position} is not valid")
        wanted.setdefault(position, []).append((digest, "the signed head"))
    for position, digest in heads or []:
        wanted.setdefault(position, []).append((digest.lower(), "the head given"))
    # One statement, one snapshot: the entries and the voters counted at the same instant.
    pending, total, voters = session.execute(sa.select(
        sa.select(sa.func.count()).select_from(table).where(table.c.edition_id == edition_id,
                                                            table.c.position.is_(None)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(table).where(table.c.edition_id == edition_id).scalar_subquery(),
        sa.select(sa.func.count(sa.distinct(Participation.voter_key))).where(
            Participation.edition_id == edition_id, Participation.channel == Channel.ONLINE).scalar_subquery(),
    )).one()
    previous, expected, count = GENESIS, 1, 0
    last = 0
    checked: list[int] = []

    def broken(position: int, problem: str) -> BoardCheck:
        return BoardCheck(False, count, pending, previous, position, problem, voters, checked)

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
                return broken(expected, problem)
            for published, what in wanted.get(position, []):
                if published != digest:
                    return broken(position, f"{what} at position {position} has another hash: an entry up to "
                                            "there was changed, removed or inserted")
                checked.append(position)
            previous, expected, count = digest, expected + 1, count + 1
        last = rows[-1][0]
    beyond = [p for p in wanted if p > count]
    if beyond:
        return broken(min(beyond), f"the board has {count} entries, fewer than the head at position {min(beyond)}: "
                                   "entries were removed")
    if total != voters:
        return broken(count + 1, f"the board has {total} entries for {voters} online voters: entries were "
                                 + ("removed" if total < voters else "inserted"))
    return BoardCheck(True, count, pending, previous, online_voters=voters, heads_checked=sorted(set(checked)))


def sign_head(session: Session, edition: Any, *, at_close: bool = False) -> BoardHead | None:
    """Seal the pending entries and sign the head with the edition's Ed25519 key (a file of the
    key folder); None if the board is empty or the edition has no key. The head already signed
    at this position is returned as it is (marked at_close if asked)."""
    from pb.voting.services.secrecy import signing_key

    seal_board(session, edition.id)
    position, digest = _head(session, edition.id)
    key = session.get(BallotKey, edition.id)
    if key is None or position == 0:
        return None
    existing = session.scalar(sa.select(BoardHead).where(BoardHead.edition_id == edition.id,
                                                         BoardHead.position == position))
    if existing is not None:
        existing.at_close = existing.at_close or at_close
        return existing
    signer = signing_key(key)
    head = BoardHead(edition_id=edition.id, position=position, entry_hash=digest, at_close=at_close,
                     signature=keys.sign_head(signer, keys.head_message(edition.id, position, digest)))  # type: ignore[arg-type]
    session.add(head)
    session.flush()
    return head


def signed_heads(session: Session, edition_id: int) -> list[BoardHead]:
    return list(session.scalars(sa.select(BoardHead).where(BoardHead.edition_id == edition_id)
                                .order_by(BoardHead.position)))


def head_json(head: BoardHead) -> dict[str, Any]:
    return {"position": head.position, "hash": head.entry_hash, "signature": head.signature,
            "signed_at": head.signed_at.isoformat(), "at_close": head.at_close}


def published_head(session: Session, edition_id: int) -> dict[str, Any] | None:
    """The head signed at the close (else the last one signed), with the key that checks it:
    what the results and the Pabulib files publish."""
    head = session.scalar(sa.select(BoardHead).where(BoardHead.edition_id == edition_id)
                          .order_by(BoardHead.at_close.desc(), BoardHead.position.desc()).limit(1))
    key = session.scalar(sa.select(BallotKey.signing_key).where(BallotKey.edition_id == edition_id))
    if head is None or key is None:
        return None
    return {**head_json(head), "signing_key": key}


def board_entries(session: Session, edition_id: int, *, after: int = 0, limit: int = 100) -> list[Any]:
    table = BoardEntry.__table__
    return list(session.execute(
        sa.select(table.c.position, table.c.tracker, table.c.previous_hash, table.c.entry_hash)
        .where(table.c.edition_id == edition_id, table.c.position > after)
        .order_by(table.c.position).limit(limit)
    ))


def board_lines(session: Session, edition_id: int) -> Iterator[str]:
    """Every sealed entry as "position tracker\\n", in position order (the board as text)."""
    table = BoardEntry.__table__
    last = 0
    while True:
        rows = session.execute(sa.select(table.c.position, table.c.tracker).where(
            table.c.edition_id == edition_id, table.c.position > last).order_by(table.c.position).limit(SEAL_BATCH)).all()
        if not rows:
            return
        yield "".join(f"{position} {tracker}\n" for position, tracker in rows)
        last = rows[-1][0]


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
