"""Moderation: the queue of flagged content, hiding (with a reason shown to the author),
restoring, ignoring flags, blocking an account.

Nothing is deleted: a hidden idea or comment keeps its row, with who hid it, when and why, and
every action is in the audit log with the state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import datetime as dt

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, selectinload

from pb import audit
from pb.accounts.models import User
from pb.accounts.services import set_blocked
from pb.authz import can, require
from pb.db import utcnow
from pb.editions.models import Edition
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.ideas.models import Comment, Flag, FlagResolution, Idea
from pb.ideas.services import QUIET
from pb.ideas.text import clean
from pb.mail import queue_email


class AlreadyHidden(PbError):
    code = "already_hidden"
    status = 409
    message = _l("This content is already hidden.")


class NotHidden(PbError):
    code = "not_hidden"
    status = 409
    message = _l("This content is not hidden.")


@dataclass
class QueueItem:
    kind: str  # "idea" or "comment"
    target: Idea | Comment
    flags: int
    first_flag_at: dt.datetime
    reasons: list[str]

    @property
    def author_user(self) -> User | None:
        if isinstance(self.target, Comment):
            return self.target.author
        holder = self.target.holder
        return holder.user if holder is not None else None


KINDS: dict[str, type[Idea] | type[Comment]] = {"idea": Idea, "comment": Comment}


def get_target(session: Session, actor: Any, kind: str, target_id: int) -> Idea | Comment:
    """The idea or comment a moderator acts on ("idea" or "comment" in the address)."""
    model = KINDS.get(kind)
    target = session.get(model, target_id) if model is not None else None
    if target is None:
        raise NotFoundError()
    require(actor, "moderation.act", target)
    return target


def author_account(target: Idea | Comment) -> User:
    """The account behind a content (a paper idea's holder may have none)."""
    user = target.author if isinstance(target, Comment) else (target.holder.user if target.holder is not None else None)
    if user is None:
        raise NotFoundError()
    return user


def queue(session: Session, actor: Any, edition: Edition) -> list[QueueItem]:
    """Content with open flags, most flagged first (then the oldest report first). Three grouped
    queries and two bulk loads, whatever the number of flags."""
    require(actor, "moderation.act", edition)
    open_flags = sa.select(Flag).where(Flag.edition_id == edition.id, Flag.resolved_at.is_(None)).subquery()
    grouped: list[tuple[str, int, int, dt.datetime]] = []
    for kind, column in (("idea", open_flags.c.idea_id), ("comment", open_flags.c.comment_id)):
        rows = session.execute(sa.select(column, sa.func.count(), sa.func.min(open_flags.c.created_at))
                               .where(column.is_not(None)).group_by(column))
        grouped.extend((kind, target_id, n, first) for target_id, n, first in rows)
    grouped.sort(key=lambda row: (-row[2], row[3]))
    ideas = {i.id: i for i in session.scalars(
        sa.select(Idea).where(Idea.id.in_([g[1] for g in grouped if g[0] == "idea"]))
        .options(selectinload(Idea.authors), joinedload(Idea.district)))}
    comments = {c.id: c for c in session.scalars(
        sa.select(Comment).where(Comment.id.in_([g[1] for g in grouped if g[0] == "comment"]))
        .options(joinedload(Comment.author), joinedload(Comment.idea), joinedload(Comment.project)))}
    reasons: dict[tuple[str, int], list[str]] = {}
    for f in session.scalars(sa.select(Flag).where(Flag.edition_id == edition.id, Flag.resolved_at.is_(None))
                             .order_by(Flag.created_at)):
        key = ("idea", f.idea_id) if f.idea_id is not None else ("comment", f.comment_id)
        reasons.setdefault(key, []).append(f.reason)  # type: ignore[arg-type]
    items = []
    for kind, target_id, n, first in grouped:
        target = ideas.get(target_id) if kind == "idea" else comments.get(target_id)
        if target is not None and can(actor, "moderation.act", target):
            items.append(QueueItem(kind, target, n, first, reasons.get((kind, target_id), [])))
    return items


def hidden_content(session: Session, actor: Any, edition: Edition) -> list[Idea | Comment]:
    """What moderators hid in this edition, most recent first (to restore it if need be)."""
    require(actor, "moderation.act", edition)
    ideas = session.scalars(sa.select(Idea).where(Idea.edition_id == edition.id, Idea.hidden_at.is_not(None))
                            .options(selectinload(Idea.authors))).all()
    comments = session.scalars(sa.select(Comment).where(Comment.edition_id == edition.id, Comment.hidden_at.is_not(None))
                               .options(joinedload(Comment.author))).all()
    visible = [x for x in [*ideas, *comments] if can(actor, "moderation.act", x)]
    return sorted(visible, key=lambda x: x.hidden_at, reverse=True)  # type: ignore[arg-type, return-value]


def _resolve_flags(session: Session, actor: Any, target: Idea | Comment, resolution: FlagResolution) -> int:
    column = Flag.idea_id if isinstance(target, Idea) else Flag.comment_id
    flags = session.scalars(sa.select(Flag).where(column == target.id, Flag.resolved_at.is_(None))).all()
    now = utcnow()
    for f in flags:
        f.resolved_at, f.resolution, f.resolved_by_id = now, resolution, getattr(actor, "id", None)
    return len(flags)


def _kind(target: Idea | Comment) -> str:
    return "idea" if isinstance(target, Idea) else "comment"


def _recipients(target: Idea | Comment) -> list[tuple[str, str]]:
    """(e-mail, locale) of the people who wrote the content."""
    from flask import current_app

    default = current_app.config["PB_SETTINGS"].default_locale
    if isinstance(target, Comment):
        return [(target.author.email, target.author.locale)] if target.author is not None else []
    return [(a.contact_email, a.user.locale if a.user else default) for a in target.authors if a.contact_email]


def hide(session: Session, actor: Any, target: Idea | Comment, reason: str) -> None:
    """Hide an idea or a comment, with a reason the author reads on the page and by e-mail."""
    require(actor, "moderation.act", target)
    reason = clean(reason)
    if len(reason) < 3:
        raise ValidationFailed(_l("Give the reason, shown to the author."), field="reason")
    if target.hidden_at is not None:
        raise AlreadyHidden()
    target.hidden_at, target.hidden_reason, target.hidden_by_id = utcnow(), reason, getattr(actor, "id", None)
    resolved = _resolve_flags(session, actor, target, FlagResolution.HIDDEN)
    session.flush()
    audit.record(session, actor, f"moderation.hide_{_kind(target)}", target, edition_id=target.edition_id,
                 before={"hidden": False}, after={"hidden": True, "reason": reason}, flags_resolved=resolved)
    if session.info.get(QUIET):
        return
    title = target.title if isinstance(target, Idea) else (target.body[:60] + ("…" if len(target.body) > 60 else ""))
    contact, charter = _contact_and_charter(session)
    for email, locale in _recipients(target):
        with force_locale(locale):
            subject = _("Your contribution has been hidden by the moderators")
            body = _("Hello,\n\nYour contribution “%(title)s” has been hidden by the moderators of the participatory "
                     "budget, for this reason:\n\n%(reason)s\n\nIt is not deleted. The participation charter says what "
                     "is accepted: %(charter)s\n\nIf you think this is a mistake, write to the participatory budget "
                     "team (not to the address this message comes from): %(contact)s", title=title, reason=reason,
                     charter=charter, contact=contact)
        queue_email(session, email, subject, body)


def _contact_and_charter(session: Session) -> tuple[str, str]:
    """Where a resident writes to the team (its address, or the contact page) and the charter's address."""
    from pb.site.services import get_settings
    from pb.web.urls import external_url

    settings = get_settings(session)
    return (settings.contact_email or external_url("site.page", key="contact"),
            external_url("site.page", key="charter"))


def restore(session: Session, actor: Any, target: Idea | Comment) -> None:
    require(actor, "moderation.act", target)
    if target.hidden_at is None:
        raise NotHidden()
    before = {"hidden": True, "reason": target.hidden_reason}
    target.hidden_at, target.hidden_reason, target.hidden_by_id = None, "", None
    session.flush()
    audit.record(session, actor, f"moderation.restore_{_kind(target)}", target, edition_id=target.edition_id,
                 before=before, after={"hidden": False})


def ignore_flags(session: Session, actor: Any, target: Idea | Comment) -> int:
    """The reports were unfounded: close them, keep the content."""
    require(actor, "moderation.act", target)
    count = _resolve_flags(session, actor, target, FlagResolution.IGNORED)
    session.flush()
    audit.record(session, actor, f"moderation.ignore_{_kind(target)}", target, edition_id=target.edition_id,
                 before={"open_flags": count}, after={"open_flags": 0})
    return count


def block_account(session: Session, actor: Any, user: User, reason: str, edition: Edition | None = None) -> None:
    """Block the account (it can no longer log in, comment or propose); its content stays."""
    require(actor, "moderation.act", edition)
    reason = clean(reason)
    if len(reason) < 3:
        raise ValidationFailed(_l("Give the reason for blocking the account."), field="reason")
    set_blocked(session, actor, user, True, reason)
