"""Review progress, per district and per reviewer: grouped queries, never one per idea."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.accounts.models import User
from pb.authz import can, require
from pb.editions.models import Edition
from pb.ideas.models import Idea, IdeaStatus
from pb.review.models import Assignment, ReviewTeam
from pb.review.services import UNDER_REVIEW, team_ids_of

DECIDED = (IdeaStatus.NOT_ADMISSIBLE, IdeaStatus.INFEASIBLE, IdeaStatus.FEASIBLE, IdeaStatus.MERGED)


@dataclass
class Progress:
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(n for s, n in self.counts.items() if s not in ("draft", "withdrawn"))

    @property
    def open(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in UNDER_REVIEW)

    @property
    def decided(self) -> int:
        return sum(self.counts.get(s.value, 0) for s in DECIDED)

    @property
    def percent(self) -> int:
        return int(self.decided * 100 / self.total) if self.total else 0


def progress(session: Session, actor: Any, edition: Edition) -> dict[str, Any]:
    """By district and by reviewer (or city service); a reviewer sees only their own line."""
    require(actor, "review.view", edition)
    manager = can(actor, "review.manage", edition)
    base = sa.select(Idea.district_id, Idea.status, sa.func.count()).where(
        Idea.edition_id == edition.id, Idea.status != IdeaStatus.DRAFT)
    if not manager:
        teams = team_ids_of(session, actor)
        base = base.join(Assignment, Assignment.idea_id == Idea.id).where(
            sa.or_(Assignment.reviewer_id == actor.id, Assignment.team_id.in_(teams or [0])))
    by_district = {d.id: Progress(d.name) for d in edition.districts}
    for district_id, status, n in session.execute(base.group_by(Idea.district_id, Idea.status)):
        if district_id in by_district:
            by_district[district_id].counts[str(status)] = n
    by_reviewer: dict[tuple[str, int], Progress] = {}
    unassigned = 0
    if manager:
        rows = session.execute(
            sa.select(Assignment.reviewer_id, Assignment.team_id, Idea.status, sa.func.count())
            .join(Idea, Idea.id == Assignment.idea_id).where(Idea.edition_id == edition.id)
            .group_by(Assignment.reviewer_id, Assignment.team_id, Idea.status))
        names = dict(session.execute(sa.select(User.id, User.display_name)).all())
        teams_by_id = dict(session.execute(sa.select(ReviewTeam.id, ReviewTeam.name)).all())
        for reviewer_id, team_id, status, n in rows:
            key = ("user", reviewer_id) if reviewer_id is not None else ("team", team_id)
            label = names.get(reviewer_id, "?") if reviewer_id is not None else teams_by_id.get(team_id, "?")
            if reviewer_id is not None and team_id is not None:
                label = f"{label} ({teams_by_id.get(team_id, '?')})"
            entry = by_reviewer.setdefault(key, Progress(label))
            entry.counts[str(status)] = entry.counts.get(str(status), 0) + n
        unassigned = session.scalar(
            sa.select(sa.func.count()).select_from(Idea).outerjoin(Assignment, Assignment.idea_id == Idea.id)
            .where(Idea.edition_id == edition.id, Idea.status.in_(UNDER_REVIEW), Assignment.id.is_(None))) or 0
    total = Progress("")
    for entry in by_district.values():
        for status, n in entry.counts.items():
            total.counts[status] = total.counts.get(status, 0) + n
    return {"districts": list(by_district.values()), "reviewers": sorted(by_reviewer.values(), key=lambda p: p.label),
            "unassigned": unassigned, "total": total, "manager": manager}
