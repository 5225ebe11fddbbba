from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, Money, enum_type, utcnow
from pb.projects.models import ProjectStatus


class ImplementationUpdate(Base):
    """One dated, public step of a winning project's implementation."""

    __tablename__ = "implementation_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("project.id", ondelete="CASCADE"))
    status: Mapped[ProjectStatus] = mapped_column(enum_type(ProjectStatus, "project_status"))
    progress: Mapped[int] = mapped_column(default=0)  # percent
    spent_cents: Mapped[int | None] = mapped_column(Money)  # total spent so far, when known
    note: Mapped[str] = mapped_column(sa.Text, default="")  # public
    happened_on: Mapped[dt.date] = mapped_column(sa.Date)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    project: Mapped["Project"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.Index("ix_implementation_update_project_day", "project_id", "happened_on"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_percent"),
        sa.CheckConstraint("spent_cents IS NULL OR spent_cents >= 0", name="spent_positive"),
    )
