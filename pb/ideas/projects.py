"""The public list of an edition's projects. It must stay fast with hundreds of projects in a
district: one query for the page (district eager-loaded), one COUNT, and grouped queries for
what each row shows (comments, ideas, council opinions), whatever the number of projects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from flask_babel import lazy_gettext as _l

from pb.editions.models import Edition
from pb.ideas.models import THEMES, Comment, Idea, IdeaStatus
from pb.ideas.text import clean
from pb.projects.models import Project, ProjectStatus

# Projects shown to the public: every status but those withdrawn from the competition.
PUBLIC_PROJECT_STATUSES = tuple(s for s in ProjectStatus if s is not ProjectStatus.WITHDRAWN)
SORTS = {"number": _l("Number"), "cost": _l("Cost"), "title": _l("Title")}


def list_projects(session: Session, edition: Edition, *, district_id: int | None = None, theme: str = "",
                  status: str = "", q: str = "", sort: str = "number") -> sa.Select[Any]:
    stmt = (sa.select(Project).where(Project.edition_id == edition.id)
            .options(joinedload(Project.district)))
    if status in {s.value for s in ProjectStatus}:
        stmt = stmt.where(Project.status == status)
    else:
        stmt = stmt.where(Project.status.in_(PUBLIC_PROJECT_STATUSES))
    if district_id:
        stmt = stmt.where(Project.district_id == district_id)
    if theme in THEMES:
        stmt = stmt.where(Project.theme == theme)
    for word in clean(q, multiline=False).lower()[:100].split()[:5]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Project.title).like(pattern), sa.func.lower(Project.summary).like(pattern)))
    if sort == "cost":
        return stmt.order_by(Project.cost_cents.desc(), Project.number)
    if sort == "title":
        return stmt.order_by(Project.title, Project.number)
    return stmt.order_by(Project.number)


@dataclass
class ProjectExtras:
    comments: int = 0
    ideas: int = 0


def project_extras(session: Session, project_ids: Iterable[int]) -> dict[int, ProjectExtras]:
    """Per project of a page: visible comments and ideas it came from (council opinions are the
    councils' part of the page). Two grouped queries, whatever the number of projects."""
    ids = list(project_ids)
    extras = {pid: ProjectExtras() for pid in ids}
    if not ids:
        return extras
    for pid, n in session.execute(sa.select(Comment.project_id, sa.func.count()).where(
            Comment.project_id.in_(ids), Comment.hidden_at.is_(None)).group_by(Comment.project_id)):
        extras[pid].comments = n
    for pid, n in session.execute(sa.select(Idea.project_id, sa.func.count()).where(
            Idea.project_id.in_(ids), Idea.status.in_((IdeaStatus.FEASIBLE, IdeaStatus.MERGED)))
            .group_by(Idea.project_id)):
        extras[pid].ideas = n
    return extras

