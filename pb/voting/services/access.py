"""Opening a ballot with a token or a code (before choosing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature
from sqlalchemy.orm import Session

from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.voting import errors, identity
from pb.voting.models import VotingToken
from pb.voting.services.casting import check_open
from pb.voting.services.common import ineligibility, record_refusal, settings, vote_window
from pb.voting.services.tokens import (
    has_voted, read_token, refusal_for_unusable, serializer, token_state,
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
        check_open(edition, edition.phase, edition.online_voting, now, starts_at=vote_window(edition)[0])
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
