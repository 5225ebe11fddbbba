"""Casting a ballot: the one transaction that matters (DESIGN.md §2.3-2.5).

`cast_ballot` is shared by the web page and the JSON API. It is the one service that commits
by itself, because its contract is transactional: either the token update, the participation
row(s), the ballot(s), the board entry and the audit line are committed together, or nothing
is, and the refusal's audit line is then committed on its own. The request's own commit (in
pb.app) finds nothing left to do.

The statements, in order (see docs/voting.md for why):
  [PostgreSQL] LOCK TABLE ballot IN ROW EXCLUSIVE MODE   -- so that closing the vote waits for us
  UPDATE voting_token SET used_at = now WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL
  SELECT the edition's phase (fresh), the voter (key, district, birth date)
  INSERT participation (one per scope)        -- UNIQUE (edition, scope, voter_key): one person
  INSERT ballot (one per scope)               -- random id, no voter, no time
  INSERT board_entry (tracker)                -- unsealed: no lock on the board's head
  INSERT audit_entry (accepted, no choices)
  COMMIT; then the receipt e-mail is queued (never an error for the voter)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.mail import queue_email
from pb.projects.services import project_costs
from pb.voting import errors, identity, rules
from pb.voting.models import Ballot, BoardEntry, Channel, Participation, Voter, VotingToken
from pb.voting.services.common import ineligibility_at, record_refusal, vote_window
from pb.voting.services.snapshot import snapshot
from pb.audit.models import AuditEntry
from pb.voting.services.tokens import refusal_for_unusable, resolve_credential

log = logging.getLogger("pb.voting")

# Tests inject a failure here (after the token update, before the ballot) to prove atomicity.
_after_token_update: Callable[[], None] = lambda: None  # noqa: E731


@dataclass(frozen=True)
class Receipt:
    tracker: str
    scopes: int


class _AlreadySignedIn(Exception):
    def __init__(self, voter_key: str, voter_ref: str) -> None:
        super().__init__("participation exists")
        self.voter_key = voter_key
        self.voter_ref = voter_ref


def districts_of(edition: Edition) -> dict[int, rules.DistrictInfo]:
    return {d.id: rules.DistrictInfo(d.id, d.name, d.envelope_cents, d.is_citywide) for d in edition.districts}


def check_open(edition: Edition, phase: Phase | str, online: bool, now: dt.datetime,
               ends_at: dt.datetime | None | bool = False) -> None:
    """Online voting on, phase vote, before the end of the published vote window."""
    phase = Phase(phase)
    if not online:
        raise errors.OnlineVotingDisabled()
    if phase.rank < Phase.VOTE.rank:
        raise errors.VoteNotOpen()
    if phase.rank > Phase.VOTE.rank:
        raise errors.VoteClosed()
    end = vote_window(edition)[1] if ends_at is False else ends_at
    if end is not None and now > end:
        raise errors.VoteClosed()


def parse_payload(edition: Edition, payload: Any) -> dict[int, int]:
    """The choices part of a request body: `choices` (list of ids; for cumulative ballots an
    object {id: points} is accepted too), `grades` (majority judgment) or `points`."""
    ballot_rules = rules.BallotRules.of(edition)
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


def cast_ballot(session: Session, edition: Edition, *, credential: str, payload: Any, client: str = "",
                channel: Channel = Channel.ONLINE, now: dt.datetime | None = None) -> Receipt:
    """Check and record one vote, or raise a named VoteRefused after writing its audit line.
    Commits (see the module docstring)."""
    voter_ref: str | None = None
    stage = "check"
    try:
        now = now or utcnow()
        box = snapshot(session, edition.id)
        check_open(edition, edition.phase, edition.online_voting, now, box.vote_ends_at)
        chosen = parse_payload(edition, payload)
        token_id = resolve_credential(session, edition, credential, now, box.vote_ends_at)
        stage = "record"
        for attempt in range(3):
            try:
                receipt, voter_ref = record_ballot(session, edition, token_id, chosen, now=now, client=client,
                                                   channel=channel)
                session.commit()
                return receipt
            except _AlreadySignedIn as signed:
                voter_ref = signed.voter_ref
                session.rollback()
                raise _already_voted(session, edition, signed.voter_key) from None
            except errors.VoteRefused as refusal:
                voter_ref = getattr(refusal, "voter_ref", None)
                raise
            except IntegrityError as error:
                session.rollback()
                if "board_entry" in str(error.orig) and "tracker" in str(error.orig) and attempt < 2:
                    continue  # two trackers collided (60 random bits): draw again
                raise
        raise RuntimeError("unreachable")
    except errors.VoteRefused as refusal:
        session.rollback()
        record_refusal(session, edition.id, refusal, stage=stage, voter_ref=voter_ref, client=client)
        raise
    except BaseException:
        session.rollback()
        raise


def _already_voted(session: Session, edition: Edition, voter_key: str) -> errors.VoteRefused:
    channel = session.scalar(sa.select(Participation.channel).where(
        Participation.edition_id == edition.id, Participation.voter_key == voter_key).limit(1))
    session.rollback()
    return errors.AlreadyVotedPaper() if channel == Channel.PAPER else errors.AlreadyVoted()


def record_ballot(session: Session, edition: Edition, token_id: str, chosen: dict[int, int], *,
                  now: dt.datetime, client: str = "", channel: Channel = Channel.ONLINE) -> tuple[Receipt, str]:
    """The writes of one vote, flushed but not committed (cast_ballot commits; the demo calls
    this inside its own transaction). Raises VoteRefused (with `voter_ref` when known) or
    _AlreadySignedIn. On PostgreSQL the vote is four round trips: the close lock, one UPDATE
    that also returns the voter and the edition's phase, one statement for the four INSERTs,
    and the COMMIT."""
    box = snapshot(session, edition.id)
    postgres = session.get_bind().dialect.name == "postgresql"
    row = _use_token(session, edition.id, token_id, now, postgres)
    if row is None:
        token = session.get(VotingToken, token_id)
        refusal = refusal_for_unusable(token if token is not None and token.edition_id == edition.id else None)
        if token is not None:
            refusal.voter_ref = session.scalar(sa.select(Voter.ref).where(Voter.id == token.voter_id))  # type: ignore[attr-defined]
        raise refusal
    _after_token_update()
    voter_key, voter_ref, district_id, birth_date, email, phase, online = row
    try:
        check_open(edition, phase, online, now, box.vote_ends_at)
        reason = ineligibility_at(box.birth_cutoff, box.min_voter_age, box.vote_date, box.rules.residence_rule,
                                  birth_date, district_id)
        if reason:
            raise errors.NotEligible(reason=reason)
        ballots = rules.validate(box.rules, chosen, box.costs, box.districts, district_id)
    except errors.VoteRefused as refusal:
        refusal.voter_ref = voter_ref  # type: ignore[attr-defined]
        raise
    tracker = identity.new_tracker()
    participations = [{"edition_id": edition.id, "scope": b.scope.value, "district_id": b.district.id,
                       "voter_key": voter_key, "channel": channel.value, "signed_at": now} for b in ballots]
    ballot_rows = [{"id": uuid.uuid4(), "edition_id": edition.id, "district_id": b.district.id,
                    "channel": channel.value, "choices": b.choices} for b in ballots]
    audit_row = {"at": now, "action": "vote.accepted", "target_type": "vote", "target_id": "", "edition_id": edition.id,
                 "detail": {"voter": voter_ref, "client": client, "channel": channel.value}}
    try:
        if postgres:
            _insert_all_postgres(session, participations, ballot_rows, {"edition_id": edition.id, "tracker": tracker},
                                 audit_row)
        else:
            session.execute(sa.insert(Participation.__table__), participations)
            session.execute(sa.insert(Ballot.__table__), ballot_rows)
            session.execute(sa.insert(BoardEntry.__table__), [{"edition_id": edition.id, "tracker": tracker}])
            session.execute(sa.insert(AuditEntry.__table__), [audit_row])
    except IntegrityError as error:
        if "participation" not in str(error.orig):
            raise
        raise _AlreadySignedIn(voter_key, voter_ref) from None
    if email:
        send_receipt(session, edition, email, tracker)
    return Receipt(tracker=tracker, scopes=len(ballots)), voter_ref


def _use_token(session: Session, edition_id: int, token_id: str, now: dt.datetime, postgres: bool) -> Any:
    """The conditional UPDATE that consumes the token; returns (voter key, ref, district, birth
    date, e-mail, edition phase, online voting) or None if the token is not usable."""
    if postgres:
        # Closing the vote takes an EXCLUSIVE lock on the ballot table: it waits for the votes
        # in flight, and votes that start after it see the closed phase (read below).
        session.execute(sa.text("LOCK TABLE ballot IN ROW EXCLUSIVE MODE"))
        return session.execute(sa.text(
            "UPDATE voting_token AS t SET used_at = :now FROM voter AS v, edition AS e "
            "WHERE t.id = :token AND t.edition_id = :edition AND t.used_at IS NULL AND t.revoked_at IS NULL "
            "AND v.id = t.voter_id AND e.id = t.edition_id "
            "RETURNING v.voter_key, v.ref, v.district_id, v.birth_date, v.email, e.phase, e.online_voting"
        ).bindparams(sa.bindparam("now", type_=VotingToken.__table__.c.used_at.type)),
            {"now": now, "token": token_id, "edition": edition_id}).first()
    voter_id = session.execute(
        sa.update(VotingToken.__table__)
        .where(VotingToken.id == token_id, VotingToken.edition_id == edition_id, VotingToken.used_at.is_(None),
               VotingToken.revoked_at.is_(None))
        .values(used_at=now).returning(VotingToken.voter_id)
    ).scalar()
    if voter_id is None:
        return None
    return session.execute(
        sa.select(Voter.voter_key, Voter.ref, Voter.district_id, Voter.birth_date, Voter.email, Edition.phase,
                  Edition.online_voting)
        .join(Edition, Edition.id == Voter.edition_id).where(Voter.id == voter_id)
    ).one()


def _insert_all_postgres(session: Session, participations: list[dict[str, Any]], ballot_rows: list[dict[str, Any]],
                         board_row: dict[str, Any], audit_row: dict[str, Any]) -> None:
    """The four INSERTs of a vote in one statement (one round trip)."""
    params: dict[str, Any] = {}
    values_p, values_b = [], []
    for i, p in enumerate(participations):
        values_p.append(f"(:pe{i}, :ps{i}, :pd{i}, :pk{i}, :pc{i}, :pt{i})")
        params.update({f"pe{i}": p["edition_id"], f"ps{i}": p["scope"], f"pd{i}": p["district_id"],
                       f"pk{i}": p["voter_key"], f"pc{i}": p["channel"], f"pt{i}": p["signed_at"]})
    for i, b in enumerate(ballot_rows):
        values_b.append(f"(CAST(:bi{i} AS uuid), :be{i}, :bd{i}, :bc{i}, CAST(:bj{i} AS json))")
        params.update({f"bi{i}": str(b["id"]), f"be{i}": b["edition_id"], f"bd{i}": b["district_id"],
                       f"bc{i}": b["channel"], f"bj{i}": json.dumps(b["choices"])})
    params.update({"te": board_row["edition_id"], "tt": board_row["tracker"], "aa": audit_row["at"],
                   "ae": audit_row["edition_id"], "ad": json.dumps(audit_row["detail"])})
    sql = (
        "WITH p AS (INSERT INTO participation (edition_id, scope, district_id, voter_key, channel, signed_at) "
        f"VALUES {', '.join(values_p)}), "
        f"b AS (INSERT INTO ballot (id, edition_id, district_id, channel, choices) VALUES {', '.join(values_b)}), "
        "t AS (INSERT INTO board_entry (edition_id, tracker) VALUES (:te, :tt)) "
        "INSERT INTO audit_entry (at, action, target_type, target_id, edition_id, detail) "
        "VALUES (:aa, 'vote.accepted', 'vote', '', :ae, CAST(:ad AS json))"
    )
    stamp = VotingToken.__table__.c.used_at.type
    binds = [sa.bindparam(f"pt{i}", type_=stamp) for i in range(len(participations))] + [sa.bindparam("aa", type_=stamp)]
    session.execute(sa.text(sql).bindparams(*binds), params)


def send_receipt(session: Session, edition: Edition, email: str, tracker: str) -> None:
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
