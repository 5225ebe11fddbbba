from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import Base, enum_type, utcnow


class Conformity(enum.StrEnum):
    """The RGAA conformity status, stated in the footer link and the accessibility statement."""

    NONE = "none"  # no audit yet, or under 50 % of the criteria met
    PARTIAL = "partial"
    FULL = "full"

    @property
    def label(self) -> str:
        return str(CONFORMITY_LABELS[self])


CONFORMITY_LABELS = {
    Conformity.NONE: _l("not compliant"),
    Conformity.PARTIAL: _l("partially compliant"),
    Conformity.FULL: _l("fully compliant"),
}


class SitePage(Base):
    """A text staff wrote for one of the site's pages (`pb.site.pages.PAGES`); without a row the
    page shows its default text. `body` is HTML sanitised when it was saved."""

    __tablename__ = "site_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class SiteSettings(Base):
    """One row: how residents reach the team (used by the default texts, the footer and the
    e-mails), and the territory's own look: its logo and its colour. pb never uses the State's
    design system (Marianne, DSFR), which is reserved to the State's services."""

    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    postal_address: Mapped[str] = mapped_column(sa.Text, default="")
    dpo_email: Mapped[str] = mapped_column(sa.String(254), default="")
    conformity: Mapped[Conformity] = mapped_column(enum_type(Conformity, "conformity"), default=Conformity.NONE)
    audit_date: Mapped[dt.date | None] = mapped_column()  # of the last RGAA audit, if any
    audit_rate: Mapped[int | None] = mapped_column()  # percentage of RGAA criteria met
    accent_color: Mapped[str] = mapped_column(sa.String(7), default="")
    logo_name: Mapped[str] = mapped_column(sa.String(64), default="")  # a random name under upload_folder
    logo_type: Mapped[str] = mapped_column(sa.String(32), default="")
    logo_alt: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
