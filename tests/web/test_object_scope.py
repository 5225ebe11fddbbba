"""Object-level permissions on every staff route (issue 10 §6).

A staff member holds a role for one district, or for one edition. For every scoped role and both
kinds of scope, the test walks every staff route of the application with the objects of another
district of the same edition (or of another edition) in its address, GET and POST, and expects a
refusal (403, or 404 for an object the address does not lead to) with nothing changed in the
database. Routes that only name the edition are allowed to a district's staff (each object is then
checked on its own district): these are POSTed with another district's objects in the form, and
must change nothing.

A new route is walked without any change here: its address parameters must be named like the
others (`<int:idea_id>`, `<int:project_id>`...), which `test_every_address_parameter_is_known` checks."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from pb.accounts.models import Role
from pb.authz import SYSTEM, access_of
from pb.ballotbox.services import stations
from pb.councils import services as councils
from pb.db import utcnow
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.ideas import comments
from pb.ideas.models import IdeaStatus
from pb.models import load_models
from pb.voting.models import CodeRequest, CodeRequestKind, Voter
from pb.voting.services.register import import_text
from tests.ideas.conftest import Cycle, cycle, upload_dir  # noqa: F401 - shared fixtures of the citizen cycle

SCOPED_ROLES = [r for r in Role if r is not Role.RESIDENT]
SCOPES = ["district", "edition"]

# Routes open to every account, where the object is checked against the person (authors, commenters):
# not staff routes. Each is listed with the reason it is left out of this walk.
RESIDENT_ROUTES = {
    "accounts.profile": "one's own account",
    "accounts.logout": "one's own session",
    "accounts.change_email": "one's own e-mail address, confirmed by one's password",
    "accounts.my_data": "one's own data (the right of access)",
    "accounts.delete_account": "one's own account, confirmed by one's password",
    "ideas.mine": "one's own ideas",
    "ideas.new": "anyone proposes an idea",
    "ideas.comment": "anyone comments an idea",
    "ideas.project_comment": "anyone comments a project",
    "ideas.flag_idea": "anyone flags an idea",
    "ideas.flag_comment": "anyone flags a comment",
}


class World:
    """Edition `mine` (districts d1, d2) and edition `other`; every kind of object exists in d2."""

    def __init__(self, session: Any, walk: Cycle, make: Any) -> None:
        editions.get_territory(session)  # made on the first page otherwise
        self.mine = walk.edition(Phase.SUBMISSION, districts=2)
        self.other = walk.edition(Phase.SUBMISSION, districts=1)
        self.d1, self.d2 = self.mine.districts
        holder = make.user()
        self.idea = walk.idea(self.mine, holder, district=self.d2)
        self.comment = comments.add_comment(session, holder, body="Un commentaire sur l'idée.", idea=self.idea)
        self.feasible = walk.idea(self.mine, holder, status=IdeaStatus.FEASIBLE, district=self.d2)
        self.project = self.feasible.project
        self.council = councils.save_council(session, SYSTEM, self.mine, name="Conseil du quartier 2",
                                             district_id=self.d2.id, members="Jeanne Dupont")
        self.sitting = councils.save_session(session, SYSTEM, self.council, starts_at=utcnow())
        self.link = councils.link_project(session, SYSTEM, self.sitting, self.project)
        councils.record_opinion(session, SYSTEM, self.council, self.project, opinion="favourable")
        self.meeting = councils.save_meeting(session, SYSTEM, self.mine, title="Réunion du quartier 2",
                                             starts_at=utcnow(), district_id=self.d2.id)
        # District 1's own council, session and meeting.
        self.own_council = councils.save_council(session, SYSTEM, self.mine, name="Conseil du quartier 1",
                                                 district_id=self.d1.id, members="Ahmed Benali")
        self.own_sitting = councils.save_session(session, SYSTEM, self.own_council, starts_at=utcnow())
        self.own_meeting = councils.save_meeting(session, SYSTEM, self.mine, title="Réunion du quartier 1",
                                                 starts_at=utcnow(), district_id=self.d1.id)
        colleague = make.user(roles=[("moderator", self.d2)])
        self.assignment = colleague.roles[0]
        # District 2's polling station, its officer and the officer's key.
        self.station = stations.create_station(session, SYSTEM, self.mine, name="Bureau du quartier 2",
                                               district=self.d2.code)
        self.officer = make.user()
        stations.grant_officer(session, SYSTEM, self.station, self.officer)
        self.station_key, _raw = stations.create_key(session, SYSTEM, self.station, self.officer)
        # A resident of district 2 waiting for a voting code.
        import_text(session, SYSTEM, self.mine, f"last_name,first_name,birth_date,district\nMartin,Léa,1990-01-01,{self.d2.code}\n")
        voter = session.scalar(sa.select(Voter).where(Voter.edition_id == self.mine.id))
        self.code_request = CodeRequest(edition_id=self.mine.id, voter_id=voter.id, kind=CodeRequestKind.LETTER)
        session.add(self.code_request)
        session.flush()

    def params(self) -> dict[str, Any]:
        """Address parameter -> value naming an object of district 2 of `mine`."""
        return {
            "edition_id": self.mine.id, "slug": self.mine.slug, "district_id": self.d2.id,
            "idea_id": self.idea.id, "comment_id": self.comment.id, "project_id": self.project.id,
            "number": self.project.number, "council_id": self.council.id, "session_id": self.sitting.id,
            "link_id": self.link.id, "meeting_id": self.meeting.id, "assignment_id": self.assignment.id,
            "station_id": self.station.id, "user_id": self.officer.id, "key_id": self.station_key.id,
            "request_id": self.code_request.id,
            # Words of the address: a dataset and what to do with it, an export's format, a site page.
            "dataset": "projects", "action": "publish", "fmt": "json", "key": "legal",
            # Objects this walk does not create: an address that leads nowhere must still be refused.
            "attachment_id": 999_999, "team_id": 999_999, "run_id": 999_999, "task_id": 999_999,
            "voter_id": 999_999,
        }

    def form(self) -> dict[str, Any]:
        """A form naming district 2's objects, valid enough to reach the services."""
        d2 = str(self.d2.id)
        return {
            "title": "Titre modifié par un tiers", "name": "Nom modifié par un tiers", "summary": "Résumé.",
            "description": "Une description assez longue, écrite par un tiers.", "text": "Un avis défavorable.",
            "body": "Un commentaire.", "reason": "Une raison suffisante.", "public_reason": "Une raison publique.",
            "members": "Jeanne Dupont", "opinion": "unfavourable", "handling": "discussed", "district_id": d2,
            "project_id": str(self.project.id), "session_id": str(self.sitting.id), "starts_at": "2027-05-01T18:00",
            "place": "Salle des fêtes", "agenda": "Ordre du jour.", "minutes": "Compte rendu.",
            "public_attendance": "12", "channel": "paper", "holder_name": "Jeanne Dupont",
            "holder_email": "jeanne@ville.example", "received_on": "2027-04-01", "theme": "nature",
            "estimated_cost_cents": "1000", "cost_cents": "1000", "reviewed_cost_cents": "1000", "spent_cents": "10",
            "decision": "infeasible", "status": "done", "progress": "50", "happened_on": "2027-04-01",
            "note": "Une note.", "confirm": "y", "author_ids": [], "present": [], "idea_ids": [str(self.idea.id)],
            "role": "admin", "scope": f"district:{d2}", "email": "x@ville.example", "items": "Une question",
            "phase": "review", "code": "q9", "envelope_cents": "1000", "population": "10",
        }


@pytest.fixture
def world(session, cycle, make) -> World:  # noqa: F811 - the cycle fixture
    return World(session, cycle, make)


def _snapshot(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    session.expire_all()
    rows = {}
    for table in load_models().metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [tuple(r) for r in session.execute(sa.select(table).order_by(*order))]
    return rows


def _changes(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def _staff_routes(app: Any) -> list[tuple[Any, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        policy = access_of(app.view_functions[rule.endpoint]) if rule.endpoint != "static" else "public"
        if policy == "public" or rule.endpoint in RESIDENT_ROUTES or rule.rule.startswith("/api/"):
            continue
        routes.append((rule, policy))
    return sorted(routes, key=lambda r: r[0].rule)


def _urls(rule: Any, params: dict[str, Any]) -> list[str]:
    kinds = ["idea", "comment"] if "kind" in rule.arguments else [None]
    urls = []
    for kind in kinds:
        values = {name: params[name] for name in rule.arguments if name not in ("kind", "target_id")}
        if kind is not None:
            values["kind"] = kind
            values["target_id"] = params["idea_id"] if kind == "idea" else params["comment_id"]
        urls.append(rule.build(values, append_unknown=False)[1])
    return urls


def _edition_only(rule: Any) -> bool:
    """Pages of a whole edition (or of no object: the staff dashboard)."""
    return set(rule.arguments) <= {"edition_id", "slug"}


def test_every_address_parameter_is_known(app, world) -> None:
    known = set(world.params()) | {"kind", "target_id"}
    unknown = {f"{rule.rule}: {name}" for rule, _p in _staff_routes(app) for name in rule.arguments} - {
        f"{rule.rule}: {name}" for rule, _p in _staff_routes(app) for name in rule.arguments if name in known}
    assert unknown == set(), "give World.params() an object of district 2 for these parameters"


class Walk:
    """Requests of one person, with the database compared after every POST."""

    def __init__(self, client: Any, session: Any) -> None:
        self.client, self.session = client, session
        self.before = _snapshot(session)
        self.requests, self.failures = 0, []

    def open(self, method: str, url: str, form: dict[str, Any], *, must_refuse: bool) -> Any:
        response = self.client.open(url, method=method, data=form if method == "POST" else None)
        self.requests += 1
        if response.status_code >= 500 or (must_refuse and response.status_code not in (403, 404)):
            self.failures.append(f"{method} {url}: {response.status_code} instead of a refusal")
        if method == "POST" and (changed := _changes(self.before, after := _snapshot(self.session))):
            self.failures.append(f"{method} {url} changed {', '.join(changed)}")
            self.before = after
        return response

    def check(self, who: str) -> None:
        assert self.failures == [], f"{who}:\n" + "\n".join(self.failures)
        assert _changes(self.before, _snapshot(self.session)) == []


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", SCOPED_ROLES, ids=str)
def test_staff_of_another_scope_are_refused_on_every_staff_route(app, client, auth, session, make, world, role,
                                                                 scope) -> None:
    target = world.d1 if scope == "district" else world.other
    auth.login(_staff(session, make, role, target))
    params, form = world.params(), world.form()
    walk = Walk(client, session)
    for rule, policy in _staff_routes(app):
        # The staff of district 1 open the edition's own pages (each object there is checked on its
        # district): only what they send is checked. Everyone else is refused at the address.
        opens_edition_page = (scope == "district" and _edition_only(rule)) or policy == "staff.dashboard"
        for url in _urls(rule, params):
            for method in sorted(rule.methods & {"GET", "POST"}):
                walk.open(method, url, form, must_refuse=not opens_edition_page)
    walk.check(f"{role} of one {scope}")
    assert walk.requests >= 90


OWN = {"council_id", "session_id", "meeting_id"}
# POST-only routes on one's own object whose form names no other district's object, with the reason.
OWN_ONLY = {"councils.attendance": "holders of any district's project may attend any public meeting"}


@pytest.mark.parametrize("role", SCOPED_ROLES, ids=str)
def test_district_staff_do_not_reach_another_district_through_their_own_objects(app, client, auth, session, make,
                                                                                world, role) -> None:
    """District 1's council, session and meeting, with district 2's project in the address or the
    form, or the meeting or council moved to district 2 or to the whole city: refused, nothing changed."""
    auth.login(_staff(session, make, role, world.d1))
    params = {**world.params(), "council_id": world.own_council.id, "session_id": world.own_sitting.id,
              "meeting_id": world.own_meeting.id}
    form = {**world.form(), "session_id": str(world.own_sitting.id)}
    walk, moved = Walk(client, session), 0
    for rule, _policy in _staff_routes(app):
        if not OWN & set(rule.arguments) or rule.endpoint in OWN_ONLY:
            continue
        foreign_in_address = bool(set(rule.arguments) - OWN)
        for url in _urls(rule, params):
            if foreign_in_address or "GET" not in rule.methods:
                for method in sorted(rule.methods & {"GET", "POST"}):
                    walk.open(method, url, form, must_refuse=foreign_in_address)
            elif 'name="district_id"' in walk.open("GET", url, {}, must_refuse=False).get_data(as_text=True):
                for elsewhere in (str(world.d2.id), ""):
                    walk.open("POST", url, {**form, "district_id": elsewhere}, must_refuse=False)
                    moved += 1
    walk.check(f"{role} of district 1")
    if role in (Role.COUNCIL_SECRETARY, Role.ADMIN):
        assert moved >= 2  # the meeting form (and the council's settings for administrators) were tried


def _staff(session: Any, make: Any, role: Role, scope: Any) -> Any:
    person = make.user(roles=[(role, scope)])
    session.commit()
    return person


def test_no_view_checks_a_policy_by_hand() -> None:
    """Views ask `pb.web.lookups.authorized(policy, obj)` (or a service) and never answer 403 on their
    own after `can()`: one refusal path, the policy's."""
    import ast
    from pathlib import Path

    import pb

    by_hand = []
    for path in sorted(Path(pb.__file__).parent.rglob("*.py")):
        if path.name == "authz.py":
            continue  # the route guard itself
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "abort"
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == 403):
                by_hand.append(f"{path.name}:{node.lineno}")
    assert by_hand == []
