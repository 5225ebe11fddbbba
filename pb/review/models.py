"""The technical review: city services (named groups of reviewers), assignments, the edition's
eligibility checklist, and each idea's review (answers, reviewed cost, decision)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, Money, enum_type, utcnow

team_member = sa.Table(
    "review_team_member", Base.metadata,
    sa.Column("team_id", sa.ForeignKey("review_team.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class ReviewTeam(Base):
    """A city service (Espaces verts, Voirie...): ideas assigned to it are reviewed by any member."""

    __tablename__ = "review_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list["User"]] = relationship(secondary=team_member, order_by="User.display_name")  # noqa: F821


class ChecklistItem(Base):
    """One question of the edition's eligibility checklist ("Is it of general interest?")."""

    __tablename__ = "checklist_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(200))
    help: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.UniqueConstraint("edition_id", "label"),)


class Assignment(Base):
    """Who reviews an idea: a reviewer, a city service, or both."""

    __tablename__ = "review_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), unique=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_team.id", ondelete="SET NULL"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    idea: Mapped["Idea"] = relationship()  # noqa: F821
    reviewer: Mapped["User | None"] = relationship(foreign_keys=[reviewer_id])  # noqa: F821
    team: Mapped[ReviewTeam | None] = relationship()

    __table_args__ = (sa.CheckConstraint("reviewer_id IS NOT NULL OR team_id IS NOT NULL", name="someone"),)


class Decision(enum.StrEnum):
    NOT_ADMISSIBLE = "not_admissible"
    ADMISSIBLE = "admissible"  # admissible; feasibility still to study
    INFEASIBLE = "infeasible"
    FEASIBLE = "feasible"

    @property
    def label(self) -> str:
        return str(DECISION_LABELS[self])


DECISION_LABELS = {
    Decision.NOT_ADMISSIBLE: _l("Not admissible"),
    Decision.ADMISSIBLE: _l("Admissible (feasibility still to study)"),
    Decision.INFEASIBLE: _l("Not feasible"),
    Decision.FEASIBLE: _l("Feasible"),
}


class Review(Base):
    """The review of one idea: checklist answers, the reviewed cost, the decision and its public
    reason, and a note kept inside the services."""

    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), unique=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reviewed_cost_cents: Mapped[int | None] = mapped_column(Money)
    decision: Mapped[Decision | None] = mapped_column(enum_type(Decision, "review_decision"))
    public_reason: Mapped[str] = mapped_column(sa.Text, default="")
    internal_note: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    answers: Mapped[list[ReviewAnswer]] = relationship(back_populates="review", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("reviewed_cost_cents IS NULL OR reviewed_cost_cents >= 0", name="cost_positive"),
    )


class ReviewAnswer(Base):
    __tablename__ = "review_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_item.id", ondelete="CASCADE"))
    passed: Mapped[bool | None] = mapped_column()  # None: not answered yet

    review: Mapped[Review] = relationship(back_populates="answers")
    item: Mapped[ChecklistItem] = relationship()

    __table_args__ = (sa.UniqueConstraint("review_id", "item_id"),)
