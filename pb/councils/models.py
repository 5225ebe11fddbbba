"""Neighbourhood councils (conseils de quartier), their sessions, the projects they handled and
their opinions; public meetings (réunions publiques) and which project holders attended."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, enum_type, utcnow


class Council(Base):
    """A neighbourhood council of an edition's district (or of the whole city)."""

    __tablename__ = "council"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(160))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    district: Mapped["District | None"] = relationship()  # noqa: F821
    members: Mapped[list[CouncilMember]] = relationship(back_populates="council", cascade="all, delete-orphan",
                                                        order_by="CouncilMember.position")
    sessions: Mapped[list[CouncilSession]] = relationship(back_populates="council", cascade="all, delete-orphan",
                                                          order_by="CouncilSession.starts_at.desc()")

    __table_args__ = (sa.UniqueConstraint("edition_id", "name"),)


class CouncilMember(Base):
    __tablename__ = "council_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("council.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(120), default="")  # président, secrétaire, habitant...
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    council: Mapped[Council] = relationship(back_populates="members")


session_attendance = sa.Table(
    "council_session_attendance", Base.metadata,
    sa.Column("session_id", sa.ForeignKey("council_session.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.ForeignKey("council_member.id", ondelete="CASCADE"), primary_key=True),
)


class CouncilSession(Base):
    __tablename__ = "council_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("council.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column()
    place: Mapped[str] = mapped_column(sa.String(255), default="")
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    minutes: Mapped[str] = mapped_column(sa.Text, default="")
    public_attendance: Mapped[int] = mapped_column(default=0)  # residents present besides the members

    council: Mapped[Council] = relationship(back_populates="sessions")
    present: Mapped[list[CouncilMember]] = relationship(secondary=session_attendance, order_by="CouncilMember.position")
    items: Mapped[list[SessionProject]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                      order_by="SessionProject.id")

    __table_args__ = (sa.CheckConstraint("public_attendance >= 0", name="attendance_positive"),)


class Handling(enum.StrEnum):
    PRESENTED = "presented"
    DISCUSSED = "discussed"

    @property
    def label(self) -> str:
        return str(HANDLING_LABELS[self])


HANDLING_LABELS = {Handling.PRESENTED: _l("Presented"), Handling.DISCUSSED: _l("Discussed")}


class SessionProject(Base):
    """A project on a session's agenda: presented, or discussed."""

    __tablename__ = "council_session_project"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("council_session.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    handling: Mapped[Handling] = mapped_column(enum_type(Handling, "council_handling"), default=Handling.PRESENTED)

    session: Mapped[CouncilSession] = relationship(back_populates="items")
    project: Mapped["Project"] = relationship()  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("session_id", "project_id"),)


class Opinion(enum.StrEnum):
    FAVOURABLE = "favourable"
    UNFAVOURABLE = "unfavourable"
    RESERVED = "reserved"

    @property
    def label(self) -> str:
        return str(OPINION_LABELS[self])


OPINION_LABELS = {
    Opinion.FAVOURABLE: _l("Favourable"),
    Opinion.UNFAVOURABLE: _l("Unfavourable"),
    Opinion.RESERVED: _l("Reserved"),
}


class CouncilOpinion(Base):
    """The council's opinion on a project (one per council and project; given at a session)."""

    __tablename__ = "council_opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(sa.ForeignKey("council.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("council_session.id", ondelete="SET NULL"))
    opinion: Mapped[Opinion] = mapped_column(enum_type(Opinion, "council_opinion"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    council: Mapped[Council] = relationship()
    project: Mapped["Project"] = relationship()  # noqa: F821
    session: Mapped[CouncilSession | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("council_id", "project_id"),)


class PublicMeeting(Base):
    """A public meeting of the edition where project holders present their projects."""

    __tablename__ = "public_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[dt.datetime] = mapped_column()
    place: Mapped[str] = mapped_column(sa.String(255), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")

    district: Mapped["District | None"] = relationship()  # noqa: F821
    attendance: Mapped[list[MeetingAttendance]] = relationship(back_populates="meeting", cascade="all, delete-orphan")


class MeetingAttendance(Base):
    """A project holder (an author of one of the project's ideas) attended the meeting."""

    __tablename__ = "meeting_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("public_meeting.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("idea_author.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    meeting: Mapped[PublicMeeting] = relationship(back_populates="attendance")
    author: Mapped["IdeaAuthor"] = relationship()  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("meeting_id", "author_id"),)
