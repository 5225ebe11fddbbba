"""Ideas, their authors and status history, attachments, comments and flags.

Nothing here is ever deleted by moderation: hidden content keeps its row (with who hid it, when
and why), so the audit log and the author can always see what happened."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, Money, enum_type, utcnow
from pb.editions.models import Phase


class IdeaStatus(enum.StrEnum):
    DRAFT = "draft"  # brouillon: only its authors see it
    SUBMITTED = "submitted"  # déposée
    NOT_ADMISSIBLE = "not_admissible"  # non recevable (public reason)
    ADMISSIBLE = "admissible"  # recevable
    INFEASIBLE = "infeasible"  # non faisable (public reason)
    FEASIBLE = "feasible"  # faisable: a project exists
    MERGED = "merged"  # fusionnée dans un projet
    WITHDRAWN = "withdrawn"  # retirée par ses auteurs

    @property
    def label(self) -> str:
        return str(IDEA_STATUS_LABELS[self])


IDEA_STATUS_LABELS = {
    IdeaStatus.DRAFT: _l("Draft"),
    IdeaStatus.SUBMITTED: _l("Submitted"),
    IdeaStatus.NOT_ADMISSIBLE: _l("Not admissible"),
    IdeaStatus.ADMISSIBLE: _l("Admissible"),
    IdeaStatus.INFEASIBLE: _l("Not feasible"),
    IdeaStatus.FEASIBLE: _l("Feasible"),
    IdeaStatus.MERGED: _l("Merged into a project"),
    IdeaStatus.WITHDRAWN: _l("Withdrawn by its authors"),
}


class Channel(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"
    MEETING = "meeting"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.ONLINE: _l("Online"),
    Channel.PAPER: _l("Paper form"),
    Channel.MEETING: _l("Public meeting"),
}

# Themes: a fixed list (the code is stored on ideas and projects, the label is translated).
THEMES = {
    "cadre-de-vie": _l("Living environment"),
    "mobilite": _l("Walking, cycling and transport"),
    "nature": _l("Nature and greenery"),
    "sport": _l("Sport and leisure"),
    "culture": _l("Culture and heritage"),
    "solidarite": _l("Solidarity and inclusion"),
    "education": _l("Education and youth"),
    "proprete": _l("Cleanliness and recycling"),
    "numerique": _l("Digital"),
    "sante": _l("Health and well-being"),
}


def theme_label(code: str) -> str:
    return str(THEMES[code]) if code in THEMES else code


class Idea(Base):
    __tablename__ = "idea"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    theme: Mapped[str] = mapped_column(sa.String(64), default="")
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    estimated_cost_cents: Mapped[int | None] = mapped_column(Money)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "idea_channel"), default=Channel.ONLINE)
    status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus, "idea_status"), default=IdeaStatus.DRAFT)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")  # public reason of the last decision
    # The project born from this idea (feasible) or that absorbed it (merged).
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[dt.datetime | None] = mapped_column()
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    edition: Mapped["Edition"] = relationship()  # noqa: F821
    district: Mapped["District"] = relationship()  # noqa: F821
    project: Mapped["Project | None"] = relationship()  # noqa: F821
    authors: Mapped[list[IdeaAuthor]] = relationship(back_populates="idea", cascade="all, delete-orphan",
                                                     order_by="IdeaAuthor.position")
    history: Mapped[list[IdeaStatusChange]] = relationship(back_populates="idea", cascade="all, delete-orphan",
                                                           order_by="IdeaStatusChange.id")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="idea", cascade="all, delete-orphan",
                                                         order_by="Attachment.id")

    __table_args__ = (
        sa.Index("ix_idea_edition_district_status", "edition_id", "district_id", "status"),
        sa.CheckConstraint("estimated_cost_cents IS NULL OR estimated_cost_cents >= 0", name="cost_positive"),
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        sa.CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
        sa.CheckConstraint("status NOT IN ('feasible', 'merged') OR project_id IS NOT NULL",
                           name="project_when_feasible"),
        sa.CheckConstraint("status IN ('draft', 'withdrawn') OR submitted_at IS NOT NULL", name="submitted_at_set"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def holder(self) -> IdeaAuthor | None:
        return self.authors[0] if self.authors else None

    @property
    def theme_label(self) -> str:
        return theme_label(self.theme)

    def is_author(self, user: object) -> bool:
        user_id = getattr(user, "id", None)
        return user_id is not None and any(a.user_id == user_id for a in self.authors)

    def __repr__(self) -> str:
        return f"<Idea {self.id} {self.status}>"


class IdeaAuthor(Base):
    """An author: an account (online ideas, co-authors) or a named holder without an account
    (ideas received on paper or at a meeting, typed in by staff). The first is the holder."""

    __tablename__ = "idea_author"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), default="")  # holders without an account
    position: Mapped[int] = mapped_column(default=0)

    idea: Mapped[Idea] = relationship(back_populates="authors")
    user: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("idea_id", "user_id"),
        sa.CheckConstraint("length(name) > 0", name="name_present"),
    )

    @property
    def contact_email(self) -> str:
        return self.user.email if self.user is not None else self.email


class IdeaStatusChange(Base):
    """One row per status change: who, when, from, to, and the public reason."""

    __tablename__ = "idea_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[IdeaStatus | None] = mapped_column(enum_type(IdeaStatus, "from_status"))
    to_status: Mapped[IdeaStatus] = mapped_column(enum_type(IdeaStatus, "to_status"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    public_reason: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="history")
    actor: Mapped["User | None"] = relationship()  # noqa: F821


class Attachment(Base):
    """An image or a document. The file lives under settings.upload_folder with a random name;
    the name the person's computer gave it is never used on disk."""

    __tablename__ = "idea_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None] = mapped_column()

    idea: Mapped[Idea] = relationship(back_populates="attachments")

    __table_args__ = (sa.CheckConstraint("size_bytes >= 0", name="size_positive"),)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}.get(self.content_type, "bin")


class Comment(Base):
    """A comment on an idea or on a project; a reply points to its parent (one level deep)."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "phase"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[dt.datetime | None] = mapped_column()
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    author: Mapped["User | None"] = relationship(foreign_keys=[author_id])  # noqa: F821
    idea: Mapped[Idea | None] = relationship()
    project: Mapped["Project | None"] = relationship()  # noqa: F821
    parent: Mapped[Comment | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.CheckConstraint("(idea_id IS NULL) <> (project_id IS NULL)", name="one_target"),
        sa.CheckConstraint("length(body) > 0", name="body_present"),
    )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def district_id(self) -> int | None:
        """The district of what is commented (for district-scoped moderators)."""
        target = self.idea if self.idea_id is not None else self.project
        return target.district_id if target is not None else None


class FlagResolution(enum.StrEnum):
    HIDDEN = "hidden"
    IGNORED = "ignored"


class Flag(Base):
    """A report of inappropriate content, on an idea or a comment; open until a moderator acts."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column()
    resolution: Mapped[FlagResolution | None] = mapped_column(enum_type(FlagResolution, "flag_resolution"))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.CheckConstraint("(idea_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        sa.UniqueConstraint("idea_id", "user_id"),
        sa.UniqueConstraint("comment_id", "user_id"),
    )
