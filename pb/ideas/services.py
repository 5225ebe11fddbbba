"""Ideas: submission (online, or typed in by staff for paper and meeting ideas), editing until
the deadline, withdrawal, status changes with their history and notifications, and the public
lists.

Every status change goes through `change_status`, which checks the table of `rules.py`, writes a
history row and queues one e-mail per author after the commit."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, selectinload

from pb import audit, mail
from pb.accounts.models import User
from pb.authz import SYSTEM as SYSTEM_ACTOR, can, require
from pb.db import utcnow
from pb.editions.models import District, Edition, Phase
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.ideas import rules
from pb.ideas.models import THEMES, Channel, Comment, Idea, IdeaAuthor, IdeaStatus, IdeaStatusChange
from pb.ideas.text import clean, stored
from pb.jobs import enqueue_after_commit
from pb.projects.models import Project, ProjectStatus
from pb.projects.services import set_status, status_hook

MAX_COAUTHORS = 10
MAX_COST_CENTS = 100_000_000_00  # 100 million euros: beyond that, a typing mistake
# A session flag: the demo loads fictional people who must not be e-mailed.
QUIET = mail.QUIET  # the demo e-mails nobody


class SubmissionClosed(PbError):
    code = "submission_closed"
    status = 409
    message = _l("Ideas can no longer be submitted or edited: %(why)s")


class IdeaLocked(PbError):
    code = "idea_locked"
    status = 409
    message = _l("This idea can no longer be edited: it is “%(status)s”.")


class BallotFrozen(PbError):
    code = "ballot_frozen"
    status = 409
    message = _l("The vote has opened: the ballot is frozen and its projects can no longer change.")


# -- phase windows ------------------------------------------------------------------------------------

def submission_closed_reason(edition: Edition, now: dt.datetime | None = None) -> str | None:
    """None when residents may submit and edit ideas; otherwise why not, in words."""
    now = now or utcnow()
    if edition.phase is not Phase.SUBMISSION:
        if edition.phase.rank < Phase.SUBMISSION.rank:
            return str(_l("the submission phase has not started yet."))
        return str(_l("the submission phase is over (the edition is in phase “%(phase)s”).",
                      phase=edition.phase.label))
    window = edition.window(Phase.SUBMISSION)
    if window is not None and now > window.ends_at:
        from flask_babel import format_datetime

        return str(_l("the deadline was %(date)s.", date=format_datetime(window.ends_at, "d MMMM y, HH:mm")))
    return None


def check_submission_open(edition: Edition, now: dt.datetime | None = None) -> None:
    why = submission_closed_reason(edition, now)
    if why is not None:
        raise SubmissionClosed(why=why)


def submission_deadline(edition: Edition) -> dt.datetime | None:
    window = edition.window(Phase.SUBMISSION)
    return window.ends_at if window else None


# -- status changes -----------------------------------------------------------------------------------

# Who changes an idea's status, as whom: the policy checked on the idea.
STATUS_POLICY = {rules.AUTHOR: "idea.edit", rules.REVIEW: "review.decide", rules.SYSTEM: "edition.manage"}


def change_status(session: Session, actor: Any, idea: Idea, target: IdeaStatus, *, by: str,
                  reason: str = "") -> IdeaStatusChange:
    """Checks the actor (as an author, or as the review) and the transition against the rules
    table, records it in the history, and e-mails the authors after the commit."""
    require(actor, STATUS_POLICY[by], idea)
    current = idea.status
    reason = clean(reason)
    rules.check_transition(current, target, by=by, phase=idea.edition.phase, reason=reason)
    actor_id = getattr(actor, "id", None) if actor is not SYSTEM_ACTOR else None
    change = IdeaStatusChange(from_status=current, to_status=target, actor_id=actor_id, public_reason=reason,
                              at=utcnow())
    idea.history.append(change)
    idea.status = target
    idea.status_reason = reason
    if target is IdeaStatus.SUBMITTED and idea.submitted_at is None:
        idea.submitted_at = change.at
    notify(session, change)
    return change


def notify(session: Session, change: IdeaStatusChange) -> None:
    if session.info.get(QUIET):
        return
    from pb.ideas.jobs import notify_status_change

    session.flush()  # the job receives the change's id
    enqueue_after_commit(session, notify_status_change, change.id)


@status_hook
def tell_holders(session: Session, project: Project, old: ProjectStatus, new: ProjectStatus) -> None:
    """A project changed status (on the ballot, held back, winner, in works...): its holders get
    an e-mail after the commit, as they do for every status of their idea."""
    if session.info.get(QUIET):
        return
    from pb.ideas.jobs import notify_project_status

    session.flush()
    enqueue_after_commit(session, notify_project_status, project.id, new.value)


# -- creating and editing -----------------------------------------------------------------------------

def _district(session: Session, edition: Edition, district_id: int | None) -> District:
    district = session.get(District, district_id) if district_id else None
    if district is None or district.edition_id != edition.id:
        raise ValidationFailed(_l("Choose a district of this edition (or the whole city)."), field="district_id")
    return district


def _fields(session: Session, edition: Edition, *, title: str, description: str, district_id: int | None,
            theme: str, address: str = "", latitude: float | None = None, longitude: float | None = None,
            estimated_cost_cents: int | None = None) -> dict[str, Any]:
    title = clean(title, multiline=False)
    description = clean(description)
    if not 5 <= len(title) <= 200:
        raise ValidationFailed(_l("Give a title of 5 to 200 characters."), field="title")
    if not 20 <= len(description) <= 10_000:
        raise ValidationFailed(_l("Describe your idea in 20 to 10,000 characters."), field="description")
    if theme not in THEMES:
        raise ValidationFailed(_l("Choose a theme."), field="theme")
    if estimated_cost_cents is not None and not 0 <= estimated_cost_cents <= MAX_COST_CENTS:
        raise ValidationFailed(_l("Give an estimated cost between 0 and 100 million euros."),
                               field="estimated_cost_cents")
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(_l("Give both the latitude and the longitude, or neither."), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # type: ignore[operator]
        raise ValidationFailed(_l("These coordinates are not on Earth."), field="latitude")
    return {"title": title, "description": description, "district_id": _district(session, edition, district_id).id,
            "theme": theme, "address": clean(address, multiline=False)[:255], "latitude": latitude,
            "longitude": longitude, "estimated_cost_cents": estimated_cost_cents}


def _coauthors(session: Session, owner: User | None, emails: Iterable[str]) -> list[User]:
    found: list[User] = []
    for raw in emails:
        email = raw.strip().lower()
        if not email:
            continue
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            raise ValidationFailed(_l("No account uses the address %(email)s: ask this person to create an "
                                      "account first."), field="coauthors", email=email)
        if (owner is None or user.id != owner.id) and user not in found:
            found.append(user)
    if len(found) > MAX_COAUTHORS:
        raise ValidationFailed(_l("An idea has at most %(n)s co-authors."), field="coauthors", n=MAX_COAUTHORS)
    return found


def _set_coauthors(idea: Idea, users: list[User]) -> None:
    """Keeps the holder (first author) and authors without an account; replaces the co-authors."""
    keep = [a for a in idea.authors if a.position == 0 or a.user_id is None]
    wanted = {u.id for u in users}
    for author in list(idea.authors):
        if author not in keep and author.user_id not in wanted:
            idea.authors.remove(author)
    present = {a.user_id for a in idea.authors}
    position = max((a.position for a in idea.authors), default=0)
    for user in users:
        if user.id not in present:
            position += 1
            idea.authors.append(IdeaAuthor(user_id=user.id, user=user, name=user.display_name, position=position))


FIELDS = ("title", "description", "district_id", "theme", "address", "latitude", "longitude", "estimated_cost_cents")


def create_idea(session: Session, actor: Any, edition: Edition, *, coauthor_emails: Iterable[str] = (),
                submit: bool = False, now: dt.datetime | None = None, **fields: Any) -> Idea:
    """A resident's online idea, saved as a draft (or submitted at once)."""
    require(actor, "idea.create", edition)
    check_submission_open(edition, now)
    values = _fields(session, edition, **fields)
    coauthors = _coauthors(session, actor, coauthor_emails)
    idea = Idea(edition_id=edition.id, edition=edition, channel=Channel.ONLINE, status=IdeaStatus.DRAFT,
                created_by_id=actor.id, **values)
    idea.authors.append(IdeaAuthor(user_id=actor.id, user=actor, name=actor.display_name, position=0))
    _set_coauthors(idea, coauthors)
    idea.history.append(IdeaStatusChange(from_status=None, to_status=IdeaStatus.DRAFT, actor_id=actor.id))
    session.add(idea)
    session.flush()
    if submit:
        change_status(session, actor, idea, IdeaStatus.SUBMITTED, by=rules.AUTHOR)
    return idea


def enter_idea(session: Session, actor: Any, edition: Edition, *, channel: Channel | str, holder_name: str,
               holder_email: str = "", received_on: dt.date | None = None, coauthor_emails: Iterable[str] = (),
               **fields: Any) -> Idea:
    """An idea received on paper or at a meeting, typed in by staff on behalf of its holder and
    submitted at once. Allowed during submission and review: a form posted before the deadline
    may be typed in after it."""
    require(actor, "idea.enter", edition)
    channel = Channel(channel)
    if channel is Channel.ONLINE:
        raise ValidationFailed(_l("Ideas typed in by staff come from a paper form or a meeting."), field="channel")
    if edition.phase not in rules.BEFORE_VOTE:
        raise rules.PhaseClosed(phase=edition.phase.label, phases=", ".join(p.label for p in rules.BEFORE_VOTE))
    holder_name = clean(holder_name, multiline=False)[:120]
    if len(holder_name) < 2:
        raise ValidationFailed(_l("Give the name of the idea's holder."), field="holder_name")
    holder_email = holder_email.strip().lower()[:254]
    values = _fields(session, edition, **fields)
    require(actor, "idea.enter", session.get(District, values["district_id"]))
    holder_user = session.scalar(sa.select(User).where(User.email == holder_email)) if holder_email else None
    submitted_at = (dt.datetime.combine(received_on, dt.time(12), tzinfo=dt.timezone.utc) if received_on
                    else utcnow())
    # Not a transition: the idea is born submitted (its paper form was posted in time).
    idea = Idea(edition_id=edition.id, edition=edition, channel=channel, status=IdeaStatus.SUBMITTED,
                submitted_at=submitted_at, created_by_id=getattr(actor, "id", None), **values)
    idea.authors.append(IdeaAuthor(user_id=holder_user.id if holder_user else None, user=holder_user,
                                   name=holder_name, email="" if holder_user else holder_email, position=0))
    _set_coauthors(idea, _coauthors(session, holder_user, coauthor_emails))
    change = IdeaStatusChange(from_status=None, to_status=IdeaStatus.SUBMITTED, actor_id=getattr(actor, "id", None))
    idea.history.append(change)
    session.add(idea)
    session.flush()
    notify(session, change)
    audit.record(session, actor, "idea.enter", idea,
                 after={"channel": channel, "holder": holder_name, "title": idea.title, **values})
    return idea


def update_idea(session: Session, actor: Any, idea: Idea, *, coauthor_emails: Iterable[str] | None = None,
                submit: bool = False, now: dt.datetime | None = None, **fields: Any) -> Idea:
    """Authors edit their draft or submitted idea until the deadline; staff may correct an idea
    they typed in (paper, meeting) until the review decides on it."""
    require(actor, "idea.edit", idea)
    if idea.status not in rules.EDITABLE:
        raise IdeaLocked(status=idea.status.label)
    staff_edit = not idea.is_author(actor)
    if staff_edit:
        if idea.edition.phase not in rules.BEFORE_VOTE:
            raise SubmissionClosed(why=submission_closed_reason(idea.edition, now) or "")
    else:
        check_submission_open(idea.edition, now)
    values = _fields(session, idea.edition, **fields)
    before = audit.snapshot(idea, FIELDS)
    for key, value in values.items():
        setattr(idea, key, value)
    if coauthor_emails is not None:
        owner = idea.holder.user if idea.holder else None
        _set_coauthors(idea, _coauthors(session, owner, coauthor_emails))
    idea.updated_at = utcnow()
    session.flush()
    if staff_edit:
        old, new = audit.changes(before, audit.snapshot(idea, FIELDS))
        audit.record(session, actor, "idea.update", idea, before=old, after=new)
    if submit and idea.status is IdeaStatus.DRAFT:
        change_status(session, actor, idea, IdeaStatus.SUBMITTED, by=rules.AUTHOR)
    return idea


def submit_idea(session: Session, actor: Any, idea: Idea, now: dt.datetime | None = None) -> IdeaStatusChange:
    require(actor, "idea.edit", idea)
    check_submission_open(idea.edition, now)
    return change_status(session, actor, idea, IdeaStatus.SUBMITTED, by=rules.AUTHOR)


def withdraw_idea(session: Session, actor: Any, idea: Idea, reason: str = "") -> IdeaStatusChange:
    """Authors withdraw their idea before the vote. A project born from it alone is withdrawn
    with it; once the vote has opened, nothing on the ballot changes."""
    require(actor, "idea.edit", idea)
    if idea.edition.is_frozen:
        raise BallotFrozen()
    project = idea.project if idea.status is IdeaStatus.FEASIBLE else None
    change = change_status(session, actor, idea, IdeaStatus.WITHDRAWN, by=rules.AUTHOR, reason=reason)
    if project is not None:
        others = session.scalar(sa.select(sa.func.count()).select_from(Idea).where(
            Idea.project_id == project.id, Idea.id != idea.id,
            Idea.status.in_((IdeaStatus.FEASIBLE, IdeaStatus.MERGED))))
        if not others:
            # The holders' own step (checked above): the platform withdraws the project with it.
            set_status(session, SYSTEM_ACTOR, project, ProjectStatus.WITHDRAWN, stored(_l("Withdrawn by its holders.")))
    if not idea.is_author(actor):
        audit.record(session, actor, "idea.withdraw", idea, before={"status": change.from_status},
                     after={"status": change.to_status})
    return change


# -- reading ------------------------------------------------------------------------------------------

SORTS = {
    "recent": _l("Most recent"),
    "oldest": _l("Oldest"),
    "title": _l("Title"),
    "comments": _l("Most commented"),
}


def get_idea(session: Session, idea_id: int, viewer: Any = None, edition: Edition | None = None) -> Idea:
    idea = session.get(Idea, idea_id, options=[selectinload(Idea.authors), selectinload(Idea.history)])
    if idea is None or (edition is not None and idea.edition_id != edition.id) or not can(viewer, "idea.view", idea):
        raise NotFoundError()
    return idea


def list_ideas(session: Session, edition: Edition, *, district_id: int | None = None, theme: str = "",
               status: str = "", q: str = "", sort: str = "recent") -> sa.Select[Any]:
    """The public list: submitted ideas onwards (no drafts), not hidden by moderation."""
    stmt = (sa.select(Idea).where(Idea.edition_id == edition.id, Idea.status.in_(rules.PUBLIC),
                                  Idea.hidden_at.is_(None))
            .options(joinedload(Idea.district), selectinload(Idea.authors), joinedload(Idea.project)))
    if district_id:
        stmt = stmt.where(Idea.district_id == district_id)
    if theme in THEMES:
        stmt = stmt.where(Idea.theme == theme)
    if status in {s.value for s in rules.PUBLIC}:
        stmt = stmt.where(Idea.status == status)
    words = clean(q, multiline=False).lower()[:100]
    for word in words.split()[:5]:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Idea.title).like(pattern), sa.func.lower(Idea.description).like(pattern),
                                 sa.func.lower(Idea.address).like(pattern)))
    if sort == "oldest":
        stmt = stmt.order_by(Idea.submitted_at.asc(), Idea.id.asc())
    elif sort == "title":
        stmt = stmt.order_by(Idea.title, Idea.id)
    elif sort == "comments":
        counts = (sa.select(sa.func.count(Comment.id)).where(Comment.idea_id == Idea.id, Comment.hidden_at.is_(None))
                  .correlate(Idea).scalar_subquery())
        stmt = stmt.order_by(counts.desc(), Idea.id.desc())
    else:
        stmt = stmt.order_by(Idea.submitted_at.desc(), Idea.id.desc())
    return stmt


def comment_counts(session: Session, *, idea_ids: Iterable[int] = (), project_ids: Iterable[int] = ()) -> dict[int, int]:
    """Visible comments per idea (or per project), in one grouped query."""
    idea_ids, project_ids = list(idea_ids), list(project_ids)
    column = Comment.idea_id if idea_ids else Comment.project_id
    ids = idea_ids or project_ids
    if not ids:
        return {}
    rows = session.execute(sa.select(column, sa.func.count()).where(column.in_(ids), Comment.hidden_at.is_(None))
                           .group_by(column))
    return {key: n for key, n in rows}


def my_ideas(session: Session, user: Any) -> list[Idea]:
    return list(session.scalars(
        sa.select(Idea).join(IdeaAuthor).where(IdeaAuthor.user_id == user.id)
        .options(joinedload(Idea.edition), joinedload(Idea.district), joinedload(Idea.project))
        .order_by(Idea.created_at.desc())).unique())


def author_actions(actor: Any, idea: Idea) -> dict[str, bool]:
    """What the idea page offers this person: editing (while the status allows it) and
    withdrawing (before the ballot freezes, when the rules table allows it in this phase)."""
    may_edit = can(actor, "idea.edit", idea)
    return {"can_edit": may_edit and idea.status in rules.EDITABLE,
            "can_withdraw": (may_edit and not idea.edition.is_frozen
                             and IdeaStatus.WITHDRAWN in rules.allowed_targets(idea.status, by=rules.AUTHOR,
                                                                               phase=idea.edition.phase))}


def ideas_of_project(session: Session, project_id: int) -> list[Idea]:
    return list(session.scalars(sa.select(Idea).where(Idea.project_id == project_id)
                                .options(selectinload(Idea.authors)).order_by(Idea.id)))


def status_counts(session: Session, edition_id: int) -> dict[str, int]:
    rows = session.execute(sa.select(Idea.status, sa.func.count()).where(Idea.edition_id == edition_id)
                           .group_by(Idea.status))
    return {str(status): n for status, n in rows}


def project_by_number(session: Session, edition: Edition, number: int) -> Project:
    project = session.scalar(sa.select(Project).where(Project.edition_id == edition.id, Project.number == number)
                             .options(joinedload(Project.district)))
    if project is None:
        raise NotFoundError()
    return project
