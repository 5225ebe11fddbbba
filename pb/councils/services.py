"""Neighbourhood councils and public meetings.

A council secretary (role `council_secretary`, possibly for one district) records the council's
sessions, links projects to them (presented, discussed) and records the council's opinion on a
project. Administrators create councils. Public meetings record which project holders attended:
when the edition requires it, a project none of whose holders attended is held back from the
ballot (see `attended_project_ids`, read by the review when it builds the ballot)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, selectinload

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.editions.copying import copy_hook
from pb.editions.models import District, Edition
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.councils.models import (
    Council, CouncilMember, CouncilOpinion, CouncilSession, Handling, MeetingAttendance, Opinion, PublicMeeting,
    SessionProject,
)
from pb.ideas.models import Idea, IdeaAuthor, IdeaStatus
from pb.ideas.text import clean
from pb.projects.models import Project


@dataclass(frozen=True)
class Scope:
    """An edition as a whole (not any of its districts), for a permission check."""

    edition_id: int
    district_id: int | None = None


class ProjectNotInEdition(PbError):
    code = "project_not_in_edition"
    status = 422
    message = _l("This project belongs to another edition.")


class ProjectOutsideCouncil(PbError):
    code = "project_outside_council"
    status = 422
    message = _l("This project belongs to another district than the council's.")


class OpinionNeedsText(PbError):
    code = "opinion_needs_text"
    status = 422
    message = _l("An unfavourable or reserved opinion needs its text.")

    def __init__(self) -> None:
        super().__init__()
        self.field = "text"


def _district(session: Session, edition: Edition, district_id: int | None) -> District | None:
    if district_id is None:
        return None
    district = session.get(District, district_id)
    if district is None or district.edition_id != edition.id:
        raise ValidationFailed(_l("Choose a district of this edition."), field="district_id")
    return district


# -- councils ---------------------------------------------------------------------------------------

def list_councils(session: Session, edition: Edition) -> list[Council]:
    return list(session.scalars(sa.select(Council).where(Council.edition_id == edition.id)
                                .options(joinedload(Council.district), selectinload(Council.members))
                                .order_by(Council.name)))


def get_council(session: Session, council_id: int, edition: Edition | None = None) -> Council:
    council = session.get(Council, council_id)
    if council is None or (edition is not None and council.edition_id != edition.id):
        raise NotFoundError()
    return council


def _members(text: str) -> list[tuple[str, str]]:
    """One member per line: "Name" or "Name, role"."""
    members = []
    for line in clean(text).split("\n"):
        name, _sep, role = line.partition(",")
        name = " ".join(name.split())[:120]
        if name:
            members.append((name, " ".join(role.split())[:120]))
    return members


def save_council(session: Session, actor: Any, edition: Edition, council: Council | None = None, *, name: str,
                 district_id: int | None, description: str = "", members: str = "") -> Council:
    if council is not None:
        require(actor, "council.manage", council)
        if council.edition_id != edition.id:
            raise NotFoundError()
    district = _district(session, edition, district_id)
    require(actor, "council.manage", district or Scope(edition.id))  # where the council goes, too
    name = clean(name, multiline=False)[:160]
    if len(name) < 3:
        raise ValidationFailed(_l("Give the council's name."), field="name")
    clash = session.scalar(sa.select(Council.id).where(Council.edition_id == edition.id, Council.name == name,
                                                       Council.id != (council.id if council else 0)))
    if clash is not None:
        raise ValidationFailed(_l("Another council of this edition has this name."), field="name")
    fields = ("name", "district_id", "description")
    before = audit.snapshot(council, fields) if council else {}
    before_members = [m.name for m in council.members if m.active] if council else []
    if council is None:
        council = Council(edition_id=edition.id, name=name)
        session.add(council)
    council.name, council.district_id, council.description = name, district.id if district else None, clean(description)
    # Members leaving stay in the records of past sessions: they are marked inactive, not deleted.
    wanted = _members(members)
    by_name = {m.name: m for m in council.members}
    for m in council.members:
        m.active = False
    for position, (member_name, role) in enumerate(wanted):
        member = by_name.get(member_name)
        if member is None:
            member = CouncilMember(name=member_name)
            council.members.append(member)
        member.role, member.position, member.active = role, position, True
    session.flush()
    after = audit.snapshot(council, fields)
    audit.record(session, actor, "council.save", council, edition_id=edition.id,
                 before={**before, "members": before_members} if before else None,
                 after={**after, "members": [m for m, _r in wanted]})
    return council


@copy_hook
def copy_councils(session: Session, actor: Any, source: Edition, edition: Edition, districts: dict[int, int]) -> dict[str, int]:
    """Last year's councils go on with their current members (not their sessions nor opinions)."""
    councils = list_councils(session, source)
    for council in councils:
        members = "\n".join(f"{m.name}, {m.role}" if m.role else m.name for m in council.members if m.active)
        save_council(session, actor, edition, name=council.name, description=council.description, members=members,
                     district_id=districts.get(council.district_id) if council.district_id else None)
    return {"councils": len(councils)}


# -- sessions ---------------------------------------------------------------------------------------

def save_session(session: Session, actor: Any, council: Council, item: CouncilSession | None = None, *,
                 starts_at: dt.datetime, place: str = "", agenda: str = "", minutes: str = "",
                 present_member_ids: Iterable[int] = (), public_attendance: int = 0) -> CouncilSession:
    require(actor, "council.record", council)
    if item is not None and item.council_id != council.id:
        raise NotFoundError()
    if public_attendance < 0:
        raise ValidationFailed(_l("The number of people present cannot be negative."), field="public_attendance")
    members = {m.id: m for m in council.members}
    present = [members[i] for i in present_member_ids if i in members]
    fields = ("starts_at", "place", "agenda", "minutes", "public_attendance")
    before = audit.snapshot(item, fields) if item else None
    if item is None:
        item = CouncilSession(council=council, starts_at=starts_at)
        session.add(item)
    item.starts_at, item.place = starts_at, clean(place, multiline=False)[:255]
    item.agenda, item.minutes, item.public_attendance = clean(agenda), clean(minutes), public_attendance
    item.present = present
    session.flush()
    audit.record(session, actor, "council.session", item, edition_id=council.edition_id, before=before,
                 after={**audit.snapshot(item, fields), "present": [m.name for m in present]})
    return item


def get_session(session: Session, session_id: int) -> CouncilSession:
    item = session.get(CouncilSession, session_id)
    if item is None:
        raise NotFoundError()
    return item


def _project_of(actor: Any, council: Council, project: Project) -> Project:
    """A project the council may handle, that the actor records for: both objects are checked
    (a secretary of one district records nothing on another district's project)."""
    require(actor, "council.record", council)
    require(actor, "council.record", project)
    if project.edition_id != council.edition_id:
        raise ProjectNotInEdition()
    if council.district_id is not None and project.district_id != council.district_id:
        raise ProjectOutsideCouncil()
    return project


def link_project(session: Session, actor: Any, item: CouncilSession, project: Project,
                 handling: Handling | str = Handling.PRESENTED) -> SessionProject:
    """Put a project on a session's record (presented or discussed); linking again updates it."""
    council = item.council
    _project_of(actor, council, project)
    handling = Handling(handling)
    link = next((x for x in item.items if x.project_id == project.id), None)
    before = {"handling": link.handling} if link else None
    if link is None:
        link = SessionProject(session=item, project_id=project.id, project=project, handling=handling)
        session.add(link)
    link.handling = handling
    session.flush()
    audit.record(session, actor, "council.link", project, edition_id=council.edition_id, before=before,
                 after={"session_id": item.id, "handling": handling}, council_id=council.id)
    return link


def unlink_project(session: Session, actor: Any, link: SessionProject) -> None:
    council = link.session.council
    require(actor, "council.record", council)
    audit.record(session, actor, "council.unlink", link.project, edition_id=council.edition_id,
                 before={"session_id": link.session_id, "handling": link.handling}, council_id=council.id)
    link.session.items.remove(link)
    session.flush()


def record_opinion(session: Session, actor: Any, council: Council, project: Project, *, opinion: Opinion | str,
                   text: str = "", session_id: int | None = None) -> CouncilOpinion:
    """The council's opinion on a project; recording again replaces it (the log keeps the old one)."""
    _project_of(actor, council, project)
    opinion = Opinion(opinion)
    text = clean(text)
    if opinion is not Opinion.FAVOURABLE and len(text) < 3:
        raise OpinionNeedsText()
    at_session = None
    if session_id is not None:
        at_session = session.get(CouncilSession, session_id)
        if at_session is None or at_session.council_id != council.id:
            raise ValidationFailed(_l("Choose a session of this council."), field="session_id")
    row = session.scalar(sa.select(CouncilOpinion).where(CouncilOpinion.council_id == council.id,
                                                         CouncilOpinion.project_id == project.id))
    before = {"opinion": row.opinion, "text": row.text, "session_id": row.session_id} if row else None
    if row is None:
        row = CouncilOpinion(council_id=council.id, council=council, project_id=project.id, project=project,
                             opinion=opinion)
        session.add(row)
    row.opinion, row.text, row.session_id = opinion, text, at_session.id if at_session else None
    row.recorded_by_id, row.recorded_at = getattr(actor, "id", None), utcnow()
    if at_session is not None and not any(x.project_id == project.id for x in at_session.items):
        session.add(SessionProject(session=at_session, project_id=project.id, handling=Handling.DISCUSSED))
    session.flush()
    audit.record(session, actor, "council.opinion", project, edition_id=council.edition_id, before=before,
                 after={"opinion": opinion, "text": text, "session_id": row.session_id}, council_id=council.id)
    return row


def council_projects(session: Session, council: Council) -> list[dict[str, Any]]:
    """The projects a council handled: its sessions' links and its opinions, by project."""
    rows: dict[int, dict[str, Any]] = {}
    links = session.scalars(sa.select(SessionProject).join(CouncilSession)
                            .where(CouncilSession.council_id == council.id)
                            .options(joinedload(SessionProject.project), joinedload(SessionProject.session))
                            .order_by(CouncilSession.starts_at)).all()
    for link in links:
        entry = rows.setdefault(link.project_id, {"project": link.project, "sessions": [], "opinion": None})
        entry["sessions"].append(link)
    for op in session.scalars(sa.select(CouncilOpinion).where(CouncilOpinion.council_id == council.id)
                              .options(joinedload(CouncilOpinion.project))):
        entry = rows.setdefault(op.project_id, {"project": op.project, "sessions": [], "opinion": None})
        entry["opinion"] = op
    return sorted(rows.values(), key=lambda e: e["project"].number)


def project_councils(session: Session, project_id: int) -> dict[str, Any]:
    """For a project page: the sessions where it was presented or discussed, and the opinions."""
    links = session.scalars(sa.select(SessionProject).where(SessionProject.project_id == project_id)
                            .options(joinedload(SessionProject.session).joinedload(CouncilSession.council))).all()
    opinions = session.scalars(sa.select(CouncilOpinion).where(CouncilOpinion.project_id == project_id)
                               .options(joinedload(CouncilOpinion.council), joinedload(CouncilOpinion.session))
                               .order_by(CouncilOpinion.recorded_at)).all()
    return {"sessions": sorted(links, key=lambda x: x.session.starts_at), "opinions": list(opinions)}


def opinion_counts(session: Session, project_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per project: how many councils gave each opinion (one grouped query)."""
    counts: dict[int, dict[str, int]] = {}
    ids = list(project_ids)
    if ids:
        for pid, opinion, n in session.execute(
                sa.select(CouncilOpinion.project_id, CouncilOpinion.opinion, sa.func.count())
                .where(CouncilOpinion.project_id.in_(ids)).group_by(CouncilOpinion.project_id, CouncilOpinion.opinion)):
            counts.setdefault(pid, {})[str(opinion)] = n
    return counts


def projects_for_council(session: Session, council: Council) -> list[Project]:
    """Projects a council may handle: those of its district (and city-wide ones), or all for a
    city-wide council."""
    stmt = sa.select(Project).where(Project.edition_id == council.edition_id)
    if council.district_id is not None:
        stmt = stmt.where(Project.district_id == council.district_id)
    return list(session.scalars(stmt.order_by(Project.number)))


# -- public meetings --------------------------------------------------------------------------------

def list_meetings(session: Session, edition: Edition) -> list[PublicMeeting]:
    return list(session.scalars(sa.select(PublicMeeting).where(PublicMeeting.edition_id == edition.id)
                                .options(joinedload(PublicMeeting.district), selectinload(PublicMeeting.attendance))
                                .order_by(PublicMeeting.starts_at)))


def get_meeting(session: Session, meeting_id: int) -> PublicMeeting:
    meeting = session.get(PublicMeeting, meeting_id)
    if meeting is None:
        raise NotFoundError()
    return meeting


def save_meeting(session: Session, actor: Any, edition: Edition, meeting: PublicMeeting | None = None, *,
                 title: str, starts_at: dt.datetime, district_id: int | None = None, place: str = "",
                 description: str = "") -> PublicMeeting:
    district = _district(session, edition, district_id)
    # A secretary of one district manages the meetings of that district: the meeting as it is and
    # where it goes are both checked (a district meeting does not become a city-wide one).
    if meeting is not None:
        require(actor, "meeting.manage", meeting)
        if meeting.edition_id != edition.id:
            raise NotFoundError()
    require(actor, "meeting.manage", district or Scope(edition.id))
    title = clean(title, multiline=False)[:200]
    if len(title) < 3:
        raise ValidationFailed(_l("Give the meeting a title."), field="title")
    fields = ("title", "starts_at", "district_id", "place", "description")
    before = audit.snapshot(meeting, fields) if meeting else None
    if meeting is None:
        meeting = PublicMeeting(edition_id=edition.id, title=title, starts_at=starts_at)
        session.add(meeting)
    meeting.title, meeting.starts_at, meeting.district_id = title, starts_at, district.id if district else None
    meeting.place, meeting.description = clean(place, multiline=False)[:255], clean(description)
    session.flush()
    audit.record(session, actor, "meeting.save", meeting, edition_id=edition.id, before=before,
                 after=audit.snapshot(meeting, fields))
    return meeting


def holders(session: Session, edition_id: int, district_id: int | None = None) -> list[tuple[Project, list[IdeaAuthor]]]:
    """Projects that may go to the ballot, each with its holders (authors of its ideas)."""
    stmt = (sa.select(Project).where(Project.edition_id == edition_id,
                                     Project.status.in_(("feasible", "held_back", "on_ballot")))
            .options(joinedload(Project.district)).order_by(Project.district_id, Project.number))
    if district_id is not None:
        stmt = stmt.where(Project.district_id == district_id)
    projects = list(session.scalars(stmt))
    authors: dict[int, list[IdeaAuthor]] = {p.id: [] for p in projects}
    if projects:
        rows = session.execute(sa.select(Idea.project_id, IdeaAuthor).join(IdeaAuthor.idea)
                               .where(Idea.project_id.in_(authors), Idea.status.in_((IdeaStatus.FEASIBLE, IdeaStatus.MERGED)))
                               .order_by(IdeaAuthor.idea_id, IdeaAuthor.position))
        for project_id, author in rows:
            authors[project_id].append(author)
    return [(p, authors[p.id]) for p in projects]


def set_attendance(session: Session, actor: Any, meeting: PublicMeeting, author_ids: Iterable[int]) -> None:
    """Record which project holders attended (the full list: unticked holders are removed)."""
    require(actor, "meeting.manage", meeting)
    allowed = {a.id for _p, authors in holders(session, meeting.edition_id) for a in authors}
    wanted = {i for i in author_ids if i in allowed}
    before = sorted(a.author_id for a in meeting.attendance)
    for row in list(meeting.attendance):
        if row.author_id not in wanted and row.author_id in allowed:
            meeting.attendance.remove(row)
    present = {a.author_id for a in meeting.attendance}
    for author_id in sorted(wanted - present):
        meeting.attendance.append(MeetingAttendance(author_id=author_id, recorded_by_id=getattr(actor, "id", None)))
    session.flush()
    audit.record(session, actor, "meeting.attendance", meeting, edition_id=meeting.edition_id,
                 before={"authors": before}, after={"authors": sorted(a.author_id for a in meeting.attendance)})


def attended_project_ids(session: Session, edition_id: int) -> set[int]:
    """Projects of the edition at least one of whose holders attended a public meeting."""
    rows = session.scalars(
        sa.select(Idea.project_id).distinct()
        .join(IdeaAuthor, IdeaAuthor.idea_id == Idea.id)
        .join(MeetingAttendance, MeetingAttendance.author_id == IdeaAuthor.id)
        .join(PublicMeeting, PublicMeeting.id == MeetingAttendance.meeting_id)
        .where(PublicMeeting.edition_id == edition_id, Idea.project_id.is_not(None)))
    return set(rows)


def project_attendance(session: Session, project_id: int) -> list[tuple[PublicMeeting, IdeaAuthor]]:
    rows = session.execute(
        sa.select(PublicMeeting, IdeaAuthor)
        .join(MeetingAttendance, MeetingAttendance.meeting_id == PublicMeeting.id)
        .join(IdeaAuthor, IdeaAuthor.id == MeetingAttendance.author_id)
        .join(Idea, Idea.id == IdeaAuthor.idea_id)
        .where(Idea.project_id == project_id).order_by(PublicMeeting.starts_at))
    return [(m, a) for m, a in rows]
