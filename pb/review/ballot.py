"""Building the ballot: feasible projects (and merged ones) go on their district's ballot with
their final cost, unless the edition requires a public meeting and none of the project's holders
attended one: then the project is held back, and its page says why.

Staff build the ballot (and rebuild it as often as needed) before the vote opens; when the vote
opens a phase hook builds it one last time, and from then on it is frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.councils.services import attended_project_ids
from pb.authz import SYSTEM, require
from pb.editions.models import District, Edition, Phase
from pb.editions.services import phase_hook
from pb.ideas.models import Idea, IdeaStatus
from pb.ideas.services import BallotFrozen
from pb.ideas.text import stored
from pb.projects.models import Project, ProjectStatus
from pb.projects.services import set_status
from pb.review.services import CANDIDATE

HELD_BACK_REASON = _l("None of the project's holders attended a public meeting, which this edition requires "
                      "before a project goes to the vote.")


def _with_holders(session: Session, edition_id: int) -> set[int]:
    """Projects born from ideas (imported projects have no holder, so no meeting to attend)."""
    return set(session.scalars(sa.select(Idea.project_id).distinct().where(
        Idea.edition_id == edition_id, Idea.project_id.is_not(None),
        Idea.status.in_((IdeaStatus.FEASIBLE, IdeaStatus.MERGED)))))


def _apply(session: Session, actor: Any, edition: Edition) -> dict[int, tuple[str, str]]:
    """Place every candidate project; returns {project id: (old status, new status)} for those
    that changed."""
    projects = session.scalars(sa.select(Project).where(Project.edition_id == edition.id,
                                                        Project.status.in_(CANDIDATE))).all()
    held: set[int] = set()
    if edition.public_meeting_required:
        held = _with_holders(session, edition.id) - attended_project_ids(session, edition.id)
    reason = stored(HELD_BACK_REASON)
    changes: dict[int, tuple[str, str]] = {}
    for project in projects:
        new = ProjectStatus.HELD_BACK if project.id in held else ProjectStatus.ON_BALLOT
        new_reason = reason if new is ProjectStatus.HELD_BACK else ""
        if project.status != new:
            changes[project.id] = (project.status.value, new.value)
        set_status(session, actor, project, new, new_reason)  # holders are told by the ideas domain's hook
    session.flush()
    return changes


def build_ballot(session: Session, actor: Any, edition: Edition) -> dict[int, tuple[str, str]]:
    require(actor, "ballot.build", edition)
    if edition.is_frozen:
        raise BallotFrozen()
    changes = _apply(session, actor, edition)
    audit.record(session, actor, "ballot.build", edition, before={str(k): v[0] for k, v in changes.items()},
                 after={str(k): v[1] for k, v in changes.items()})
    return changes


@phase_hook
def freeze_ballot(session: Session, edition: Edition, old: Phase, new: Phase) -> None:
    """When the vote opens: build the ballot one last time (attendance re-checked); it is then
    frozen, since services refuse changes once `edition.is_frozen`."""
    if old.rank < Phase.VOTE.rank <= new.rank and not edition.is_frozen:
        changes = _apply(session, SYSTEM, edition)  # the phase change was checked by set_phase
        audit.record(session, SYSTEM, "ballot.freeze", edition, before={str(k): v[0] for k, v in changes.items()},
                     after={str(k): v[1] for k, v in changes.items()})


@dataclass
class DistrictBallot:
    district: District
    on_ballot: list[Project] = field(default_factory=list)
    held_back: list[Project] = field(default_factory=list)
    feasible: list[Project] = field(default_factory=list)  # not placed yet

    @property
    def cost_cents(self) -> int:
        return sum(p.cost_cents for p in self.on_ballot)

    @property
    def over_envelope(self) -> list[Project]:
        return [p for p in self.on_ballot if p.cost_cents > self.district.envelope_cents]


def overview(session: Session, edition: Edition) -> list[DistrictBallot]:
    """The ballot as it stands, district by district (one query)."""
    rows = {d.id: DistrictBallot(d) for d in edition.districts}
    projects = session.scalars(sa.select(Project).where(
        Project.edition_id == edition.id,
        Project.status.in_(CANDIDATE + (ProjectStatus.WINNER, ProjectStatus.NOT_SELECTED)))
        .order_by(Project.number))
    for p in projects:
        row = rows.get(p.district_id)
        if row is None:
            continue
        if p.status is ProjectStatus.HELD_BACK:
            row.held_back.append(p)
        elif p.status is ProjectStatus.FEASIBLE:
            row.feasible.append(p)
        else:
            row.on_ballot.append(p)
    return list(rows.values())
