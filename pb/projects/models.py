from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, Money, enum_type, utcnow


class ProjectStatus(enum.StrEnum):
    FEASIBLE = "feasible"  # faisable: passed the review, candidate for the ballot
    HELD_BACK = "held_back"  # feasible but kept off the ballot (e.g. no public meeting attended)
    ON_BALLOT = "on_ballot"  # soumis au vote
    WINNER = "winner"  # lauréat
    NOT_SELECTED = "not_selected"  # non retenu
    IN_STUDY = "in_study"  # en études
    IN_WORKS = "in_works"  # en travaux
    DELIVERED = "delivered"  # livré
    ABANDONED = "abandoned"  # abandonné
    WITHDRAWN = "withdrawn"  # retiré par ses porteurs avant le vote

    @property
    def label(self) -> str:
        return str(PROJECT_STATUS_LABELS[self])


PROJECT_STATUS_LABELS = {
    ProjectStatus.FEASIBLE: _l("Feasible"),
    ProjectStatus.HELD_BACK: _l("Held back from the ballot"),
    ProjectStatus.ON_BALLOT: _l("Put to the vote"),
    ProjectStatus.WINNER: _l("Winner"),
    ProjectStatus.NOT_SELECTED: _l("Not selected"),
    ProjectStatus.IN_STUDY: _l("In study"),
    ProjectStatus.IN_WORKS: _l("In works"),
    ProjectStatus.DELIVERED: _l("Delivered"),
    ProjectStatus.ABANDONED: _l("Abandoned"),
    ProjectStatus.WITHDRAWN: _l("Withdrawn"),
}
# Statuses of a project that is (or was) on the ballot: the ballot and the results read these.
BALLOT_STATUSES = (ProjectStatus.ON_BALLOT, ProjectStatus.WINNER, ProjectStatus.NOT_SELECTED,
                   ProjectStatus.IN_STUDY, ProjectStatus.IN_WORKS, ProjectStatus.DELIVERED, ProjectStatus.ABANDONED)


class Project(Base):
    __tablename__ = "project"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"))
    # The number residents see ("projet n° 42"), also printed on paper ballots; unique per edition.
    number: Mapped[int] = mapped_column()
    # The identifier the city or a source file gave (a Pabulib project_id on an import); kept so
    # that exports give back the same identifiers. Empty: the number is the identifier.
    external_ref: Mapped[str] = mapped_column(sa.String(64), default="")
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    theme: Mapped[str] = mapped_column(sa.String(64), default="")
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    cost_cents: Mapped[int] = mapped_column(Money)  # the final cost from the technical review
    status: Mapped[ProjectStatus] = mapped_column(enum_type(ProjectStatus, "project_status"), default=ProjectStatus.FEASIBLE)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")  # public: why held back, abandoned...
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    edition: Mapped["Edition"] = relationship()  # noqa: F821
    district: Mapped["District"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "number"),
        sa.Index("ix_project_edition_district_status", "edition_id", "district_id", "status"),
        sa.CheckConstraint("cost_cents >= 0", name="cost_positive"),
    )

    @property
    def reference(self) -> str:
        return f"{self.number:03d}"

    @property
    def public_id(self) -> str:
        """The identifier in open data (Pabulib project_id, CSV): the external one, else the number."""
        return self.external_ref or self.reference

    def __repr__(self) -> str:
        return f"<Project {self.number} {self.title[:30]!r} {self.status}>"
