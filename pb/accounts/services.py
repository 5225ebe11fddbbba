"""Accounts: registration, e-mail confirmation, login with throttling, password reset, roles.

Every function takes the session (and the acting user when someone acts on another) and only
flushes; the caller commits. E-mails leave after the commit."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from pb import audit
from pb.attempts import credential_key, limiter_of
from pb.accounts.models import STAFF_ROLES, Role, RoleAssignment, User
from pb.authz import require
from pb.db import utcnow
from pb.errors import PbError, ValidationFailed
from pb.mail import queue_email
from pb.web.urls import external_url

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pb-dummy-password-for-constant-time")
MIN_PASSWORD_LENGTH = 10


class InvalidCredentials(PbError):
    recorded = True  # the failure counts towards the lock
    code = "invalid_credentials"
    status = 401
    message = _l("Wrong e-mail address or password.")


class AccountBlocked(PbError):
    code = "account_blocked"
    status = 403
    message = _l("This account has been blocked by the moderators.")


class EmailNotConfirmed(PbError):
    recorded = True  # a new confirmation link is sent
    code = "email_not_confirmed"
    status = 403
    message = _l("Please confirm your e-mail address first: we have sent you a new link.")


class BadLink(PbError):
    code = "bad_link"
    status = 400
    message = _l("This link is invalid or has already been used.")


class ExpiredLink(PbError):
    code = "expired_link"
    status = 400
    message = _l("This link has expired. Ask for a new one.")


def settings() -> Any:
    return current_app.config["PB_SETTINGS"]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(_l("The password must have at least %(n)s characters."), field="password",
                               n=MIN_PASSWORD_LENGTH)
    if email and password.strip().lower() == normalise_email(email):
        raise ValidationFailed(_l("The password cannot be your e-mail address."), field="password")


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


# -- signed links -------------------------------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().secret_key, salt=f"pb.accounts.{purpose}")


def _fingerprint(user: User) -> str:
    """Changes when the password changes, so a reset link works once."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_link_token(user: User, purpose: str) -> str:
    data = {"u": user.id, "e": user.email}
    if purpose == "reset":
        data["h"] = _fingerprint(user)
    return _serializer(purpose).dumps(data)


def _read_link_token(session: Session, token: str, purpose: str, max_hours: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_hours * 3600)
    except SignatureExpired:
        raise ExpiredLink() from None
    except BadSignature:
        raise BadLink() from None
    user = session.get(User, data.get("u"))
    if user is None or user.email != data.get("e"):
        raise BadLink()
    if purpose == "reset" and data.get("h") != _fingerprint(user):
        raise BadLink()
    return user


# -- registration ---------------------------------------------------------------------------------

def register_user(session: Session, email: str, password: str, display_name: str, locale: str = "fr") -> User | None:
    """A new account, or None when the address already has one: its owner is then told by
    e-mail, and the page answers the same either way (nobody learns who has an account)."""
    email = normalise_email(email)
    check_password_strength(password, email)
    existing = find_user(session, email)
    if existing is not None:
        tell_address_taken(session, existing)
        return None
    user = User(email=email, display_name=display_name.strip(), password_hash=hash_password(password), locale=locale)
    session.add(user)
    session.flush()
    send_confirmation(session, user)
    return user


def tell_address_taken(session: Session, user: User) -> None:
    """Someone asked for an account (or an address change) with an address that has one."""
    link = external_url("accounts.forgot")
    with force_locale(user.locale):
        subject = _("An account already uses your address")
        body = _("Hello %(name)s,\n\nSomeone (perhaps you) asked to create an account on the participatory budget with "
                 "this address, which already has one. To log in, use it with your password; if you forgot it, "
                 "choose a new one here:\n%(link)s\n\nIf it was not you, ignore this message: nothing has changed.",
                 name=user.display_name, link=link)
    queue_email(session, user.email, subject, body)


def send_confirmation(session: Session, user: User) -> None:
    link = external_url("accounts.confirm", token=make_link_token(user, "confirm"))
    with force_locale(user.locale):
        subject = _("Confirm your e-mail address")
        body = _(
            "Hello %(name)s,\n\nTo confirm your account on the participatory budget, open this link:\n%(link)s\n\n"
            "If you did not create an account, ignore this message.",
            name=user.display_name, link=link,
        )
    queue_email(session, user.email, subject, body)


def confirm_email(session: Session, token: str) -> User:
    user = _read_link_token(session, token, "confirm", settings().email_confirm_hours)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


# -- login ----------------------------------------------------------------------------------------

def authenticate(session: Session, email: str, password: str, now: dt.datetime | None = None, *,
                 address: str = "") -> User:
    """The user, or a named refusal. Failed attempts are limited per account *and address*
    (`login_max_failures` per `login_lock_minutes`: the lock applies where the attempts failed,
    never to the resident logging in elsewhere) and per address generously (`rate_limit_login`;
    none for `kiosk_addresses`), by the one limiter (pb/attempts.py). An unknown address, a
    wrong password and a lock answer alike: nothing says whether an account exists."""
    now = now or utcnow()
    limiter = limiter_of()
    key = credential_key("login|" + email.strip().lower() + "|" + address)
    limiter.check("login", address, key)
    user = find_user(session, email)
    verified = _verify(user.password_hash if user is not None else _DUMMY_HASH, password)  # the same time either way
    if user is None or not verified:
        limiter.failed("login", address, key)
        if user is not None and limiter.remaining("login", address, key) <= 0:
            audit.record(session, None, "account.locked", user, after={"client": address})
        raise InvalidCredentials()
    if user.blocked_at is not None:
        raise AccountBlocked()
    if user.email_confirmed_at is None:
        send_confirmation(session, user)
        raise EmailNotConfirmed()
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def log_out(session: Session, user: User) -> None:
    """End the user's sessions on the server side: the session cookie and the remember-me
    cookie both carry `id:session_version`, so a new version makes every copy of them worthless
    (on this device and the others)."""
    user.session_version += 1
    session.flush()


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def load_user(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: the cookie carries id:version, so a password change (which bumps the
    version) logs out every other session."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


# -- password reset ---------------------------------------------------------------------------------

def request_password_reset(session: Session, email: str) -> None:
    """Sends a link if the address is known; says nothing either way (no account discovery)."""
    user = find_user(session, email)
    if user is None:
        return
    link = external_url("accounts.reset", token=make_link_token(user, "reset"))
    with force_locale(user.locale):
        subject = _("Reset your password")
        body = _(
            "Hello %(name)s,\n\nTo choose a new password, open this link within %(hours)s hours:\n%(link)s\n\n"
            "If you did not ask for it, ignore this message: your password has not changed.",
            name=user.display_name, link=link, hours=settings().password_reset_hours,
        )
    queue_email(session, user.email, subject, body)


def reset_password(session: Session, token: str, new_password: str) -> User:
    user = _read_link_token(session, token, "reset", settings().password_reset_hours)
    check_password_strength(new_password, user.email)
    set_password(session, user, new_password)
    # Following a link from the inbox proves the address too.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    user.locked_until = None
    user.failed_logins = 0
    return user


class WrongPassword(ValidationFailed):
    code = "wrong_password"
    status = 422
    message = _l("This is not your current password.")

    def __init__(self) -> None:
        super().__init__(self.message, field="current")  # the forms' "current password" field


def change_password(session: Session, user: User, current: str, new_password: str) -> None:
    """A logged-in person changes their password: the current one first; other sessions end."""
    if not _verify(user.password_hash, current):
        raise WrongPassword()
    check_password_strength(new_password, user.email)
    set_password(session, user, new_password)


def set_password(session: Session, user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    audit.record(session, user, "account.password_changed", user)


# -- roles ----------------------------------------------------------------------------------------

def grant_role(session: Session, actor: Any, user: User, role: Role | str, *, edition_id: int | None = None,
               district_id: int | None = None) -> RoleAssignment:
    require(actor, "staff.manage")
    role = Role(role)
    if role not in STAFF_ROLES:
        raise ValidationFailed(_l("Residents need no role: every account can propose, comment and vote."),
                               field="role")
    if district_id is not None:
        from pb.editions.models import District

        district = session.get(District, district_id)
        if district is None:
            raise ValidationFailed(_l("Unknown district."), field="district_id")
        edition_id = None  # the district implies its edition
    for existing in user.roles:
        if (existing.role, existing.edition_id, existing.district_id) == (role, edition_id, district_id):
            return existing
    assignment = RoleAssignment(user=user, role=role, edition_id=edition_id, district_id=district_id,
                                granted_by_id=getattr(actor, "id", None))
    session.add(assignment)
    session.flush()
    audit.record(session, actor, "role.grant", user, edition_id=edition_id,
                 after={"role": role, "edition_id": edition_id, "district_id": district_id})
    return assignment


def revoke_role(session: Session, actor: Any, assignment: RoleAssignment) -> None:
    require(actor, "staff.manage")
    if assignment.role == Role.ADMIN and assignment.edition_id is None and assignment.district_id is None:
        admins = session.scalar(
            sa.select(sa.func.count()).select_from(RoleAssignment).where(
                RoleAssignment.role == Role.ADMIN, RoleAssignment.edition_id.is_(None),
                RoleAssignment.district_id.is_(None),
            )
        )
        if admins <= 1:
            raise ValidationFailed(_l("The last administrator cannot be removed."))
    audit.record(session, actor, "role.revoke", assignment.user, edition_id=assignment.edition_id,
                 before={"role": assignment.role, "edition_id": assignment.edition_id,
                         "district_id": assignment.district_id})
    assignment.user.roles.remove(assignment)
    session.flush()


def create_admin(session: Session, email: str, password: str, display_name: str = "Administrator") -> User:
    """The first administrator (command line): confirmed, global admin role."""
    email = normalise_email(email)
    check_password_strength(password, email)
    user = find_user(session, email)
    if user is None:
        user = User(email=email, display_name=display_name, password_hash=hash_password(password), locale="fr")
        session.add(user)
    else:
        user.password_hash = hash_password(password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    if not any(a.role == Role.ADMIN and a.edition_id is None and a.district_id is None for a in user.roles):
        user.roles.append(RoleAssignment(role=Role.ADMIN))
    session.flush()
    audit.record(session, None, "role.grant", user, after={"role": "admin", "via": "command line"})
    return user


def set_blocked(session: Session, actor: Any, user: User, blocked: bool, reason: str = "") -> None:
    """Block or unblock an account (moderation). A blocked person cannot log in; nothing is deleted."""
    require(actor, "account.block", user)
    before = {"blocked": user.blocked_at is not None}
    user.blocked_at = utcnow() if blocked else None
    user.blocked_reason = reason if blocked else ""
    if blocked:
        user.session_version += 1
    audit.record(session, actor, "account.block" if blocked else "account.unblock", user,
                 before=before, after={"blocked": blocked, "reason": reason})


def list_staff(session: Session) -> sa.Select[Any]:
    return (
        sa.select(RoleAssignment)
        .join(RoleAssignment.user)
        .order_by(User.display_name, RoleAssignment.role)
    )
