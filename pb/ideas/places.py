"""The places of an edition's ideas and projects, for the map and its list (the list is the
accessible alternative to the map: the same places, as text)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from pb.editions.models import Edition
from pb.ideas import rules
from pb.ideas.models import Idea
from pb.ideas.projects import PUBLIC_PROJECT_STATUSES
from pb.projects.models import Project


@dataclass(frozen=True)
class Place:
    kind: str  # "idea" or "project"
    ref: int  # the idea's id or the project's number
    title: str
    district: str
    status: str
    address: str
    latitude: float
    longitude: float


def places(session: Session, edition: Edition) -> list[Place]:
    """Public ideas (not drafts, not hidden) and public projects that have coordinates: projects
    first, then ideas, each by number."""
    projects = session.scalars(
        sa.select(Project).where(Project.edition_id == edition.id, Project.status.in_(PUBLIC_PROJECT_STATUSES),
                                 Project.latitude.is_not(None), Project.longitude.is_not(None))
        .options(joinedload(Project.district)).order_by(Project.number)).all()
    ideas = session.scalars(
        sa.select(Idea).where(Idea.edition_id == edition.id, Idea.status.in_(rules.PUBLIC), Idea.hidden_at.is_(None),
                              Idea.latitude.is_not(None), Idea.longitude.is_not(None))
        .options(joinedload(Idea.district)).order_by(Idea.id)).all()
    return ([Place("project", p.number, p.title, p.district.name, p.status.label, p.address, p.latitude, p.longitude)
             for p in projects]
            + [Place("idea", i.id, i.title, i.district.name, i.status.label, i.address, i.latitude, i.longitude)
               for i in ideas])
