"""What the barometer stores: the territory's open-data identity (kind, SIRET, licence), the
questionnaire staff fill in per edition, and which datasets of an edition are published (B8)."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from pb.db import Base, enum_type, utcnow


class TerritoryKind(enum.StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    TerritoryKind.COMMUNE: _l("Municipality"),
    TerritoryKind.EPCI: _l("Intercommunality (EPCI)"),
    TerritoryKind.DEPARTEMENT: _l("Department"),
    TerritoryKind.REGION: _l("Region"),
    TerritoryKind.OTHER: _l("Other"),
}

DEFAULT_LICENCE = "Licence Ouverte 2.0"
DEFAULT_LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


class OpenDataProfile(Base):
    """The territory as open data names it (one row): its kind, its SIRET (`coll_siret`,
    `BGT_SIRET`), and the licence of its datasets."""

    __tablename__ = "opendata_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TerritoryKind] = mapped_column(enum_type(TerritoryKind, "territory_kind"), default=TerritoryKind.COMMUNE)
    siret: Mapped[str] = mapped_column(sa.String(14), default="")
    licence: Mapped[str] = mapped_column(sa.String(120), default=DEFAULT_LICENCE)
    licence_url: Mapped[str] = mapped_column(sa.String(255), default=DEFAULT_LICENCE_URL)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint("siret = '' OR length(siret) = 14", name="siret_length"),)


class CostBand(enum.StrEnum):
    UNDER_1K = "<1k"
    FROM_1K = "1k-5k"
    FROM_5K = "5k-20k"
    OVER_20K = ">20k"

    @property
    def label(self) -> str:
        return str(COST_BAND_LABELS[self])


COST_BAND_LABELS = {
    CostBand.UNDER_1K: _l("Less than 1,000 €"),
    CostBand.FROM_1K: _l("1,000 € to 5,000 €"),
    CostBand.FROM_5K: _l("5,000 € to 20,000 €"),
    CostBand.OVER_20K: _l("More than 20,000 €"),
}


class Questionnaire(Base):
    """What no record answers, declared by staff for one edition and included in the export."""

    __tablename__ = "barometer_questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), unique=True)
    managing_service: Mapped[str] = mapped_column(sa.String(200), default="")
    cost_band: Mapped[CostBand | None] = mapped_column(enum_type(CostBand, "cost_band"))
    objectives: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    evaluation: Mapped[str] = mapped_column(sa.Text, default="")
    low_participation_reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class Dataset(enum.StrEnum):
    """The open datasets of an edition, as B8 lists them."""

    PROJECTS = "projects"
    BALLOTS = "ballots"
    RESULTS = "results"
    IMPLEMENTATION = "implementation"
    INDICATORS = "indicators"
    BUDGET = "budget"


class PublishedDataset(Base):
    """A dataset of an edition that staff published on its open-data page (B8 reads these)."""

    __tablename__ = "published_dataset"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    dataset: Mapped[Dataset] = mapped_column(enum_type(Dataset, "dataset"))
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (sa.UniqueConstraint("edition_id", "dataset"),)
