"""Comments on ideas and projects, replies one level deep, and flags.

Comments are open when the edition's phase has its switch on: `comments_before_review` during
submission, `comments_during_review` during the review, `comments_during_vote` during the vote;
closed in every other phase."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from pb.authz import require
from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.ideas.models import Comment, Flag, Idea, IdeaStatus
from pb.projects.models import Project

COMMENT_SWITCHES = {
    Phase.SUBMISSION: "comments_before_review",
    Phase.REVIEW: "comments_during_review",
    Phase.VOTE: "comments_during_vote",
}


class CommentsClosed(PbError):
    code = "comments_closed"
    status = 409
    message = _l("Comments are closed during the phase “%(phase)s” of this edition.")


class CannotComment(PbError):
    code = "cannot_comment"
    status = 409
    message = _l("This cannot be commented on.")


class AlreadyFlagged(PbError):
    code = "already_flagged"
    status = 409
    message = _l("You have already reported this content; the moderators will look at it.")


def comments_open(edition: Edition) -> bool:
    switch = COMMENT_SWITCHES.get(edition.phase)
    return bool(switch and getattr(edition, switch))


def check_comments_open(edition: Edition) -> None:
    if not comments_open(edition):
        raise CommentsClosed(phase=edition.phase.label)


def add_comment(session: Session, actor: Any, *, body: str, idea: Idea | None = None, project: Project | None = None,
                parent_id: int | None = None) -> Comment:
    from pb.ideas.text import clean

    target: Any = idea if idea is not None else project
    if target is None or (idea is not None and project is not None):
        raise ValueError("comment on exactly one idea or one project")
    require(actor, "comment.create", target)
    edition = target.edition
    check_comments_open(edition)
    if idea is not None and (idea.status is IdeaStatus.DRAFT or idea.is_hidden):
        raise CannotComment()
    body = clean(body)
    if not 2 <= len(body) <= 5000:
        raise ValidationFailed(_l("Write a comment of 2 to 5,000 characters."), field="body")
    parent = None
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.idea_id != getattr(idea, "id", None) or parent.project_id != getattr(project, "id", None):
            raise NotFoundError()
        # Replies are one level deep: a reply to a reply joins its thread.
        if parent.parent_id is not None:
            parent = parent.parent
    comment = Comment(edition_id=edition.id, idea_id=getattr(idea, "id", None), project_id=getattr(project, "id", None),
                      parent_id=parent.id if parent is not None else None, author_id=actor.id, author=actor,
                      body=body, phase=edition.phase, created_at=utcnow())
    session.add(comment)
    session.flush()
    return comment


def get_comment(session: Session, edition: Edition, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.edition_id != edition.id:
        raise NotFoundError()
    return comment


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def threads(session: Session, *, idea_id: int | None = None, project_id: int | None = None) -> list[Thread]:
    """Every comment of an idea or project (hidden ones included: the page shows a notice in
    their place), grouped in threads, oldest first; one query."""
    column = Comment.idea_id if idea_id is not None else Comment.project_id
    rows = session.scalars(sa.select(Comment).where(column == (idea_id if idea_id is not None else project_id))
                           .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id)).all()
    by_id: dict[int, Thread] = {}
    result: list[Thread] = []
    for c in rows:
        if c.parent_id is None:
            by_id[c.id] = Thread(c)
            result.append(by_id[c.id])
    for c in rows:
        if c.parent_id is not None and c.parent_id in by_id:
            by_id[c.parent_id].replies.append(c)
    return result


def flag(session: Session, actor: Any, *, reason: str, idea: Idea | None = None, comment: Comment | None = None) -> Flag:
    """Report an idea or a comment as inappropriate; each person reports a content once."""
    from pb.ideas.text import clean

    target: Any = idea if idea is not None else comment
    if target is None or (idea is not None and comment is not None):
        raise ValueError("flag exactly one idea or one comment")
    require(actor, "flag.create", target)
    if idea is not None and idea.status is IdeaStatus.DRAFT:
        raise NotFoundError()
    reason = clean(reason, multiline=False)[:500]
    if len(reason) < 3:
        raise ValidationFailed(_l("Say in a few words what is inappropriate."), field="reason")
    column, value = (Flag.idea_id, idea.id) if idea is not None else (Flag.comment_id, comment.id)  # type: ignore[union-attr]
    if session.scalar(sa.select(Flag.id).where(column == value, Flag.user_id == actor.id)) is not None:
        raise AlreadyFlagged()
    item = Flag(edition_id=target.edition_id, idea_id=getattr(idea, "id", None), comment_id=getattr(comment, "id", None),
                user_id=actor.id, reason=reason, created_at=utcnow())
    session.add(item)
    session.flush()
    return item
