from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, Money, utcnow


class TallyRun(Base):
    """One count of an edition: the rule and tie-break used, a hash of every input (projects,
    costs, envelopes, ballots), who ran it and when; published or not. Runs are never changed:
    counting again makes a new run, so the history shows every count made."""

    __tablename__ = "tally_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(sa.String(32))
    tie_break: Mapped[str] = mapped_column(sa.String(32))
    tie_break_seed: Mapped[str] = mapped_column(sa.String(64), default="")
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    inputs_hash: Mapped[str] = mapped_column(sa.String(64))
    ballots: Mapped[int] = mapped_column(default=0)
    ran_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    ran_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    districts: Mapped[list[DistrictResult]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                           order_by="DistrictResult.position")
    ran_by: Mapped["User | None"] = relationship(foreign_keys=[ran_by_id])  # noqa: F821


class DistrictResult(Base):
    """The outcome in one district's envelope (or the city-wide one)."""

    __tablename__ = "district_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    tally_run_id: Mapped[int] = mapped_column(sa.ForeignKey("tally_run.id", ondelete="CASCADE"))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    budget_cents: Mapped[int] = mapped_column(Money)
    spent_cents: Mapped[int] = mapped_column(Money)
    ballots: Mapped[int] = mapped_column(default=0)
    channels: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # {"online": n, "paper": n}
    selected: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)  # project ids, in funding order
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # project id -> votes (or points)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # the rule's numbers
    explanation: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # {"fr": [...], "en": [...]}

    run: Mapped[TallyRun] = relationship(back_populates="districts")
    district: Mapped["District"] = relationship()  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("tally_run_id", "district_id"),)
