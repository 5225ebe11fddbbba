"""Opening a ballot with a token or a code (before choosing), and residents asking for a code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature
from sqlalchemy.orm import Session

from pb import audit
from pb.db import utcnow
from pb.editions.models import Edition, Phase, Verification
from pb.voting import errors, identity
from pb.voting.models import Voter, VotingToken
from pb.voting.services.casting import check_open
from pb.voting.services.common import ineligibility, record_refusal, settings
from pb.voting.services.register import find_voter
from pb.voting.services.tokens import (
    active_token, has_voted, issue_one, read_token, refusal_for_unusable, send_token_email, serializer, token_for,
    token_state,
)


@dataclass(frozen=True)
class OpenBallot:
    edition: Edition
    token_id: str
    voter_id: int
    voter_ref: str
    district_id: int | None


def _candidates(session: Session) -> list[Edition]:
    editions = session.scalars(sa.select(Edition).order_by(Edition.id.desc())).all()
    return sorted(editions, key=lambda e: e.phase != Phase.VOTE)


def edition_of_token(session: Session, raw: str) -> Edition:
    """The edition whose key and salt verify this token (a link carries no edition)."""
    for edition in _candidates(session):
        try:
            serializer(edition.id).loads(raw.strip())
        except BadSignature:  # also covers an expired signature
            continue
        return edition
    raise errors.TokenInvalid()


def token_of_code(session: Session, code: str) -> tuple[Edition, str]:
    pepper = settings().voter_pepper
    editions = {identity.code_hash(pepper, e.id, code): e for e in _candidates(session)}
    row = session.execute(sa.select(VotingToken.id, VotingToken.code_hash).where(
        VotingToken.code_hash.in_(list(editions)))).first() if editions else None
    if row is None:
        raise errors.TokenInvalid()
    return editions[row[1]], row[0]


def open_ballot(session: Session, credential: str, *, client: str = "", now: dt.datetime | None = None) -> OpenBallot:
    """Check a link's token or a typed code before showing the ballot: authentic, unexpired,
    unused, not revoked, vote open, voter eligible. Writes nothing but the audit line of a
    refusal."""
    now = now or utcnow()
    edition: Edition | None = None
    voter_ref = None
    try:
        credential = (credential or "").strip()
        if identity.looks_like_code(credential):
            edition, token_id = token_of_code(session, credential)
        else:
            edition = edition_of_token(session, credential)
            token_id = read_token(edition, credential, now)
        state = token_state(session, token_id)
        if state is None:
            raise errors.TokenInvalid()
        token, voter = state
        voter_ref = voter.ref
        if token.used_at is not None or token.revoked_at is not None:
            raise refusal_for_unusable(token)
        check_open(edition, edition.phase, edition.online_voting, now)
        voted = has_voted(session, voter)
        if voted:
            raise errors.AlreadyVotedPaper() if voted == "paper" else errors.AlreadyVoted()
        reason = ineligibility(edition, voter.birth_date, voter.district_id)
        if reason:
            raise errors.NotEligible(reason=reason)
        return OpenBallot(edition, token_id, voter.id, voter.ref, voter.district_id)
    except errors.VoteRefused as refusal:
        session.rollback()
        record_refusal(session, edition.id if edition else None, refusal, stage="open", voter_ref=voter_ref,
                       client=client)
        raise


def ballot_voter(session: Session, edition: Edition, credential: str) -> OpenBallot | None:
    """The voter behind the token kept in the browser session (no audit: already checked)."""
    try:
        if identity.looks_like_code(credential):
            found, token_id = token_of_code(session, credential)
            if found.id != edition.id:
                return None
        else:
            token_id = read_token(edition, credential)
    except errors.VoteRefused:
        return None
    state = token_state(session, token_id)
    if state is None or state[0].used_at is not None or state[0].revoked_at is not None:
        return None
    return OpenBallot(edition, token_id, state[1].id, state[1].ref, state[1].district_id)


def request_token(session: Session, edition: Edition, *, last_name: str, first_name: str, birth_date: dt.date,
                  email: str, external_id: str = "", client: str = "") -> str:
    """Self-registration: a resident gives their identity; if the register knows them, their
    voting link is e-mailed (never shown on screen, so that knowing someone's name and birth
    date is not enough to vote in their place). The first address given is kept: a later
    request sends the link to that address again, not to a new one. Returns the address used."""
    voter: Voter | None = None
    try:
        if edition.verification != Verification.SELF_REGISTRATION:
            raise errors.RegistrationClosed()
        check_open(edition, edition.phase, edition.online_voting, utcnow())
        voter = find_voter(session, edition, last_name=last_name, first_name=first_name, birth_date=birth_date,
                           external_id=external_id)
        if voter is None:
            raise errors.NotOnRegister()
        reason = ineligibility(edition, voter.birth_date, voter.district_id)
        if reason:
            raise errors.NotEligible(reason=reason)
        voted = has_voted(session, voter)
        if voted:
            raise errors.AlreadyVotedPaper() if voted == "paper" else errors.AlreadyVoted()
        token = active_token(session, voter)
        if token is not None and token.used_at is not None:
            raise errors.AlreadyVoted()
        if token is not None and not voter.email:
            raise errors.TokenAlreadyIssued(message=_already_by_post())
        if not voter.email:
            voter.email = email.strip().lower()
        if token is None:
            raw = issue_one(session, edition, voter, with_code=False).token
        else:
            raw = token_for(edition, token)
        send_token_email(session, edition, voter.email, raw)
        session.execute(sa.update(VotingToken).where(VotingToken.active_voter_id == voter.id).values(emailed_at=utcnow()))
        audit.record(session, None, "token.self_request", voter, edition_id=edition.id,
                     after={"voter": voter.ref, "client": client})
        return voter.email
    except (errors.VoteRefused, errors.NotOnRegister, errors.RegistrationClosed, errors.TokenAlreadyIssued) as refusal:
        session.rollback()
        record_refusal(session, edition.id, refusal, stage="request", voter_ref=voter.ref if voter else None,
                       client=client)
        raise


def _already_by_post() -> Any:
    from flask_babel import lazy_gettext as _l

    return _l("A voting code has already been sent to you by post. If you lost it, contact the town hall: they can cancel it and give you a new one.")


def mask_email(email: str) -> str:
    name, _sep, domain = email.partition("@")
    return (name[:2] + "…@" + domain) if domain else "…"
