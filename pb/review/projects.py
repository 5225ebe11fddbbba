"""Projects made by the review: merging ideas into one project, adjusting a project before the
vote. Once the vote has opened the ballot is frozen: both refuse with `BallotFrozen`."""

from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from pb import audit
from pb.authz import require
from pb.editions.models import District, Edition
from pb.errors import PbError, ValidationFailed
from pb.ideas import rules
from pb.ideas.models import Idea, IdeaStatus
from pb.ideas.services import BallotFrozen, change_status
from pb.ideas.text import clean, stored
from pb.projects.models import Project, ProjectStatus
from pb.projects.services import create_project, set_status
from pb.review.services import CANDIDATE, _summary


class InvalidMerge(PbError):
    code = "invalid_merge"
    status = 422
    message = _l("These ideas cannot be merged: %(why)s")


MERGEABLE = (IdeaStatus.SUBMITTED, IdeaStatus.ADMISSIBLE, IdeaStatus.FEASIBLE)


def merge_ideas(session: Session, actor: Any, edition: Edition, idea_ids: Iterable[int], *,
                project_id: int | None = None, title: str = "", district_id: int | None = None,
                cost_cents: int | None = None, summary: str = "", reason: str = "") -> Project:
    """Merge ideas into one project: an existing project (born from a feasible idea), or a new
    one with its title, district and cost. The merged ideas point to the project; their holders
    are told; a project left without ideas is withdrawn."""
    require(actor, "review.manage", edition)
    if edition.is_frozen:
        raise BallotFrozen()
    ideas = list(session.scalars(sa.select(Idea).where(Idea.id.in_(list(idea_ids)), Idea.edition_id == edition.id)
                                 .options(selectinload(Idea.authors)).order_by(Idea.id)))
    refused = [i for i in ideas if i.status not in MERGEABLE]
    if refused:
        raise InvalidMerge(why=_("idea no. %(id)s is “%(status)s”.", id=refused[0].id, status=refused[0].status.label))
    if project_id is not None:
        project = session.get(Project, project_id)
        if project is None or project.edition_id != edition.id or project.status not in CANDIDATE:
            raise ValidationFailed(_l("Choose a project of this edition that is still a candidate."), field="project_id")
        if not ideas:
            raise InvalidMerge(why=_("tick at least one idea."))
    else:
        if len(ideas) < 2:
            raise InvalidMerge(why=_("tick at least two ideas, or choose the project to merge them into."))
        if cost_cents is None or cost_cents < 0:
            raise ValidationFailed(_l("Give the project's cost, as estimated by the services."), field="cost_cents")
        district = session.get(District, district_id) if district_id else None
        if district is None or district.edition_id != edition.id:
            raise ValidationFailed(_l("Choose the project's district."), field="district_id")
        title = clean(title, multiline=False)
        if len(title) < 5:
            raise ValidationFailed(_l("Give the merged project a title."), field="title")
        description = "\n\n".join(f"{i.title}\n{i.description}" for i in ideas)
        project = create_project(session, actor, edition, district, title=title, cost_cents=cost_cents,
                                 summary=clean(summary) or _summary(ideas[0].description), description=description,
                                 theme=ideas[0].theme, address=ideas[0].address)
        audit.record(session, actor, "project.create", project,
                     after={"number": project.number, "title": project.title, "cost_cents": cost_cents,
                            "merged_ideas": [i.id for i in ideas]})
    public = stored(_l("Merged into project no. %(number)s “%(title)s”.", number=project.reference, title=project.title))
    if clean(reason):
        public += "\n" + clean(reason)
    emptied: list[Project] = []
    for idea in ideas:
        if idea.status is IdeaStatus.FEASIBLE and idea.project_id == project.id:
            continue  # the idea the project was born from
        old = idea.project if idea.status is IdeaStatus.FEASIBLE else None
        idea.project_id, idea.project = project.id, project
        change_status(session, actor, idea, IdeaStatus.MERGED, by=rules.REVIEW, reason=public)
        if old is not None:
            emptied.append(old)
    session.flush()
    for old in emptied:
        remaining = session.scalar(sa.select(sa.func.count()).select_from(Idea).where(Idea.project_id == old.id))
        if not remaining:
            set_status(session, actor, old, ProjectStatus.WITHDRAWN,
                       stored(_l("Merged into project no. %(number)s.", number=project.reference)))
    audit.record(session, actor, "review.merge", project, after={"ideas": [i.id for i in ideas],
                                                                 "withdrawn_projects": [p.id for p in emptied]})
    return project


def update_project(session: Session, actor: Any, project: Project, *, title: str, summary: str, cost_cents: int,
                   district_id: int) -> Project:
    """Staff adjust a project before the vote (final cost, title...). Frozen once the vote opened."""
    require(actor, "project.edit", project)
    edition = project.edition
    if edition.is_frozen:
        raise BallotFrozen()
    title = clean(title, multiline=False)
    if len(title) < 5:
        raise ValidationFailed(_l("Give a title of 5 to 200 characters."), field="title")
    if cost_cents < 0:
        raise ValidationFailed(_l("The cost cannot be negative."), field="cost_cents")
    district = session.get(District, district_id)
    if district is None or district.edition_id != edition.id:
        raise ValidationFailed(_l("Choose a district of this edition."), field="district_id")
    fields = ("title", "summary", "cost_cents", "district_id")
    before = audit.snapshot(project, fields)
    project.title, project.summary, project.cost_cents, project.district_id = title[:200], clean(summary), cost_cents, district.id
    project.district = district
    session.flush()
    old, new = audit.changes(before, audit.snapshot(project, fields))
    audit.record(session, actor, "project.update", project, before=old, after=new)
    return project




def candidate_projects(session: Session, edition: Edition) -> list[Project]:
    """Projects still candidates for the ballot (what ideas can be merged into)."""
    return list(session.scalars(sa.select(Project).where(Project.edition_id == edition.id,
                                                         Project.status.in_(CANDIDATE)).order_by(Project.number)))
