"""Voting tokens: signed, one-time, revocable.

A token is `itsdangerous.URLSafeTimedSerializer(keys, salt="pb.voting.token.<edition id>")`
over a random id (nothing personal). The signature proves it authentic and gives its age; the
`voting_token` row says whether it is still usable. Keys come from the `voting_keys` setting,
newest first: new tokens are signed with the first, every key of the list verifies.

For paper letters a short code (12 characters) stands for the token; only its HMAC is stored,
so it is printed once, when issued."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Iterator

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.editions.models import District, Edition, ResidenceRule
from pb.mail import queue_email
from pb.voting import errors, identity
from pb.voting.models import Participation, Voter, VotingToken
from pb.voting.services.common import birth_cutoff, settings, vote_window
from pb.web.format import moment
from pb.web.urls import external_url

# Defence in depth: whatever the calendar says, a signature older than this is refused.
MAX_TOKEN_AGE = dt.timedelta(days=400)


@dataclass(frozen=True)
class IssuedToken:
    voter_id: int
    voter_ref: str
    district: str
    token: str
    url: str
    code: str | None
    email: str = ""


def signing_keys() -> list[str]:
    s = settings()
    keys = list(s.voting_keys)
    if not keys:
        keys = [hashlib.sha256(("pb.voting.keys|" + s.secret_key).encode()).hexdigest()]
    return keys


def serializer(edition_id: int) -> URLSafeTimedSerializer:
    return _serializer(tuple(signing_keys()), edition_id)


@functools.lru_cache(maxsize=64)
def _serializer(keys: tuple[str, ...], edition_id: int) -> URLSafeTimedSerializer:
    """Kept (it holds no state between calls): building one costs as much as checking a token."""
    # itsdangerous signs with the LAST key of its list and verifies with all: settings list
    # the newest first, hence the reversal.
    return URLSafeTimedSerializer(list(reversed(keys)), salt=f"pb.voting.token.{edition_id}")


def sign(edition_id: int, token_id: str) -> str:
    return serializer(edition_id).dumps(token_id)


def vote_url(token: str) -> str:
    return external_url("voting.start", token=token)


def read_token(edition: Edition, raw: str, now: dt.datetime | None = None,
               ends_at: dt.datetime | None | bool = False) -> str:
    """The token id inside a signed token, or TokenInvalid / TokenExpired. No database access:
    a forged token costs one HMAC."""
    now = now or utcnow()
    if not raw or len(raw) > 200:
        raise errors.TokenInvalid()
    try:
        token_id = serializer(edition.id).loads(raw.strip(), max_age=int(MAX_TOKEN_AGE.total_seconds()))
    except SignatureExpired:
        raise errors.TokenExpired() from None
    except BadSignature:
        raise errors.TokenInvalid() from None
    if not isinstance(token_id, str) or not 16 <= len(token_id) <= 32:
        raise errors.TokenInvalid()
    end = vote_window(edition)[1] if ends_at is False else ends_at
    if end is not None and now > end:
        raise errors.TokenExpired()
    return token_id


def token_by_code(session: Session, edition: Edition, code: str) -> str:
    """The token id of a short code typed from a letter, or TokenInvalid."""
    digest = identity.code_hash(settings().voter_pepper, edition.id, code)
    token_id = session.scalar(sa.select(VotingToken.id).where(VotingToken.code_hash == digest,
                                                              VotingToken.edition_id == edition.id))
    if token_id is None:
        raise errors.TokenInvalid()
    return token_id


def resolve_credential(session: Session, edition: Edition, credential: str, now: dt.datetime | None = None,
                       ends_at: dt.datetime | None | bool = False) -> str:
    """A signed token or a short code → the token id."""
    credential = (credential or "").strip()
    if identity.looks_like_code(credential):
        return token_by_code(session, edition, credential)
    return read_token(edition, credential, now, ends_at)


def token_state(session: Session, token_id: str) -> tuple[VotingToken, Voter] | None:
    row = session.execute(
        sa.select(VotingToken, Voter).join(Voter, Voter.id == VotingToken.voter_id).where(VotingToken.id == token_id)
    ).first()
    return (row[0], row[1]) if row else None


def refusal_for_unusable(token: VotingToken | None) -> errors.VoteRefused:
    if token is None:
        return errors.TokenInvalid()
    if token.revoked_at is not None:
        return errors.TokenRevoked()
    return errors.TokenUsed()


# -- issuing ------------------------------------------------------------------------------------

def _new_token(edition_id: int, voter_id: int, with_code: bool, now: dt.datetime) -> tuple[dict[str, Any], str | None]:
    code = identity.new_code() if with_code else None
    row = {"id": secrets.token_urlsafe(18), "edition_id": edition_id, "voter_id": voter_id,
           "active_voter_id": voter_id, "issued_at": now,
           "code_hash": identity.code_hash(settings().voter_pepper, edition_id, code) if code else None}
    return row, code


def eligible_voters(edition: Edition) -> sa.Select[Any]:
    """Voters of the register who may vote (age on the vote date, district when residence
    decides) and have no active token."""
    stmt = (
        sa.select(Voter.id, Voter.ref, Voter.email, District.code)
        .outerjoin(District, District.id == Voter.district_id)
        .outerjoin(VotingToken, VotingToken.active_voter_id == Voter.id)
        .where(Voter.edition_id == edition.id, VotingToken.id.is_(None), Voter.birth_date.is_not(None),
               Voter.birth_date <= birth_cutoff(edition))
    )
    if edition.residence_rule == ResidenceRule.RESIDENCE:
        stmt = stmt.where(Voter.district_id.is_not(None))
    return stmt


def issue_tokens(session: Session, actor: Any, edition: Edition, *, with_codes: bool = True, only_with_email: bool = False,
                 batch_size: int = 1000) -> Iterator[IssuedToken]:
    """A token for every eligible voter who has none, by batches (a million voters never sit in
    memory). Yields each new token once: the code is shown only here."""
    require(actor, "voting.manage", edition)
    last_id = 0
    issued = 0
    while True:
        stmt = eligible_voters(edition).where(Voter.id > last_id).order_by(Voter.id).limit(batch_size)
        if only_with_email:
            stmt = stmt.where(Voter.email != "")
        rows = session.execute(stmt).all()
        if not rows:
            break
        now = utcnow()
        new_rows, out = [], []
        for voter_id, ref, email, district_code in rows:
            row, code = _new_token(edition.id, voter_id, with_codes, now)
            new_rows.append(row)
            token = sign(edition.id, row["id"])
            out.append(IssuedToken(voter_id, ref, district_code or "", token, vote_url(token), code, email))
        session.execute(sa.insert(VotingToken), new_rows)
        issued += len(new_rows)
        last_id = rows[-1][0]
        yield from out
    audit.record(session, actor, "tokens.issue", edition, after={"issued": issued, "codes": with_codes})


def active_token(session: Session, voter: Voter) -> VotingToken | None:
    return session.scalar(sa.select(VotingToken).where(VotingToken.active_voter_id == voter.id))


def has_voted(session: Session, voter: Voter) -> str | None:
    """The channel of this voter's participation in the edition, if any."""
    return session.scalar(sa.select(Participation.channel).where(
        Participation.edition_id == voter.edition_id, Participation.voter_key == voter.voter_key).limit(1))


def revoke_token(session: Session, actor: Any, voter: Voter, *, reissue: bool = True, with_code: bool = True,
                 reason: str = "") -> IssuedToken | None:
    """Cancel the voter's token (it stops working at once) and, usually, issue a new one."""
    from pb.editions.models import Edition as EditionModel

    edition = session.get(EditionModel, voter.edition_id)
    require(actor, "voting.manage", edition)
    if has_voted(session, voter):
        raise errors.AlreadyVoted()
    now = utcnow()
    current = active_token(session, voter)
    if current is not None:
        if current.used_at is not None:
            raise errors.AlreadyVoted()
        current.revoked_at = now
        current.active_voter_id = None
        session.flush()
    audit.record(session, actor, "token.revoke", voter, edition_id=voter.edition_id,
                 after={"voter": voter.ref, "reissued": reissue, "reason": reason[:200]})
    if not reissue:
        return None
    return issue_one(session, edition, voter, with_code=with_code, now=now)


def issue_one(session: Session, edition: Edition, voter: Voter, *, with_code: bool = True,
              now: dt.datetime | None = None) -> IssuedToken:
    row, code = _new_token(edition.id, voter.id, with_code, now or utcnow())
    session.execute(sa.insert(VotingToken), [row])
    token = sign(edition.id, row["id"])
    district = session.get(District, voter.district_id) if voter.district_id else None
    return IssuedToken(voter.id, voter.ref, district.code if district else "", token, vote_url(token), code, voter.email)


def token_for(edition: Edition, token: VotingToken) -> str:
    """A fresh signature over an existing token id (e-mails are sent after issuance)."""
    return sign(edition.id, token.id)


def send_token_email(session: Session, edition: Edition, voter_email: str, token: str, locale: str = "fr") -> None:
    _start, end = vote_window(edition)
    with force_locale(locale):
        subject = _("Your voting code for the participatory budget")
        body = _(
            "Hello,\n\nYou can vote in “%(edition)s”. Open this personal link to vote:\n%(link)s\n\n"
            "It works once. Do not share it: whoever opens it can vote in your place.%(until)s\n\n"
            "If you did not expect this message, ignore it.",
            edition=edition.name, link=vote_url(token),
            until=(" " + _("The vote closes on %(date)s.", date=moment(end))) if end else "",
        )
    queue_email(session, voter_email, subject, body)


def email_tokens(session: Session, actor: Any, edition: Edition, *, progress: Any = None, batch_size: int = 500) -> int:
    """E-mail a voting link to every eligible voter with an address who has not been sent one
    (issuing tokens where missing). Returns the number of e-mails queued."""
    require(actor, "voting.manage", edition)
    for _issued in issue_tokens(session, actor, edition, with_codes=False, only_with_email=True):
        pass
    session.flush()
    base = (sa.select(VotingToken, Voter.email).join(Voter, Voter.id == VotingToken.voter_id)
            .where(VotingToken.edition_id == edition.id, VotingToken.active_voter_id.is_not(None),
                   VotingToken.used_at.is_(None), VotingToken.emailed_at.is_(None), Voter.email != ""))
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    sent = 0
    while True:
        rows = session.execute(base.order_by(VotingToken.id).limit(batch_size)).all()
        if not rows:
            break
        now = utcnow()
        for token, email in rows:
            send_token_email(session, edition, email, token_for(edition, token))
            token.emailed_at = now
        session.flush()
        sent += len(rows)
        if progress is not None:
            progress(sent, total)
    audit.record(session, actor, "tokens.email", edition, after={"emailed": sent})
    return sent
