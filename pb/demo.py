"""`pb demo`: a realistic territory that shows the whole cycle.

Grenoble (INSEE 38185) with its six sectors and a city-wide scope, three editions: last year's
with its published results and its winners under way, this year's with its vote open, next year's
collecting ideas, plus one account per role.

Each domain adds its part in `pb/<domain>/demo.py`, a function `run(session, ctx, edition,
phase)` called while the edition walks through its phases, so ideas are submitted during
submission, reviewed during review, ballots cast during the vote, as in real life."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.accounts.models import Role, RoleAssignment, User
from pb.accounts.services import hash_password
from pb.authz import SYSTEM
from pb.db import utcnow
from pb.editions import services as editions
from pb.editions.models import PHASE_ORDER, Edition, Phase
from pb.mail import QUIET

DEMO_PASSWORD = "budget-participatif"
# Domains that add to the demo (module with `run(session, ctx, edition, phase)`), in this order.
DEMO_MODULES: list[str] = ["pb.ideas.demo", "pb.voting.demo", "pb.ballotbox.demo", "pb.results.demo", "pb.tracking.demo",
                          "pb.barometer.demo"]

SECTORS = [  # name, code, population (approximate, 2020 census), envelope €
    ("Secteur 1 – Berriat, Saint-Bruno, Europole", "secteur-1", 27500, 135_000),
    ("Secteur 2 – Centre-ville, Championnet, Notre-Dame", "secteur-2", 31000, 150_000),
    ("Secteur 3 – Eaux-Claires, Mistral, Rondeau", "secteur-3", 24500, 120_000),
    ("Secteur 4 – Capuche, Exposition-Bajatière, Jean Macé", "secteur-4", 26000, 125_000),
    ("Secteur 5 – Teisseire, Malherbe, Abbaye", "secteur-5", 23000, 115_000),
    ("Secteur 6 – Villeneuve, Village Olympique, Vigny-Musset", "secteur-6", 24000, 155_000),
]

PEOPLE = [  # e-mail, name, role or None
    ("admin@grenoble.example", "Claire Admin", Role.ADMIN),
    ("moderation@grenoble.example", "Malik Modérateur", Role.MODERATOR),
    ("services@grenoble.example", "Rémi Services techniques", Role.REVIEWER),
    ("conseil@grenoble.example", "Sophie Secrétaire de conseil", Role.COUNCIL_SECRETARY),
    ("bureau@grenoble.example", "Paul Président de bureau", Role.POLLING_OFFICER),
    ("alice@grenoble.example", "Alice Martin", None),
    ("bruno@grenoble.example", "Bruno Nguyen", None),
    ("chloe@grenoble.example", "Chloé Benali", None),
    ("david@grenoble.example", "David Rousseau", None),
]


@dataclass
class DemoContext:
    users: dict[str, User] = field(default_factory=dict)
    password: str = DEMO_PASSWORD
    notes: list[str] = field(default_factory=list)  # printed at the end (demo voting codes...)
    data: dict[str, Any] = field(default_factory=dict)  # free space for the domains

    def user(self, key: str) -> User:
        return self.users[key]


def load_demo(session: Session, *, if_empty: bool = False, password: str | None = None) -> str:
    if if_empty and session.scalar(sa.select(sa.func.count()).select_from(Edition)):
        return "demo: the database already holds editions; nothing loaded"
    ctx = DemoContext(password=password or DEMO_PASSWORD)
    session.info[QUIET] = True  # fictional people are never e-mailed
    editions.update_territory(session, SYSTEM, name="Grenoble", insee_code="38185", population=156_389,
                              website="https://www.grenoble.fr")
    _people(session, ctx)
    year = utcnow().year
    plans = [
        (year - 1, Phase.IMPLEMENTATION, "Budget participatif %d"),
        (year, Phase.VOTE, "Budget participatif %d"),
        (year + 1, Phase.SUBMISSION, "Budget participatif %d"),
    ]
    hooks = [importlib.import_module(m).run for m in DEMO_MODULES]
    for y, target, name in plans:
        edition = _edition(session, name % y, f"bp-{y}", y, target)
        for phase in PHASE_ORDER[: PHASE_ORDER.index(target) + 1]:
            if phase != edition.phase:
                editions.set_phase(session, SYSTEM, edition, phase)
            for hook in hooks:
                hook(session, ctx, edition, phase)
            session.flush()
    lines = [
        "Demo loaded: Grenoble, 3 editions (results published and projects under way, vote open, idea submission).",
        f"Accounts (password: {ctx.password}):",
        *[f"  {email:<32} {role.value if role else 'resident'}" for email, _n, role in PEOPLE],
        *ctx.notes,
    ]
    return "\n".join(lines)


def _people(session: Session, ctx: DemoContext) -> None:
    hashed = hash_password(ctx.password)
    for email, name, role in PEOPLE:
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, password_hash=hashed, locale="fr",
                        email_confirmed_at=utcnow())
            session.add(user)
        if role is not None and not any(a.role == role for a in user.roles):
            user.roles.append(RoleAssignment(role=role))
        ctx.users[email.split("@")[0]] = user
    session.flush()


def _edition(session: Session, name: str, slug: str, year: int, target: Phase) -> Edition:
    existing = session.scalar(sa.select(Edition).where(Edition.slug == slug))
    if existing is not None:
        return existing
    edition = editions.create_edition(
        session, SYSTEM, name=name, slug=slug, year=year,
        description=("Chaque année, la Ville consacre une part de son budget d'investissement à des projets "
                     "proposés et choisis par les habitantes et les habitants. Déposez vos idées, suivez leur "
                     "étude par les services, votez pour vos projets préférés."),
    )
    for i, (district_name, code, population, envelope) in enumerate(SECTORS):
        editions.save_district(session, SYSTEM, edition, name=district_name, code=code, envelope_cents=envelope * 100,
                               population=population, position=i)
    editions.save_district(session, SYSTEM, edition, name="Toute la ville", code="ville", envelope_cents=300_000 * 100,
                           population=0, is_citywide=True, position=99)
    editions.update_rules(session, SYSTEM, edition, ballot_type="approval", min_choices=1, max_choices=5,
                          aggregation_rule="greedy", tie_break="cost-votes-draw", comments_before_review=True,
                          comments_during_review=True, comments_during_vote=False, public_meeting_required=True,
                          online_voting=True, paper_voting=True, min_voter_age=16)
    # A calendar placing today inside the target phase.
    today = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    offset = {Phase.SUBMISSION: 0, Phase.REVIEW: 1, Phase.VOTE: 2, Phase.RESULTS: 3, Phase.IMPLEMENTATION: 4}
    shift = offset.get(target, 0)
    windows = {}
    for i, phase in enumerate([Phase.SUBMISSION, Phase.REVIEW, Phase.VOTE, Phase.RESULTS, Phase.IMPLEMENTATION]):
        start = today + dt.timedelta(days=30 * (i - shift) - 10)
        windows[phase] = (start, start + dt.timedelta(days=29 if phase is not Phase.IMPLEMENTATION else 700))
    editions.set_calendar(session, SYSTEM, edition, windows)
    return edition
