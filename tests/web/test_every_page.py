"""Every GET route of the app is opened as an administrator, with the ids of real demo objects in
its address (each edition of the demo, in each of its states), and every page answered must:
- say it is HTML (a page served as text/plain shows its markup: the voting task pages did);
- show no raw value to a French reader: no ISO date or "UTC", no enumeration value as stored
  (`greedy`, `cost-votes-draw`, `done`, `not_admissible`...): dates are local and French,
  values have their label."""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
from html.parser import HTMLParser
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from pb.accounts.models import RoleAssignment, User
from pb.accounts.services import hash_password
from pb.authz import SYSTEM
from pb.ballotbox.models import PollingStation
from pb.ballotbox.services.stations import create_station, grant_officer
from pb.councils.models import Council, CouncilSession, PublicMeeting
from pb.demo import load_demo
from pb.editions.models import District, Edition
from pb.ideas.models import Attachment, Comment, Idea
from pb.jobs import TaskRun, start_task
from pb.projects.models import Project
from pb.results.models import TallyRun
from pb.review.models import ReviewTeam
from pb.voting.models import CodeRequest, CodeRequestKind, Voter

from ..conftest import PASSWORD

SKIPPED_PREFIXES = ("/static/", "/api/", "/lang/", "/account/logout")


def _first(session, model, *where) -> Any:
    return session.scalar(sa.select(model.id).where(*where).order_by(model.id).limit(1))


def _resolvers(session, edition: Edition) -> dict[str, Callable[[], Any]]:
    council = lambda: _first(session, Council, Council.edition_id == edition.id)  # noqa: E731
    return {
        "edition_id": lambda: edition.id,
        "slug": lambda: edition.slug,
        "edition": lambda: edition.slug,
        "district_id": lambda: _first(session, District, District.edition_id == edition.id),
        "task_id": lambda: _first(session, TaskRun, TaskRun.edition_id == edition.id, TaskRun.kind.like("voting.%")),
        "voter_id": lambda: _first(session, Voter, Voter.edition_id == edition.id),
        "run_id": lambda: _first(session, TallyRun, TallyRun.edition_id == edition.id),
        "council_id": council,
        "session_id": lambda: _first(session, CouncilSession, CouncilSession.council_id == council()),
        "meeting_id": lambda: _first(session, PublicMeeting, PublicMeeting.edition_id == edition.id),
        "project_id": lambda: _first(session, Project, Project.edition_id == edition.id),
        "number": lambda: session.scalar(sa.select(Project.number).where(Project.edition_id == edition.id)
                                         .order_by(Project.number).limit(1)),
        "idea_id": lambda: _first(session, Idea, Idea.edition_id == edition.id),
        "comment_id": lambda: _first(session, Comment, Comment.edition_id == edition.id),
        "attachment_id": lambda: _first(session, Attachment, Attachment.idea_id.in_(
            sa.select(Idea.id).where(Idea.edition_id == edition.id))),
        "assignment_id": lambda: _first(session, RoleAssignment),
        "team_id": lambda: _first(session, ReviewTeam),
        "kind": lambda: "idea",
        "target_id": lambda: _first(session, Idea, Idea.edition_id == edition.id),
        "code": lambda: session.scalar(sa.select(District.code).where(District.edition_id == edition.id).limit(1)),
        "station_id": lambda: _first(session, PollingStation, PollingStation.edition_id == edition.id),
        "request_id": lambda: _first(session, CodeRequest, CodeRequest.edition_id == edition.id),
        "fmt": lambda: "json",
        "name": lambda: "projets",
        "key": lambda: "legal",
    }


def _looks_like_html(body: bytes) -> bool:
    head = body.lstrip()[:200].lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")


@pytest.fixture
def admin_with_demo(client, auth, session) -> User:
    load_demo(session)
    admin = session.scalar(sa.select(User).where(User.email == "admin@grenoble.example"))
    admin.password_hash = hash_password(PASSWORD)
    opens = dt.datetime(2030, 3, 14, 8, tzinfo=dt.UTC)
    closes = opens + dt.timedelta(hours=10)
    # One task of each voting kind in every state, as the import, the codes and the e-mails leave them.
    for edition in session.scalars(sa.select(Edition)):
        for kind in ("voting.import", "voting.issue", "voting.email"):
            for status in ("running", "done", "failed"):
                task = start_task(session, kind, kind, edition_id=edition.id, started_by_id=admin.id, total=10)
                task.status, task.done = status, 10 if status == "done" else 3
        # A polling station the administrator is an officer of (the desk's pages), and a resident's
        # request for a code waiting for the staff.
        station = create_station(session, SYSTEM, edition, name="Bureau de l'hôtel de ville", opens=opens, closes=closes)
        grant_officer(session, SYSTEM, station, admin)
        voter_id = _first(session, Voter, Voter.edition_id == edition.id)
        if voter_id is not None:
            session.add(CodeRequest(edition_id=edition.id, voter_id=voter_id, kind=CodeRequestKind.LETTER))
    session.commit()
    auth.login(admin)
    return admin


class VisibleText(HTMLParser):
    """The text a reader sees, without scripts, styles and code samples (<code>, <pre>, <kbd>)."""

    HIDDEN = {"script", "style", "code", "pre", "kbd", "samp", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def _raw_values() -> set[str]:
    """Every value an enumeration of pb stores, the counting rules and tie-breaks, the states of
    a task: none reads as French. (Values that are also French words are left out.)"""
    from pb.editions.models import AGGREGATION_RULES, TIE_BREAKS

    values = set(AGGREGATION_RULES) | set(TIE_BREAKS) | {"queued", "running", "done", "failed"}
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("pb."):
            for thing in vars(module).values():
                if isinstance(thing, type) and issubclass(thing, enum.Enum) and thing.__module__.startswith("pb."):
                    values |= {str(member.value) for member in thing}
    return values - FRENCH_WORDS


FRENCH_WORDS = {"vote", "admissible", "admin", "district", "mes", "import", "paper", "budget", "commune"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\bUTC\b|\b\d{2}:\d{2}:\d{2}\b")


def _walk(app, client, session):
    """(endpoint, url, response) for every GET route and every demo edition."""
    from flask import url_for

    editions = list(session.scalars(sa.select(Edition).order_by(Edition.id)))
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIPPED_PREFIXES) or "token" in rule.arguments:
            continue
        for edition in editions:
            resolvers = _resolvers(session, edition)
            values = {name: resolvers[name]() for name in rule.arguments}
            if any(v is None for v in values.values()):
                continue
            with app.test_request_context():
                url = url_for(rule.endpoint, **values)
            yield rule.endpoint, url, client.get(url)


def test_every_html_page_is_served_as_html_and_shows_no_raw_value(app, client, session, admin_with_demo) -> None:
    wrong: dict[str, str] = {}
    raw: dict[str, list[str]] = {}
    html_endpoints: set[str] = set()
    words = re.compile(r"(?<![\w/@.-])(" + "|".join(sorted(map(re.escape, _raw_values()), key=len, reverse=True))
                       + r")(?![\w@-])")
    for endpoint, url, response in _walk(app, client, session):
        if response.status_code != 200 or not _looks_like_html(response.data):
            continue
        html_endpoints.add(endpoint)
        if response.mimetype != "text/html":
            wrong[url] = response.content_type
        parser = VisibleText()
        parser.feed(response.get_data(as_text=True))
        text = " ".join(parser.parts)
        found = sorted(set(ISO_DATE.findall(text)) | set(words.findall(text)))
        if found:
            raw[url] = found
    assert wrong == {}, "HTML served with another type"
    assert raw == {}, "raw values shown to a French reader"
    assert "voting_admin.task" in html_endpoints
    assert len(html_endpoints) >= 50, sorted(html_endpoints)
