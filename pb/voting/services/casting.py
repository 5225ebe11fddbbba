"""Casting a ballot: the one transaction that matters (DESIGN.md §2.3-2.5).

`cast_ballot` is shared by the web page and the JSON API. It is the one service that commits,
because its contract is transactional: either the token update, the participation row(s), the
ballot(s), the board entry and the audit line are committed together, or nothing is, and the
refusal's audit line is then committed on its own. The vote runs on a pooled connection of its
own, never on the caller's session (whose transaction it neither sees nor ends); the caller's
session only reads, on the rare paths (a short code, a refusal), and queues the receipt e-mail.

First the checks that need no database, against the edition's frozen rules and costs kept by
the process (snapshot.py): the payload, the token's signature. Then one transaction:

  [PostgreSQL] LOCK TABLE encrypted_ballot IN ROW EXCLUSIVE MODE   -- so that closing the vote waits for us
  UPDATE voting_token SET used_at = now WHERE id = :id AND used_at IS NULL AND revoked_at IS NULL
    RETURNING the voter (key, district, birth date) and, read now, the edition's phase and vote window
  INSERT participation (one per scope of the edition) -- UNIQUE (edition, scope, voter_key): one person
  INSERT encrypted_ballot (the choices sealed to the edition's public key: keys.py)  -- random id
  INSERT board_entry (tracker)                -- unsealed: no lock on the board's head
  INSERT audit_entry (accepted, no choices)
  COMMIT; the receipt e-mail is queued on the caller's session (never an error for the voter)

The statements are generated from the tables' metadata and run by pb/voting/writers.py (on
PostgreSQL straight on the pool's psycopg connection: four round trips). A connection lost in
the middle (PostgreSQL restarted) is retried on a fresh one: it is always safe, since the token
is single-use — if the lost COMMIT did go through, the retry is told `token_used`, as any retry
after a lost response is.

The sign-in rows say only that this person voted online: every scope of the edition, in the
register's district, whatever they chose (the choices, and so the districts chosen, are only
in the sealed box)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.mail import queue_email
from pb.projects.services import project_costs
from pb.voting import errors, identity, keys, rules, writers
from pb.voting.models import Channel, Participation, Scope, Voter, VotingToken
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
                client: str = "", now: dt.datetime | None = None) -> Receipt:
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
                with writers.own_transaction(engine) as db:
                    receipt, voter_ref, email = _vote(db, box, token_id, chosen, now=now, client=client)
                break
            except _Unusable:
                raise _unusable(session, box.id, token_id) from None
            except _AlreadySignedIn as signed:
                voter_ref = signed.voter_ref
                raise _already_voted(session, box.id, signed.voter_key) from None
            except (writers.TrackerTaken, writers.Disconnected) as again:
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
                  now: dt.datetime, client: str = "", box: BoxSnapshot | None = None) -> tuple[Receipt, str]:
    """The writes of one vote inside the caller's transaction, not committed (the demo casts
    many votes in its own transaction; give it `box`, the snapshot, to read it once). Raises
    VoteRefused."""
    box = box or load(session, edition)
    db = writers.writer_for(session.connection())
    try:
        receipt, voter_ref, email = _vote(db, box, token_id, chosen, now=now, client=client)
    except _Unusable:
        raise _unusable(session, box.id, token_id) from None
    except _AlreadySignedIn:
        raise errors.AlreadyVoted() from None  # the caller's transaction is aborted on PostgreSQL
    if email:
        send_receipt(session, box, email, receipt.tracker)
    return receipt, voter_ref


def _vote(db: writers.Writer, box: BoxSnapshot, token_id: str, chosen: dict[int, int], *, now: dt.datetime,
          client: str) -> tuple[Receipt, str, str]:
    """An online vote's checks and writes in the current transaction of `db` (paper ballots are
    keyed after the close, not encrypted: pb/ballotbox). Returns the receipt,
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
        if box.public_key is None:
            raise errors.BallotBoxNotReady()
    except errors.VoteRefused as refusal:
        refusal.voter_ref = voter_ref  # type: ignore[attr-defined]
        raise
    tracker = identity.new_tracker()
    sealed = keys.seal(box.public_key, [(b.district.id, b.choices) for b in ballots])
    rows = writers.vote_rows(edition_id=box.id, scopes=edition_scopes(box.districts), district_id=district_id,
                             voter_key=voter_key, voter_ref=voter_ref, channel=Channel.ONLINE.value, now=now, box=sealed,
                             tracker=tracker, client=client)
    try:
        db.insert(rows)
    except writers.AlreadySignedIn:
        raise _AlreadySignedIn(voter_key, voter_ref) from None
    return Receipt(tracker=tracker, scopes=len(ballots)), voter_ref, email


def edition_scopes(districts: dict[int, rules.DistrictInfo]) -> list[str]:
    """The scopes an online vote signs in: all of the edition's, whatever was filled (which
    scopes a voter filled is part of the ballot, hence secret)."""
    kinds = {d.is_citywide for d in districts.values()}
    return [scope.value for scope, citywide in ((Scope.DISTRICT, False), (Scope.CITYWIDE, True)) if citywide in kinds]


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
