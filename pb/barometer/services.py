"""The barometer's staff actions: the questionnaire, the open-data identity, publishing datasets."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.barometer.export import profile, questionnaire
from pb.barometer.models import CostBand, Dataset, OpenDataProfile, PublishedDataset, Questionnaire, TerritoryKind
from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.errors import PbError, ValidationFailed

MAX_ITEMS = 20


class DatasetNotReady(PbError):
    code = "dataset_not_ready"
    status = 409
    message = _l("This dataset cannot be published yet: %(reason)s")


def _lines(values: list[str] | str) -> list[str]:
    items = values.splitlines() if isinstance(values, str) else values
    cleaned = [v.strip() for v in items if v and v.strip()]
    if len(cleaned) > MAX_ITEMS:
        raise ValidationFailed(_l("At most %(n)s lines, please."), n=MAX_ITEMS)
    return cleaned


def save_questionnaire(session: Session, actor: Any, edition: Edition, *, managing_service: str, cost_band: str | None,
                       objectives: list[str] | str, evaluation: str,
                       low_participation_reasons: list[str] | str) -> Questionnaire:
    require(actor, "barometer.manage", edition)
    band = CostBand(cost_band) if cost_band else None
    values = {"managing_service": managing_service.strip(), "cost_band": band, "objectives": _lines(objectives),
              "evaluation": evaluation.strip(), "low_participation_reasons": _lines(low_participation_reasons)}
    q = questionnaire(session, edition)
    before = None
    if q is None:
        q = Questionnaire(edition_id=edition.id)
        session.add(q)
    else:
        before = {k: getattr(q, k) for k in values}
    for key, value in values.items():
        setattr(q, key, value)
    q.updated_at = utcnow()
    q.updated_by_id = getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor, "barometer.questionnaire", edition, before=before, after=values)
    return q


SIRET = re.compile(r"^\d{14}$")


def save_profile(session: Session, actor: Any, *, kind: str, siret: str, licence: str, licence_url: str) -> OpenDataProfile:
    require(actor, "territory.manage")
    siret = re.sub(r"\s", "", siret or "")
    if siret and not SIRET.match(siret):
        raise ValidationFailed(_l("A SIRET number has 14 digits."), field="siret")
    if not licence.strip():
        raise ValidationFailed(_l("Name the licence of the datasets."), field="licence")
    row = profile(session)
    values = {"kind": TerritoryKind(kind), "siret": siret, "licence": licence.strip(), "licence_url": licence_url.strip()}
    before = {k: getattr(row, k) for k in values}
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "barometer.profile", row, before=before, after=values)
    return row


def readiness(session: Session, edition: Edition, dataset: Dataset) -> str | None:
    """Why a dataset cannot be published yet (None: it can)."""
    from pb.results.services import published_run

    if dataset in (Dataset.BALLOTS, Dataset.RESULTS) and published_run(session, edition) is None:
        return str(_l("the results are not published"))
    if dataset in (Dataset.IMPLEMENTATION, Dataset.BUDGET) and edition.phase.rank < Phase.RESULTS.rank:
        return str(_l("the winning projects are not known before the vote is counted"))
    if dataset is Dataset.BUDGET and not profile(session).siret:
        return str(_l("the territory's SIRET number is not set (open-data settings)"))
    if dataset is Dataset.PROJECTS and edition.phase.rank < Phase.VOTE.rank:
        return str(_l("the projects are known once the review is over"))
    return None


def published(session: Session, edition: Edition) -> dict[Dataset, PublishedDataset]:
    rows = session.scalars(sa.select(PublishedDataset).where(PublishedDataset.edition_id == edition.id))
    return {Dataset(r.dataset): r for r in rows}


def publish_dataset(session: Session, actor: Any, edition: Edition, dataset: Dataset | str) -> PublishedDataset:
    require(actor, "barometer.manage", edition)
    dataset = Dataset(dataset)
    reason = readiness(session, edition, dataset)
    if reason:
        raise DatasetNotReady(reason=reason)
    row = published(session, edition).get(dataset)
    if row is None:
        row = PublishedDataset(edition_id=edition.id, dataset=dataset, published_by_id=getattr(actor, "id", None))
        session.add(row)
    else:  # published again: the page shows the new date
        row.published_at = utcnow()
    session.flush()
    audit.record(session, actor, "barometer.publish", edition, dataset=dataset.value)
    return row


def unpublish_dataset(session: Session, actor: Any, edition: Edition, dataset: Dataset | str) -> None:
    require(actor, "barometer.manage", edition)
    dataset = Dataset(dataset)
    row = published(session, edition).get(dataset)
    if row is not None:
        session.delete(row)
        session.flush()
        audit.record(session, actor, "barometer.unpublish", edition, dataset=dataset.value)
