"""Residents' rights over their account (RGPD art. 15-21): change the e-mail address, download
their data, delete the account.

- A new address is used only once its owner follows the link sent to it; the old address is
  told. As at registration, an address that already has an account is not revealed.
- The download is every record pb keeps about the person, as JSON. Votes are not in it: by
  design nothing links a ballot, or the voter register, to an account.
- Deleting the account removes the person (name, address, password, roles, reports); ideas and
  comments stay published, under the name "Ancien participant" (the règlement keeps the
  edition's public record), as the privacy notice says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy.orm import Session

from pb import audit
from pb.accounts.models import RoleAssignment, User
from pb.accounts.services import (
    BadLink, ExpiredLink, WrongPassword, _serializer, _verify, find_user, normalise_email, settings, tell_address_taken,
)
from pb.db import utcnow
from pb.errors import PbError, ValidationFailed
from pb.ideas.text import stored
from pb.mail import queue_email
from pb.web.urls import external_url

FORMER_PARTICIPANT = _l("Former participant")


class LastAdministrator(PbError):
    code = "last_administrator"
    status = 409
    message = _l("You are the only administrator: give the role to someone else before deleting your account.")


def _check_password(user: User, password: str) -> None:
    if not _verify(user.password_hash, password):
        raise WrongPassword()


# -- changing the e-mail address ----------------------------------------------------------------------

def request_email_change(session: Session, user: User, new_email: str, password: str) -> None:
    """Sends a confirmation link to the new address (or, if it has an account, tells its owner)."""
    _check_password(user, password)
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise ValidationFailed(_l("This is already your address."), field="email")
    existing = find_user(session, new_email)
    if existing is not None:
        tell_address_taken(session, existing)
        return
    token = _serializer("email_change").dumps({"u": user.id, "e": user.email, "n": new_email})
    with force_locale(user.locale):
        subject = _("Confirm your new e-mail address")
        body = _("Hello %(name)s,\n\nTo use this address for your account on the participatory budget, open this link "
                 "within %(hours)s hours:\n%(link)s\n\nIf you did not ask for it, ignore this message.",
                 name=user.display_name, hours=settings().email_confirm_hours,
                 link=external_url("accounts.confirm_email_change", token=token))
    queue_email(session, new_email, subject, body)


def confirm_email_change(session: Session, token: str) -> User:
    try:
        data = _serializer("email_change").loads(token, max_age=settings().email_confirm_hours * 3600)
    except SignatureExpired:
        raise ExpiredLink() from None
    except BadSignature:
        raise BadLink() from None
    user = session.get(User, data.get("u"))
    if user is None or user.email != data.get("e") or find_user(session, data["n"]) is not None:
        raise BadLink()
    old = user.email
    user.email, user.email_confirmed_at = data["n"], utcnow()
    session.flush()
    with force_locale(user.locale):
        subject = _("Your e-mail address has changed")
        body = _("Hello %(name)s,\n\nThe e-mail address of your account on the participatory budget is now %(email)s. "
                 "If you did not ask for this change, contact the participatory budget team at once:\n%(link)s",
                 name=user.display_name, email=user.email, link=external_url("site.page", key="contact"))
    queue_email(session, old, subject, body)
    return user


# -- downloading my data ------------------------------------------------------------------------------

def _when(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def my_data(session: Session, user: User) -> dict[str, Any]:
    """Everything pb keeps about this account, as plain data."""
    from pb.ideas.models import Attachment, Comment, Flag, Idea, IdeaAuthor

    ideas = session.scalars(sa.select(Idea).join(IdeaAuthor).where(IdeaAuthor.user_id == user.id)
                            .order_by(Idea.id)).unique().all()
    comments = session.scalars(sa.select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)).all()
    flags = session.scalars(sa.select(Flag).where(Flag.user_id == user.id).order_by(Flag.id)).all()
    files = session.scalars(sa.select(Attachment).where(Attachment.uploaded_by_id == user.id).order_by(Attachment.id)).all()
    return {
        "account": {"email": user.email, "display_name": user.display_name, "language": user.locale,
                    "created_at": _when(user.created_at), "email_confirmed_at": _when(user.email_confirmed_at),
                    "last_login_at": _when(user.last_login_at), "blocked_at": _when(user.blocked_at),
                    "blocked_reason": user.blocked_reason or None},
        "roles": [{"role": a.role.value, "scope": str(a.scope_label)} for a in user.roles],
        "ideas": [{"id": i.id, "edition": i.edition.name, "title": i.title, "description": i.description,
                   "status": i.status.value, "district": i.district.name, "theme": i.theme, "address": i.address,
                   "latitude": i.latitude, "longitude": i.longitude, "estimated_cost_cents": i.estimated_cost_cents,
                   "created_at": _when(i.created_at), "submitted_at": _when(i.submitted_at)} for i in ideas],
        "comments": [{"id": c.id, "idea_id": c.idea_id, "project_id": c.project_id, "body": c.body,
                      "created_at": _when(c.created_at), "hidden_reason": c.hidden_reason or None} for c in comments],
        "reports": [{"idea_id": f.idea_id, "comment_id": f.comment_id, "reason": f.reason,
                     "created_at": _when(f.created_at)} for f in flags],
        "files": [{"idea_id": a.idea_id, "label": a.label, "type": a.content_type, "size_bytes": a.size_bytes,
                   "created_at": _when(a.created_at)} for a in files],
        "votes": str(_l("None: by design, nothing links a ballot or the voter register to an account.")),
    }


# -- deleting my account ------------------------------------------------------------------------------

def delete_account(session: Session, user: User, password: str) -> None:
    """Deletes the person; what they published stays, signed "Ancien participant"."""
    from pb.ideas.models import IdeaAuthor

    _check_password(user, password)
    if any(a.role.value == "admin" and a.edition_id is None and a.district_id is None for a in user.roles):
        others = session.scalar(sa.select(sa.func.count()).select_from(RoleAssignment).where(
            RoleAssignment.role == "admin", RoleAssignment.edition_id.is_(None), RoleAssignment.district_id.is_(None),
            RoleAssignment.user_id != user.id))
        if not others:
            raise LastAdministrator()
    session.execute(sa.update(IdeaAuthor).where(IdeaAuthor.user_id == user.id)
                    .values(name=stored(FORMER_PARTICIPANT), email="", user_id=None))
    audit.record(session, None, "account.delete", None, after={"account": user.id})
    session.delete(user)
    session.flush()
    session.expire_all()
