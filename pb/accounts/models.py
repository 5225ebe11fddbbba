from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, enum_type, utcnow


class Role(enum.StrEnum):
    RESIDENT = "resident"
    MODERATOR = "moderator"
    REVIEWER = "reviewer"
    COUNCIL_SECRETARY = "council_secretary"
    POLLING_OFFICER = "polling_officer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.MODERATOR: _l("Moderator"),
    Role.REVIEWER: _l("Reviewer"),
    Role.COUNCIL_SECRETARY: _l("Council secretary"),
    Role.POLLING_OFFICER: _l("Polling officer"),
    Role.ADMIN: _l("Administrator"),
}
STAFF_ROLES = [r for r in Role if r is not Role.RESIDENT]


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(8), default="fr")
    email_confirmed_at: Mapped[dt.datetime | None] = mapped_column()
    blocked_at: Mapped[dt.datetime | None] = mapped_column()
    blocked_reason: Mapped[str] = mapped_column(sa.Text, default="")
    failed_logins: Mapped[int] = mapped_column(default=0)
    lock_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    # Part of the login cookie: raising it logs the person out everywhere (password change).
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleAssignment.user_id",
        lazy="selectin",
    )

    # Flask-Login protocol
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.blocked_at is None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleAssignment(Base):
    """A staff role, global (no edition, no district), for one edition, or for one district."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    edition_id: Mapped[int | None] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    edition: Mapped["Edition | None"] = relationship(lazy="joined")  # noqa: F821
    district: Mapped["District | None"] = relationship(lazy="joined")  # noqa: F821

    __table_args__ = (sa.UniqueConstraint("user_id", "role", "edition_id", "district_id"),)

    def covers(self, edition_id: int | None, district_id: int | None) -> bool:
        """True if this assignment applies to an object in (edition, district). A global
        assignment covers everything; an edition one covers its districts; a district one
        covers that district only."""
        if self.district_id is not None:
            return district_id is not None and self.district_id == district_id
        if self.edition_id is not None:
            return edition_id is not None and self.edition_id == edition_id
        return True

    @property
    def scope_label(self) -> str:
        if self.district is not None:
            return f"{self.district.edition.name} · {self.district.name}"
        if self.edition is not None:
            return self.edition.name
        return str(_l("All editions"))
