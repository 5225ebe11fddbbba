"""Projects: creation (by the technical review or an import) and the ballot's project lists."""

from __future__ import annotations

from typing import Any, Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb.authz import require
from pb.editions.models import District, Edition
from pb.errors import ValidationFailed
from pb.projects.models import BALLOT_STATUSES, Project, ProjectStatus


# Other domains react to a project's status change (the ideas domain e-mails the holders).
# Each hook: fn(session, project, old_status, new_status).
StatusHook = Callable[[Session, Project, ProjectStatus, ProjectStatus], None]
STATUS_HOOKS: list[StatusHook] = []


def status_hook(fn: StatusHook) -> StatusHook:
    STATUS_HOOKS.append(fn)
    return fn


def set_status(session: Session, actor: Any, project: Project, status: ProjectStatus, reason: str = "") -> None:
    """The one way to change a project's status: the hooks hear of every change."""
    require(actor, "project.status", project)
    old = project.status
    project.status = status
    project.status_reason = reason
    if old != status:
        for hook in STATUS_HOOKS:
            hook(session, project, old, status)


def next_number(session: Session, edition_id: int) -> int:
    current = session.scalar(sa.select(sa.func.max(Project.number)).where(Project.edition_id == edition_id))
    return (current or 0) + 1


def create_project(session: Session, actor: Any, edition: Edition, district: District, *, title: str, cost_cents: int,
                   summary: str = "", description: str = "", theme: str = "", address: str = "",
                   latitude: float | None = None, longitude: float | None = None,
                   status: ProjectStatus = ProjectStatus.FEASIBLE, number: int | None = None,
                   external_ref: str = "") -> Project:
    """A new project (the review, an import): the city services or administrators of its district."""
    require(actor, "project.create", district)
    if district.edition_id != edition.id:
        raise ValidationFailed(_l("This district belongs to another edition."), field="district_id")
    if cost_cents < 0:
        raise ValidationFailed(_l("The cost cannot be negative."), field="cost")
    if not title.strip():
        raise ValidationFailed(_l("A project needs a title."), field="title")
    project = Project(edition_id=edition.id, district_id=district.id, title=title.strip()[:200], summary=summary,
                      description=description, theme=theme, address=address, latitude=latitude,
                      longitude=longitude, cost_cents=cost_cents, status=status, external_ref=external_ref,
                      number=number or next_number(session, edition.id))
    session.add(project)
    session.flush()
    return project


def ballot_projects(session: Session, edition_id: int, district_id: int | None = None) -> list[Project]:
    """The projects on the ballot (or that were, once counted), by district then number."""
    stmt = sa.select(Project).where(Project.edition_id == edition_id, Project.status.in_(BALLOT_STATUSES))
    if district_id is not None:
        stmt = stmt.where(Project.district_id == district_id)
    return list(session.scalars(stmt.order_by(Project.district_id, Project.number)))


def project_costs(session: Session, edition_id: int) -> dict[int, tuple[int, int]]:
    """project id -> (district id, cost in cents) for the ballot: what vote validation reads."""
    rows = session.execute(
        sa.select(Project.id, Project.district_id, Project.cost_cents)
        .where(Project.edition_id == edition_id, Project.status.in_(BALLOT_STATUSES))
    )
    return {pid: (did, cost) for pid, did, cost in rows}
