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
from pb.voting.services.common import ineligibility, record_accept, record_refusal, vote_window
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


def check_open(edition: Edition, phase: Phase | str, online: bool, now: dt.datetime) -> None:
    phase = Phase(phase)
    if not online:
        raise errors.OnlineVotingDisabled()
    if phase.rank < Phase.VOTE.rank:
        raise errors.VoteNotOpen()
    if phase.rank > Phase.VOTE.rank:
        raise errors.VoteClosed()
    start, end = vote_window(edition)
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
        check_open(edition, edition.phase, edition.online_voting, now)
        chosen = parse_payload(edition, payload)
        token_id = resolve_credential(session, edition, credential, now)
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
    _AlreadySignedIn."""
    if session.get_bind().dialect.name == "postgresql":
        # Closing the vote takes an EXCLUSIVE lock on the ballot table: it waits for the votes
        # in flight, and votes that start after it see the closed phase.
        session.execute(sa.text("LOCK TABLE ballot IN ROW EXCLUSIVE MODE"))
    voter_id = session.execute(
        sa.update(VotingToken)
        .where(VotingToken.id == token_id, VotingToken.edition_id == edition.id, VotingToken.used_at.is_(None),
               VotingToken.revoked_at.is_(None))
        .values(used_at=now)
        .returning(VotingToken.voter_id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if voter_id is None:
        token = session.get(VotingToken, token_id)
        refusal = refusal_for_unusable(token if token is not None and token.edition_id == edition.id else None)
        if token is not None:
            refusal.voter_ref = session.scalar(sa.select(Voter.ref).where(Voter.id == token.voter_id))  # type: ignore[attr-defined]
        raise refusal
    _after_token_update()
    phase, online = session.execute(sa.select(Edition.phase, Edition.online_voting).where(Edition.id == edition.id)).one()
    voter_key, voter_ref, district_id, birth_date, email = session.execute(
        sa.select(Voter.voter_key, Voter.ref, Voter.district_id, Voter.birth_date, Voter.email).where(Voter.id == voter_id)
    ).one()
    try:
        check_open(edition, phase, online, now)
        reason = ineligibility(edition, birth_date, district_id)
        if reason:
            raise errors.NotEligible(reason=reason)
        ballots = rules.validate(rules.BallotRules.of(edition), chosen, project_costs(session, edition.id),
                                 districts_of(edition), district_id)
    except errors.VoteRefused as refusal:
        refusal.voter_ref = voter_ref  # type: ignore[attr-defined]
        raise
    try:
        session.execute(sa.insert(Participation), [
            {"edition_id": edition.id, "scope": b.scope.value, "district_id": b.district.id, "voter_key": voter_key,
             "channel": channel.value, "signed_at": now} for b in ballots])
    except IntegrityError as error:
        if "participation" not in str(error.orig):
            raise
        raise _AlreadySignedIn(voter_key, voter_ref) from None
    session.execute(sa.insert(Ballot), [
        {"id": uuid.uuid4(), "edition_id": edition.id, "district_id": b.district.id,
         "channel": channel.value, "choices": b.choices} for b in ballots])
    tracker = identity.new_tracker()
    session.execute(sa.insert(BoardEntry), [{"edition_id": edition.id, "tracker": tracker}])
    record_accept(session, edition.id, voter_ref=voter_ref, client=client, channel=channel.value)
    if email:
        send_receipt(session, edition, email, tracker)
    return Receipt(tracker=tracker, scopes=len(ballots)), voter_ref


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
