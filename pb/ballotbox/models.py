"""The ballot box tables (docs/ballotbox.md).

- `polling_station`: a paper ballot box of an edition, in a district or city-wide, with its
  opening windows (`station_window`; none: the vote window) and the time it was closed early.
- `station_officer`: the polling-officer role scoped to one station.
- `station_key`: a bearer key of one officer at one station, stored only as a SHA-256 hash.
- `signin_collision`: a sign-in of an offline station whose person had already signed in
  elsewhere (online or at another station): listed with its counterpart, never merged.
- `report_entry`: one officer's entry of the station's procès-verbal (first or second);
  `station_report` is the agreed, signed-off report (locked; an administrator may amend it
  with a reason, audited).

The sign-ins themselves are rows of `participation` (pb.voting.models) with channel paper and
the station's id. The keyed paper ballots of a signed-off report are rows of `paper_ballot`
(station, district of the scope, choices): the count reads them beside the online ballots
(`pb.voting.services.sealed_ballots`). A paper ballot names its station, never a person: the
sign-in list and the box were never joined."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, enum_type, utcnow


class PollingStation(Base):
    __tablename__ = "polling_station"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(255), default="")
    # None: a city-wide station (any voter of the edition may sign in there).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"))
    # True: the desk has no connection; its sign-in list is uploaded after the close.
    offline: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    windows: Mapped[list[StationWindow]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="StationWindow.starts_at", lazy="selectin")
    officers: Mapped[list[StationOfficer]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    district: Mapped["District | None"] = relationship(lazy="joined")  # noqa: F821
    edition: Mapped["Edition"] = relationship(lazy="joined")  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("edition_id", "name"),)

    def has_officer(self, user_id: int | None) -> bool:
        return user_id is not None and any(o.user_id == user_id for o in self.officers)

    def __repr__(self) -> str:
        return f"<PollingStation {self.id} {self.name}>"


class StationWindow(Base):
    """One opening of a station (a day and its hours)."""

    __tablename__ = "station_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()

    station: Mapped[PollingStation] = relationship(back_populates="windows")

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="window_order"),)


class StationOfficer(Base):
    __tablename__ = "station_officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="joined")  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("station_id", "user_id"),)


class StationKey(Base):
    __tablename__ = "station_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    officer: Mapped["User"] = relationship(lazy="joined")  # noqa: F821


class SigninCollision(Base):
    """A line of an offline station's sign-in list whose person had already signed in: the
    counterpart (online, or another station) is kept as it was, and this line is listed."""

    __tablename__ = "signin_collision"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column()
    voter_ref: Mapped[str] = mapped_column(sa.String(16))
    signed_at: Mapped[dt.datetime | None] = mapped_column()
    other_channel: Mapped[str] = mapped_column(sa.String(16))
    other_station_id: Mapped[int | None] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="SET NULL"))
    other_signed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("station_id", "line"),)


class EntryKind(enum.StrEnum):
    FIRST = "first"
    SECOND = "second"


class ReportEntry(Base):
    """One officer's keying of the procès-verbal. `totals` ({project id: votes}) or `ballots`
    (the list of keyed ballots as typed, each {"choices"|"grades"|"points": ...}), never both."""

    __tablename__ = "report_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"))
    entry: Mapped[EntryKind] = mapped_column(enum_type(EntryKind, "report_entry_kind"))
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    envelopes: Mapped[int] = mapped_column()
    blank: Mapped[int] = mapped_column()
    spoilt: Mapped[int] = mapped_column()
    totals: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    ballots: Mapped[list[Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    entered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    officer: Mapped["User | None"] = relationship(lazy="joined")  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("station_id", "entry"),
        sa.CheckConstraint("envelopes >= 0 AND blank >= 0 AND spoilt >= 0", name="counts_positive"),
        sa.CheckConstraint("(totals IS NULL) <> (ballots IS NULL)", name="totals_or_ballots"),
    )


class StationReport(Base):
    """The signed-off procès-verbal of a station: the agreed figures, locked. `valid` and
    `spoilt` include the keyed ballots that the ballot's validation refused (kept as spoilt with
    their reasons in `rejected`); `totals` are the valid votes per project."""

    __tablename__ = "station_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"), unique=True)
    envelopes: Mapped[int] = mapped_column()
    blank: Mapped[int] = mapped_column()
    spoilt: Mapped[int] = mapped_column()
    valid: Mapped[int] = mapped_column()
    keyed: Mapped[int] = mapped_column(default=0)
    totals: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    rejected: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    signed_off_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    signed_off_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    amended_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.CheckConstraint("envelopes = blank + spoilt + valid", name="counts_add_up"),
    )


class PaperBallot(Base):
    """One valid keyed paper ballot in one scope (as an online ballot: {project id: value}),
    written when its station's report is signed off."""

    __tablename__ = "paper_ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("polling_station.id", ondelete="CASCADE"), index=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("district.id", ondelete="RESTRICT"))
    choices: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
