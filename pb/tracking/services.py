"""Implementation tracking: dated public updates on the winning projects.

A winner goes in study, then in works, then is delivered; it may be abandoned on the way (with a
public reason). Each update records progress (percent) and, when known, the money spent so far.
The project's status follows its latest update."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from pb import audit
from pb.authz import require
from pb.editions.models import Edition, Phase
from pb.errors import PbError, ValidationFailed
from pb.projects.models import Project, ProjectStatus
from pb.projects.services import set_status
from pb.tracking.models import ImplementationUpdate

S = ProjectStatus
# Where a project may go from each status (staying put records a progress note).
TRANSITIONS: dict[ProjectStatus, set[ProjectStatus]] = {
    S.WINNER: {S.WINNER, S.IN_STUDY, S.IN_WORKS, S.DELIVERED, S.ABANDONED},
    S.IN_STUDY: {S.IN_STUDY, S.IN_WORKS, S.DELIVERED, S.ABANDONED},
    S.IN_WORKS: {S.IN_WORKS, S.DELIVERED, S.ABANDONED},
    S.DELIVERED: set(),
    S.ABANDONED: set(),
}
TRACKED = tuple(TRANSITIONS)


class NotTracked(PbError):
    code = "not_tracked"
    status = 409
    message = _l("Only winning projects are tracked, once the results are out.")


class InvalidImplementationStep(PbError):
    code = "invalid_implementation_step"
    status = 409
    message = _l("A project “%(current)s” cannot become “%(target)s”.")


def record_update(session: Session, actor: Any, project: Project, *, status: ProjectStatus | str, progress: int,
                  note: str, happened_on: dt.date, spent_cents: int | None = None) -> ImplementationUpdate:
    require(actor, "tracking.update", project)
    status = ProjectStatus(status)
    edition: Edition = project.edition
    if project.status not in TRANSITIONS or edition.phase.rank < Phase.RESULTS.rank:
        raise NotTracked()
    if status not in TRANSITIONS[project.status]:
        raise InvalidImplementationStep(current=project.status.label, target=status.label)
    if not 0 <= progress <= 100:
        raise ValidationFailed(_l("Progress is a percentage between 0 and 100."), field="progress")
    if status is S.DELIVERED:
        progress = 100
    if status is S.ABANDONED and not note.strip():
        raise ValidationFailed(_l("Say publicly why the project is abandoned."), field="note")
    if spent_cents is not None and spent_cents < 0:
        raise ValidationFailed(_l("The amount spent cannot be negative."), field="spent_cents")
    if happened_on > dt.date.today() + dt.timedelta(days=1):
        raise ValidationFailed(_l("An update cannot be dated in the future."), field="happened_on")
    update = ImplementationUpdate(project_id=project.id, status=status, progress=progress, spent_cents=spent_cents,
                                  note=note.strip(), happened_on=happened_on, author_id=getattr(actor, "id", None))
    session.add(update)
    before = {"status": project.status}
    set_status(session, actor, project, status, note.strip() if status is S.ABANDONED else project.status_reason)
    session.flush()
    audit.record(session, actor, "tracking.update", project, before=before,
                 after={"status": status, "progress": progress, "spent_cents": spent_cents,
                        "happened_on": happened_on})
    return update


@dataclass(frozen=True)
class Tracked:
    """A winning project with its latest update and its key dates."""

    project: Project
    latest: ImplementationUpdate | None
    started_on: dt.date | None  # first day in study or in works
    delivered_on: dt.date | None

    @property
    def progress(self) -> int:
        return self.latest.progress if self.latest else 0


def implementation_dates(session: Session, project_ids: list[int]) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """project id -> (started on, delivered on), in one query (open-data exports read it)."""
    if not project_ids:
        return {}
    U = ImplementationUpdate
    rows = session.execute(
        sa.select(
            U.project_id,
            sa.func.min(sa.case((U.status.in_([S.IN_STUDY, S.IN_WORKS]), U.happened_on))),
            sa.func.max(sa.case((U.status == S.DELIVERED, U.happened_on))),
        ).where(U.project_id.in_(project_ids)).group_by(U.project_id)
    )
    return {pid: (started, delivered) for pid, started, delivered in rows}


def overview(session: Session, edition: Edition, district_id: int | None = None) -> list[Tracked]:
    """Every tracked project of the edition with its latest update: three queries in all."""
    stmt = (sa.select(Project).where(Project.edition_id == edition.id, Project.status.in_(TRACKED))
            .options(joinedload(Project.district)).order_by(Project.district_id, Project.number))
    if district_id is not None:
        stmt = stmt.where(Project.district_id == district_id)
    projects = list(session.scalars(stmt))
    ids = [p.id for p in projects]
    latest: dict[int, ImplementationUpdate] = {}
    if ids:
        U = ImplementationUpdate
        newest = (sa.select(sa.func.max(U.id)).where(U.project_id.in_(ids)).group_by(U.project_id)).scalar_subquery()
        for update in session.scalars(sa.select(U).where(U.id.in_(newest))):
            latest[update.project_id] = update
    dates = implementation_dates(session, ids)
    return [Tracked(p, latest.get(p.id), *dates.get(p.id, (None, None))) for p in projects]


def history(session: Session, project: Project) -> list[ImplementationUpdate]:
    U = ImplementationUpdate
    return list(session.scalars(
        sa.select(U).where(U.project_id == project.id).options(joinedload(U.author))
        .order_by(U.happened_on.desc(), U.id.desc())))


@dataclass(frozen=True)
class DeliveryStats:
    winners: int
    in_study: int
    in_works: int
    delivered: int
    abandoned: int
    budget_cents: int  # cost of the winners as voted
    spent_cents: int  # latest known spend, summed

    @property
    def delivery_rate(self) -> float | None:
        return self.delivered / self.winners if self.winners else None


def delivery_stats(session: Session, edition: Edition) -> DeliveryStats:
    rows = overview(session, edition)
    count = {status: sum(1 for r in rows if r.project.status == status) for status in TRACKED}
    return DeliveryStats(
        winners=len(rows), in_study=count[S.IN_STUDY], in_works=count[S.IN_WORKS], delivered=count[S.DELIVERED],
        abandoned=count[S.ABANDONED], budget_cents=sum(r.project.cost_cents for r in rows),
        spent_cents=sum(r.latest.spent_cents or 0 for r in rows if r.latest),
    )


def tracked_project(session: Session, edition: Edition, number: int) -> Project:
    project = session.scalar(sa.select(Project).where(Project.edition_id == edition.id, Project.number == number,
                                                      Project.status.in_(TRACKED)))
    if project is None:
        from pb.errors import NotFoundError

        raise NotFoundError()
    return project
