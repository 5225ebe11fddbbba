"""The technical review: checklist, city services, assignments, decisions, merges.

A reviewer sees and edits only the ideas assigned to them or to a city service they belong to;
administrators of the edition see everything and assign. The decision walks the idea through
the rules table of `pb.ideas.rules` (so a refused transition is a named error) and, when the
idea is feasible, creates its project with the reviewed cost."""

from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, selectinload

from pb import audit
from pb.accounts.models import Role, RoleAssignment, User
from pb.authz import has_role, require, scope_of
from pb.db import utcnow
from pb.editions.models import District, Edition, Phase
from pb.editions.copying import copy_hook
from pb.editions.services import phase_hook
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.ideas import rules
from pb.ideas.models import Idea, IdeaStatus
from pb.ideas.services import BallotFrozen, change_status
from pb.ideas.text import clean
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project
from pb.review.models import Assignment, ChecklistItem, Decision, Review, ReviewAnswer, ReviewTeam, team_member

__all__ = ["BallotFrozen"]

DEFAULT_CHECKLIST = [
    (_l("General interest"), _l("The idea serves the general interest, not a private one.")),
    (_l("City competence"), _l("It falls within the city's powers.")),
    (_l("Investment spending"), _l("It is an investment (works, equipment), not running costs.")),
    (_l("Public land"), _l("It is located on land or in buildings owned by the city.")),
    (_l("Under the cost cap"), _l("Its estimated cost is within the edition's cap per project.")),
]
# Statuses of an idea still under review (a decision can be saved).
UNDER_REVIEW = (IdeaStatus.SUBMITTED, IdeaStatus.ADMISSIBLE)
# Statuses of a project still a candidate for the ballot.
CANDIDATE = (ProjectStatus.FEASIBLE, ProjectStatus.HELD_BACK, ProjectStatus.ON_BALLOT)


class ChecklistLocked(PbError):
    code = "checklist_locked"
    status = 409
    message = _l("The review has started: the eligibility checklist can no longer change.")


class ChecklistFailed(PbError):
    code = "checklist_failed"
    status = 422
    message = _l("The idea fails the criterion “%(item)s”: it is not admissible.")


class ChecklistIncomplete(PbError):
    code = "checklist_incomplete"
    status = 422
    message = _l("Answer every criterion of the checklist before this decision (“%(item)s” is unanswered).")


class CostRequired(PbError):
    code = "cost_required"
    status = 422
    message = _l("A feasible idea needs the cost estimated by the services.")

    def __init__(self) -> None:
        super().__init__()
        self.field = "reviewed_cost_cents"


class ReviewClosed(PbError):
    code = "review_closed"
    status = 409
    message = _l("This idea is no longer under review: it is “%(status)s”.")


# -- checklist ----------------------------------------------------------------------------------------

def checklist(session: Session, edition: Edition) -> list[ChecklistItem]:
    """The edition's criteria; the default ones are created (in the city's language) the first
    time they are asked for."""
    items = list(session.scalars(sa.select(ChecklistItem).where(ChecklistItem.edition_id == edition.id)
                                 .order_by(ChecklistItem.position, ChecklistItem.id)))
    if items:
        return items
    with force_locale(current_app.config["PB_SETTINGS"].default_locale):
        for position, (label, help_text) in enumerate(DEFAULT_CHECKLIST):
            items.append(ChecklistItem(edition_id=edition.id, position=position, label=str(label), help=str(help_text)))
    session.add_all(items)
    session.flush()
    return items


@phase_hook
def create_checklist(session: Session, edition: Edition, old: Phase, new: Phase) -> None:
    """The default criteria exist from the submission phase on, so that administrators can adapt
    them before the review starts (and two first readers never race to create them)."""
    if new in (Phase.SUBMISSION, Phase.REVIEW):
        checklist(session, edition)


@copy_hook
def copy_checklist(session: Session, actor: Any, source: Edition, edition: Edition, districts: dict[int, int]) -> dict[str, int]:
    """Last year's criteria, as adapted by the city."""
    items = checklist(session, source)
    save_checklist(session, actor, edition, [(i.label, i.help) for i in items])
    return {"checklist": len(items)}


def checklist_locked(session: Session, edition: Edition) -> bool:
    """Criteria change only before the review starts (and before any answer was recorded)."""
    if edition.phase.rank >= Phase.REVIEW.rank:
        return True
    answered = session.scalar(sa.select(sa.func.count()).select_from(ReviewAnswer).join(ChecklistItem)
                              .where(ChecklistItem.edition_id == edition.id))
    return bool(answered)


def save_checklist(session: Session, actor: Any, edition: Edition, items: Iterable[tuple[str, str]]) -> list[ChecklistItem]:
    """Replace the edition's criteria by `items` (label, help), in this order."""
    require(actor, "checklist.manage", edition)
    if checklist_locked(session, edition):
        raise ChecklistLocked()
    cleaned: list[tuple[str, str]] = []
    for label, help_text in items:
        label = clean(label, multiline=False)[:200]
        if label and label.lower() not in {c[0].lower() for c in cleaned}:
            cleaned.append((label, clean(help_text)))
    if not cleaned:
        raise ValidationFailed(_l("Keep at least one criterion."), field="items")
    current = checklist(session, edition)
    before = [i.label for i in current]
    for item in current:
        session.delete(item)
    session.flush()
    new = [ChecklistItem(edition_id=edition.id, position=i, label=label, help=help_text)
           for i, (label, help_text) in enumerate(cleaned)]
    session.add_all(new)
    session.flush()
    audit.record(session, actor, "review.checklist", edition, before={"items": before},
                 after={"items": [label for label, _h in cleaned]})
    return new


# -- city services (review teams) ---------------------------------------------------------------------

def list_teams(session: Session) -> list[ReviewTeam]:
    return list(session.scalars(sa.select(ReviewTeam).options(selectinload(ReviewTeam.members))
                                .order_by(ReviewTeam.name)))


def save_team(session: Session, actor: Any, team: ReviewTeam | None = None, *, name: str,
              member_emails: Iterable[str] = ()) -> ReviewTeam:
    require(actor, "review.teams")
    name = clean(name, multiline=False)[:120]
    if len(name) < 2:
        raise ValidationFailed(_l("Give the service's name."), field="name")
    clash = session.scalar(sa.select(ReviewTeam.id).where(ReviewTeam.name == name,
                                                          ReviewTeam.id != (team.id if team else 0)))
    if clash is not None:
        raise ValidationFailed(_l("Another service has this name."), field="name")
    members = []
    for raw in member_emails:
        email = raw.strip().lower()
        if not email:
            continue
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            raise ValidationFailed(_l("No account uses the address %(email)s."), field="members", email=email)
        if user not in members:
            members.append(user)
    before = {"name": team.name, "members": [u.email for u in team.members]} if team else None
    if team is None:
        team = ReviewTeam(name=name)
        session.add(team)
    team.name = name
    team.members = members
    session.flush()
    audit.record(session, actor, "review.team", team, before=before,
                 after={"name": name, "members": [u.email for u in members]})
    return team


def team_ids_of(session: Session, user: Any) -> list[int]:
    if getattr(user, "id", None) is None:
        return []
    return list(session.scalars(sa.select(team_member.c.team_id).where(team_member.c.user_id == user.id)))


def reviewers(session: Session, edition: Edition) -> list[User]:
    """Accounts holding the reviewer role for this edition (globally, for it, or for one of its
    districts): whom ideas can be assigned to."""
    district_ids = [d.id for d in edition.districts]
    stmt = (sa.select(User).join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == Role.REVIEWER,
                   sa.or_(sa.and_(RoleAssignment.edition_id.is_(None), RoleAssignment.district_id.is_(None)),
                          RoleAssignment.edition_id == edition.id,
                          RoleAssignment.district_id.in_(district_ids or [0])))
            .order_by(User.display_name).distinct())
    return list(session.scalars(stmt))


# -- assignment and scoping -------------------------------------------------------------------------

def is_assigned(session: Session, user: Any, idea_id: int) -> bool:
    assignment = session.scalar(sa.select(Assignment).where(Assignment.idea_id == idea_id))
    if assignment is None or getattr(user, "id", None) is None:
        return False
    if assignment.reviewer_id == user.id:
        return True
    return assignment.team_id is not None and assignment.team_id in team_ids_of(session, user)


def assign(session: Session, actor: Any, edition: Edition, idea_ids: Iterable[int], *, reviewer_id: int | None = None,
           team_id: int | None = None) -> int:
    """Assign ideas (in bulk) to a reviewer, a city service, or both. Returns how many."""
    require(actor, "review.manage", edition)
    if reviewer_id is None and team_id is None:
        raise ValidationFailed(_l("Choose a reviewer or a service."), field="reviewer_id")
    if reviewer_id is not None and reviewer_id not in {u.id for u in reviewers(session, edition)}:
        raise ValidationFailed(_l("This person is not a reviewer of this edition."), field="reviewer_id")
    if team_id is not None and session.get(ReviewTeam, team_id) is None:
        raise ValidationFailed(_l("Unknown service."), field="team_id")
    ideas = session.scalars(sa.select(Idea).where(Idea.id.in_(list(idea_ids)), Idea.edition_id == edition.id,
                                                  Idea.status.in_(UNDER_REVIEW))).all()
    if not ideas:
        raise ValidationFailed(_l("Tick at least one idea still under review."), field="idea_ids")
    reviewer = session.get(User, reviewer_id) if reviewer_id is not None else None
    outside = [i for i in ideas if reviewer is not None and not has_role(reviewer, "reviewer", *scope_of(i))]
    if outside:  # a reviewer of one district reviews that district's ideas only (review.decide)
        raise ValidationFailed(_l("This reviewer does not review the district of idea no. %(n)s."), field="reviewer_id",
                               n=outside[0].id)
    existing = {a.idea_id: a for a in session.scalars(sa.select(Assignment).where(
        Assignment.idea_id.in_([i.id for i in ideas])))}
    for idea in ideas:
        assignment = existing.get(idea.id)
        before = {"reviewer_id": assignment.reviewer_id, "team_id": assignment.team_id} if assignment else None
        if assignment is None:
            assignment = Assignment(idea_id=idea.id)
            session.add(assignment)
        assignment.reviewer_id, assignment.team_id = reviewer_id, team_id
        assignment.assigned_by_id, assignment.assigned_at = getattr(actor, "id", None), utcnow()
        audit.record(session, actor, "review.assign", idea, before=before,
                     after={"reviewer_id": reviewer_id, "team_id": team_id})
    session.flush()
    return len(ideas)


def review_queue(session: Session, actor: Any, edition: Edition, *, status: str = "", district_id: int | None = None,
                 assigned: str = "", reviewer_id: int | None = None) -> sa.Select[Any]:
    """The ideas a person may review: all of them for the edition's administrators; for a
    reviewer, only those assigned to them or to one of their services."""
    require(actor, "review.view", edition)
    stmt = (sa.select(Idea).outerjoin(Assignment, Assignment.idea_id == Idea.id)
            .where(Idea.edition_id == edition.id, Idea.status != IdeaStatus.DRAFT)
            .options(joinedload(Idea.district), selectinload(Idea.authors), joinedload(Idea.project)))
    from pb.authz import can

    if not can(actor, "review.manage", edition):
        teams = team_ids_of(session, actor)
        stmt = stmt.where(sa.or_(Assignment.reviewer_id == actor.id, Assignment.team_id.in_(teams or [0])))
    if status in {s.value for s in IdeaStatus}:
        stmt = stmt.where(Idea.status == status)
    elif status == "open":
        stmt = stmt.where(Idea.status.in_(UNDER_REVIEW))
    if district_id:
        stmt = stmt.where(Idea.district_id == district_id)
    if assigned == "no":
        stmt = stmt.where(Assignment.id.is_(None))
    elif assigned == "yes":
        stmt = stmt.where(Assignment.id.is_not(None))
    if reviewer_id:
        stmt = stmt.where(Assignment.reviewer_id == reviewer_id)
    return stmt.order_by(Idea.district_id, Idea.id)


def assignments_of(session: Session, idea_ids: Iterable[int]) -> dict[int, Assignment]:
    ids = list(idea_ids)
    if not ids:
        return {}
    rows = session.scalars(sa.select(Assignment).where(Assignment.idea_id.in_(ids))
                           .options(joinedload(Assignment.reviewer), joinedload(Assignment.team)))
    return {a.idea_id: a for a in rows}


def get_for_review(session: Session, actor: Any, idea_id: int) -> Idea:
    idea = session.get(Idea, idea_id)
    if idea is None or idea.status is IdeaStatus.DRAFT:
        raise NotFoundError()
    require(actor, "review.decide", idea)
    return idea


# -- the review and its decision ----------------------------------------------------------------------

def review_of(session: Session, idea: Idea) -> Review | None:
    return session.scalar(sa.select(Review).where(Review.idea_id == idea.id)
                          .options(selectinload(Review.answers)))


def failed_criteria(session: Session, idea: Idea) -> list[str]:
    """The checklist criteria a not-admissible idea failed (public, with the decision)."""
    if idea.status is not IdeaStatus.NOT_ADMISSIBLE:
        return []
    review = review_of(session, idea)
    return [a.item.label for a in review.answers if a.passed is False] if review else []


def _summary(text: str) -> str:
    first = text.split("\n\n", 1)[0]
    return first if len(first) <= 300 else first[:297].rstrip() + "…"


def save_review(session: Session, actor: Any, idea: Idea, *, answers: dict[int, bool | None],
                reviewed_cost_cents: int | None = None, decision: Decision | str | None = None,
                public_reason: str = "", internal_note: str = "") -> Review:
    """Record the checklist answers, the reviewed cost and the notes; with a decision, move the
    idea on (and create its project when feasible)."""
    require(actor, "review.decide", idea)
    if idea.status not in UNDER_REVIEW:
        raise ReviewClosed(status=idea.status.label)
    decision = Decision(decision) if decision else None
    if reviewed_cost_cents is not None and reviewed_cost_cents < 0:
        raise ValidationFailed(_l("The cost cannot be negative."), field="reviewed_cost_cents")
    items = checklist(session, idea.edition)
    review = review_of(session, idea)
    before = None
    if review is None:
        review = Review(idea_id=idea.id)
        session.add(review)
    else:
        before = {"decision": review.decision, "cost": review.reviewed_cost_cents,
                  "answers": {str(a.item_id): a.passed for a in review.answers}}
    by_item = {a.item_id: a for a in review.answers}
    for item in items:
        answer = by_item.get(item.id)
        if answer is None:
            answer = ReviewAnswer(item_id=item.id, item=item)
            review.answers.append(answer)
        answer.passed = answers.get(item.id)
    review.reviewed_cost_cents = reviewed_cost_cents
    review.public_reason, review.internal_note = clean(public_reason), clean(internal_note)
    review.reviewer_id, review.updated_at = getattr(actor, "id", None), utcnow()
    failed = [i for i in items if answers.get(i.id) is False]
    unanswered = [i for i in items if answers.get(i.id) is None]
    if decision is not None:
        if failed and decision is not Decision.NOT_ADMISSIBLE:
            raise ChecklistFailed(item=failed[0].label)
        if decision is not Decision.NOT_ADMISSIBLE and unanswered:
            raise ChecklistIncomplete(item=unanswered[0].label)
        if decision is Decision.FEASIBLE and reviewed_cost_cents is None:
            raise CostRequired()
        _decide(session, actor, idea, decision, review.public_reason, reviewed_cost_cents)
        review.decision, review.decided_at = decision, utcnow()
    session.flush()
    audit.record(session, actor, "review.decide" if decision else "review.save", idea, before=before,
                 after={"decision": decision, "cost": reviewed_cost_cents, "status": idea.status,
                        "answers": {str(i.id): answers.get(i.id) for i in items}})
    return review


def _decide(session: Session, actor: Any, idea: Idea, decision: Decision, reason: str, cost: int | None) -> None:
    by = rules.REVIEW
    if decision is Decision.NOT_ADMISSIBLE:
        change_status(session, actor, idea, IdeaStatus.NOT_ADMISSIBLE, by=by, reason=reason)
        return
    if idea.status is IdeaStatus.SUBMITTED:
        if decision is not Decision.ADMISSIBLE:
            # Check the second step first, so that a refused decision leaves nothing half done.
            rules.check_transition(IdeaStatus.ADMISSIBLE, IdeaStatus(decision.value), by=by,
                                   phase=idea.edition.phase, reason=reason)
        change_status(session, actor, idea, IdeaStatus.ADMISSIBLE, by=by,
                      reason=reason if decision is Decision.ADMISSIBLE else "")
    elif decision is Decision.ADMISSIBLE:
        raise rules.InvalidTransition(current=idea.status.label, target=IdeaStatus.ADMISSIBLE.label)
    if decision is Decision.INFEASIBLE:
        change_status(session, actor, idea, IdeaStatus.INFEASIBLE, by=by, reason=reason)
    elif decision is Decision.FEASIBLE:
        rules.check_transition(idea.status, IdeaStatus.FEASIBLE, by=by, phase=idea.edition.phase, reason=reason)
        district = session.get(District, idea.district_id)
        assert district is not None and cost is not None
        project = create_project(session, actor, idea.edition, district, title=idea.title, cost_cents=cost,
                                 summary=_summary(idea.description), description=idea.description, theme=idea.theme,
                                 address=idea.address, latitude=idea.latitude, longitude=idea.longitude)
        idea.project_id, idea.project = project.id, project
        change_status(session, actor, idea, IdeaStatus.FEASIBLE, by=by, reason=reason)
        audit.record(session, actor, "project.create", project,
                     after={"number": project.number, "title": project.title, "cost_cents": cost, "idea_id": idea.id})


def reopen(session: Session, actor: Any, idea: Idea, reason: str) -> None:
    """Undo a negative decision (an appeal, a mistake): back to submitted or admissible."""
    require(actor, "review.manage", idea)
    target = {IdeaStatus.NOT_ADMISSIBLE: IdeaStatus.SUBMITTED, IdeaStatus.INFEASIBLE: IdeaStatus.ADMISSIBLE}.get(idea.status)
    if target is None:
        raise rules.InvalidTransition(current=idea.status.label, target=IdeaStatus.SUBMITTED.label)
    before = idea.status
    change_status(session, actor, idea, target, by=rules.REVIEW, reason=reason)
    review = review_of(session, idea)
    if review is not None:
        review.decision, review.decided_at = None, None
    audit.record(session, actor, "review.reopen", idea, before={"status": before}, after={"status": target})
