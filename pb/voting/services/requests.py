"""Residents asking for their voting code on the site, and the staff queue of requests that need a
person (docs/voting.md, "Asking for a code").

Knowing someone's name and birth date must not be enough to vote in their place, and the form
must not tell whether a name is on the register. So:

- `self_registration`: the code goes only to a contact the city already holds: the e-mail
  address of the register entry, else a letter by post (a request in the staff queue: staff
  print a letter, or the voter comes to the desk). The address typed on the site is not asked.
- `declared_email` (chosen explicitly by the edition, shown as the low level it is): the link
  goes to the address the resident gives; the first address binds the identity; another address
  later is not sent anything but goes to the staff queue, where staff approve or refuse it.

Whatever the register says (not on it, not eligible, already voted, a letter already sent), the
resident is answered the same words; only the audit log says what happened. Refusals about the
edition itself (registration not offered, vote not open) are said, as they are the same for all."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.editions.models import Edition, Verification
from pb.errors import NotFoundError, PbError
from pb.voting import errors
from pb.voting.models import CodeRequest, CodeRequestKind, CodeRequestStatus, Voter, VotingToken
from pb.voting.services.casting import check_open
from pb.voting.services.common import ineligibility, record_refusal, vote_window
from pb.voting.services.register import find_voter
from pb.voting.services.tokens import (
    IssuedToken, active_token, has_voted, issue_one, revoke_token, send_token_email, token_for,
)


class Outcome(enum.StrEnum):
    """What became of a request: for the audit log and the tests, never shown to the resident."""

    EMAILED = "emailed"  # the link went to the register's (or the bound declared) address
    LETTER = "letter"  # queued for staff: a letter by post or the desk
    REVIEW = "review"  # declared e-mail: another address than the bound one, queued for staff
    NOT_FOUND = "not_on_register"
    NOT_ELIGIBLE = "not_eligible"
    VOTED = "already_voted"


class RequestAlreadyDecided(PbError):
    code = "request_decided"
    status = 409
    message = _l("This request has already been handled.")


def request_token(session: Session, edition: Edition, *, last_name: str, first_name: str, birth_date: dt.date,
                  email: str = "", client: str = "") -> Outcome:
    """A resident asks for their voting code. Raises only for what is the same for everyone
    (RegistrationClosed, the vote not open); otherwise returns the outcome, which the page must
    not show."""
    verification = Verification(edition.verification)
    if not verification.self_service:
        raise errors.RegistrationClosed()
    try:
        check_open(edition, edition.phase, edition.online_voting, utcnow(), starts_at=vote_window(edition)[0])
    except errors.VoteRefused as refusal:
        session.rollback()
        record_refusal(session, edition.id, refusal, stage="request", voter_ref=None, client=client)
        raise
    voter = find_voter(session, edition, last_name=last_name, first_name=first_name, birth_date=birth_date)
    outcome = _outcome(session, edition, verification, voter, email.strip().lower())
    audit.record(session, None, "token.self_request", voter, edition_id=edition.id,
                 after={"voter": voter.ref if voter else None, "outcome": outcome.value, "client": client})
    return outcome


def _outcome(session: Session, edition: Edition, verification: Verification, voter: Voter | None,
             email: str) -> Outcome:
    if voter is None:
        return Outcome.NOT_FOUND
    if ineligibility(edition, voter.birth_date, voter.district_id):
        return Outcome.NOT_ELIGIBLE
    token = active_token(session, voter)
    if has_voted(session, voter) or (token is not None and token.used_at is not None):
        return Outcome.VOTED
    if verification == Verification.DECLARED_EMAIL:
        if not email:
            raise errors.Malformed(detail="an e-mail address is needed")
        if not voter.email:
            voter.email = email  # the first address binds the identity
        elif voter.email != email:
            _queue(session, edition, voter, CodeRequestKind.NEW_ADDRESS, email)
            return Outcome.REVIEW
    elif not voter.email:
        _queue(session, edition, voter, CodeRequestKind.LETTER)
        return Outcome.LETTER
    if token is not None and token.code_hash is not None and token.emailed_at is None:
        # A letter with a code is already on its way: no second credential by e-mail.
        _queue(session, edition, voter, CodeRequestKind.LETTER)
        return Outcome.LETTER
    _email_link(session, edition, voter, token)
    return Outcome.EMAILED


def _email_link(session: Session, edition: Edition, voter: Voter, token: VotingToken | None) -> None:
    raw = issue_one(session, edition, voter, with_code=False).token if token is None else token_for(edition, token)
    send_token_email(session, edition, voter.email, raw)
    session.execute(sa.update(VotingToken).where(VotingToken.active_voter_id == voter.id).values(emailed_at=utcnow()))


def _queue(session: Session, edition: Edition, voter: Voter, kind: CodeRequestKind, email: str = "") -> None:
    """One pending request per voter, kind and address (asking again adds nothing)."""
    pending = session.scalar(sa.select(CodeRequest.id).where(
        CodeRequest.voter_id == voter.id, CodeRequest.kind == kind, CodeRequest.email == email,
        CodeRequest.status == CodeRequestStatus.PENDING))
    if pending is None:
        session.add(CodeRequest(edition_id=edition.id, voter_id=voter.id, kind=kind, email=email))
        session.flush()


# -- the staff queue --------------------------------------------------------------------------------

def pending_requests(session: Session, actor: Any, edition: Edition) -> list[tuple[CodeRequest, Voter]]:
    require(actor, "voting.manage", edition)
    rows = session.execute(sa.select(CodeRequest, Voter).join(Voter, Voter.id == CodeRequest.voter_id).where(
        CodeRequest.edition_id == edition.id, CodeRequest.status == CodeRequestStatus.PENDING)
        .order_by(CodeRequest.requested_at, CodeRequest.id)).all()
    return [(r[0], r[1]) for r in rows]


def get_request(session: Session, edition: Edition, request_id: int) -> CodeRequest:
    found = session.get(CodeRequest, request_id)
    if found is None or found.edition_id != edition.id:
        raise NotFoundError()
    return found


def decide_request(session: Session, actor: Any, edition: Edition, request: CodeRequest, *,
                   approve: bool) -> IssuedToken | None:
    """Approve or refuse a pending request. Approving a letter cancels any earlier code and
    issues a new one with a short code to print (returned, shown once); approving a new
    address binds the identity to it, cancels the link sent to the old one and e-mails a new
    one. Refusing sends nothing."""
    require(actor, "voting.manage", edition)
    if request.status != CodeRequestStatus.PENDING:
        raise RequestAlreadyDecided()
    voter = session.get(Voter, request.voter_id)
    assert voter is not None  # the foreign key cascades
    issued: IssuedToken | None = None
    if approve:
        if has_voted(session, voter):
            raise errors.AlreadyVoted()
        if request.kind == CodeRequestKind.NEW_ADDRESS:
            voter.email = request.email
        letter = request.kind == CodeRequestKind.LETTER
        if active_token(session, voter) is not None:
            issued = revoke_token(session, actor, voter, reissue=True, with_code=letter, reason=f"code request {request.id}")
        else:
            issued = issue_one(session, edition, voter, with_code=letter)
        if not letter:
            send_token_email(session, edition, voter.email, issued.token)
            session.execute(sa.update(VotingToken).where(VotingToken.active_voter_id == voter.id)
                            .values(emailed_at=utcnow()))
    request.status = CodeRequestStatus.APPROVED if approve else CodeRequestStatus.REFUSED
    request.decided_at = utcnow()
    request.decided_by_id = getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor, "code_request.decide", voter, edition_id=edition.id,
                 after={"request": request.id, "kind": request.kind.value, "status": request.status.value,
                        "voter": voter.ref})
    return issued
