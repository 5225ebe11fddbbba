"""A voting world: an edition with districts, projects on the ballot, an imported register and
tokens, in a given phase; helpers to post ballots and to count what the database holds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.projects.models import Project, ProjectStatus
from pb.projects.services import create_project


@dataclass
class World:
    edition: Any
    districts: list[Any]
    citywide: Any
    projects: dict[int, list[Project]]
    tokens: list[Any] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.edition.slug

    def ids(self, district_index: int = 0, n: int = 1) -> list[int]:
        return [p.id for p in self.projects[self.districts[district_index].id][:n]]

    def token_of(self, voter_id: int) -> Any:
        return next(t for t in self.tokens if t.voter_id == voter_id)


def register_csv(n: int, districts: list[Any], start: int = 0, born: dt.date = dt.date(1980, 1, 1)) -> str:
    lines = ["last_name,first_name,birth_date,district,email"]
    for i in range(start, start + n):
        lines.append(f"Habitant{i},Prénom{i},{(born + dt.timedelta(days=i)).isoformat()},{districts[i % len(districts)].code},")
    return "\n".join(lines) + "\n"


def build_world(session: Session, make: Any, *, voters: int = 6, citywide: bool = False, phase: str = "vote",
                projects_per_district: int = 4, cost_cents: int = 30_000_00, envelope_cents: int = 100_000_00,
                emails: bool = False, issue: bool = True, **rules: Any) -> World:
    from pb.editions import services as editions
    from pb.voting.services import import_text, issue_tokens

    rules.setdefault("tie_break", "lexicographic")
    if rules.get("ballot_type") == "majority_judgment":
        rules.setdefault("aggregation_rule", "mj")
        rules.setdefault("grade_count", 5)
    if rules.get("ballot_type") == "cumulative":
        rules.setdefault("cumulative_points", 10)
    edition = make.edition(citywide=citywide, envelope_cents=envelope_cents, **rules)
    local = [d for d in edition.districts if not d.is_citywide]
    city = next((d for d in edition.districts if d.is_citywide), None)
    projects: dict[int, list[Project]] = {}
    for d in edition.districts:
        projects[d.id] = [create_project(session, SYSTEM, edition, d, title=f"Projet {d.code} {i}", cost_cents=cost_cents + i * 100,
                                         status=ProjectStatus.ON_BALLOT) for i in range(projects_per_district)]
    text = register_csv(voters, local)
    if emails:
        text = "\n".join(line + (f"voter{i}@ville.example" if i else "") for i, line in enumerate(text.splitlines())) + "\n"
    import_text(session, SYSTEM, edition, text)
    world = World(edition, local, city, projects)
    world.tokens = list(issue_tokens(session, SYSTEM, edition, with_codes=True)) if issue else []
    if phase != "draft":
        editions.set_phase(session, SYSTEM, edition, phase)
    session.commit()
    return world


@pytest.fixture(autouse=True)
def _forget_snapshots() -> None:
    """Tables are emptied by plain DELETEs between tests (and SQLite reuses ids): start afresh."""
    from pb.voting.services.snapshot import forget

    forget()


@pytest.fixture
def world(session: Session, make: Any) -> World:
    return build_world(session, make)


@pytest.fixture
def en_client(client: Any) -> Any:
    """A browser that chose English (the pages are French by default)."""
    client.set_cookie("pb_lang", "en")
    fresh_locale()
    return client


@pytest.fixture
def build(session: Session, make: Any) -> Any:
    return lambda **kwargs: build_world(session, make, **kwargs)


def fresh_locale() -> None:
    """Test requests share the test's app context (and so Flask-Babel's cached locale): forget it."""
    from flask import has_app_context
    from flask_babel import refresh

    if has_app_context():
        refresh()


def post_ballot(client: Any, world: World, credential: str, choices: Any = None, *, lang: str = "en",
                **body: Any) -> Any:
    fresh_locale()
    payload = dict(body)
    if "token" not in payload and "code" not in payload:
        payload["token"] = credential
    if choices is not None:
        payload["choices"] = choices
    return client.post(f"/api/v1/editions/{world.slug}/ballots", json=payload, headers={"Accept-Language": lang})


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table; "ballot": the votes in the box, sealed (during the vote) or counted."""
    from pb.voting.models import Ballot, BoardEntry, Participation, EncryptedBallot, VotingToken

    session.commit()
    count = lambda model, *where: session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0  # noqa: E731
    return {
        "participation": count(Participation),
        "ballot": count(EncryptedBallot) + count(Ballot),
        "sealed": count(EncryptedBallot),
        "board": count(BoardEntry),
        "used_tokens": count(VotingToken, VotingToken.used_at.is_not(None)),
        "tokens": count(VotingToken),
    }


def opened_votes(session: Session, edition: Any) -> list[list[tuple[int, dict[int, int]]]]:
    """The sealed votes of an edition opened with its server key file (what the close will read),
    without changing anything: for tests that check what a vote put in the box."""
    from pb.voting import keys
    from pb.voting.models import BallotKey, EncryptedBallot
    from pb.voting.services.secrecy import key_folder

    session.commit()
    key = session.get(BallotKey, edition.id)
    private = keys.private_from_bytes(keys.read_key_file(keys.key_path(key_folder(), edition.id, key.public_key,
                                                                       "ballot")), key.public_key)
    boxes = session.scalars(sa.select(EncryptedBallot.box).where(EncryptedBallot.edition_id == edition.id))
    return [keys.unseal(private, box) for box in boxes]


def opened_ballots(session: Session, edition: Any) -> list[tuple[int, dict[int, int]]]:
    """Every scope's ballot of the sealed votes: (district id, {project id: value})."""
    return [ballot for vote in opened_votes(session, edition) for ballot in vote]


def audit_lines(session: Session, action: str) -> list[Any]:
    from pb.audit.models import AuditEntry

    session.commit()
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
