"""Demo: a fictional register of Grenoble voters for each edition that reaches the vote,
tokens for all, ballots cast during the vote (most voters for an edition whose vote is over, a
third for the vote in progress), and a few printed tokens and codes to vote in the browser."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.projects.models import ProjectStatus
from pb.projects.services import ballot_projects, create_project, project_costs

LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
              "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Nguyen",
              "Benali", "Haddad", "Rossi", "Diallo", "Chevalier", "Blanc"]
FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Lucas", "Manon", "Nathan", "Inès", "Louis", "Camille", "Jules", "Sarah",
               "Adam", "Emma", "Yanis", "Zoé", "Mohamed", "Jeanne", "Paul", "Aïcha", "Théo", "Lina", "Karim",
               "Élise", "Mathis", "Anaïs", "Rémi", "Julie", "Samir", "Océane", "Gabriel", "Margaux", "Ibrahima",
               "Clémence", "Antoine", "Fatou", "Victor"]
DEMO_PROJECTS = [  # title, cost €, sector index (None: city-wide)
    ("Un jardin partagé rue Ampère", 38_000, 0), ("Des bancs ombragés place Saint-Bruno", 22_000, 0),
    ("Une boîte à livres au parc Paul Mistral", 6_000, 1), ("Végétaliser la cour de l'école Championnet", 85_000, 1),
    ("Un terrain de basket rénové aux Eaux-Claires", 64_000, 2), ("Des fontaines à eau au Rondeau", 30_000, 2),
    ("Un atelier vélo solidaire à Jean Macé", 45_000, 3), ("Éclairer le passage Capuche", 52_000, 3),
    ("Des nichoirs et un hôtel à insectes à l'Abbaye", 9_000, 4), ("Une aire de jeux inclusive à Teisseire", 96_000, 4),
    ("Un four à pain partagé à la Villeneuve", 27_000, 5), ("Un verger au Village Olympique", 41_000, 5),
    ("Des toilettes publiques accessibles en centre-ville", 180_000, None),
    ("Une ressourcerie mobile dans tous les quartiers", 120_000, None),
    ("Planter 500 arbres le long des grands boulevards", 250_000, None),
]
VOTERS = 700  # about a hundred per sector: enough for results that look like a real vote


def _ensure_projects(session: Session, edition: Edition) -> None:
    if ballot_projects(session, edition.id):
        return  # the ideas and review domains put projects on the ballot already
    sectors = [d for d in edition.districts if not d.is_citywide]
    citywide = next((d for d in edition.districts if d.is_citywide), None)
    for title, cost, index in DEMO_PROJECTS:
        district = citywide if index is None else sectors[index % len(sectors)]
        if district is None:
            continue
        create_project(session, SYSTEM, edition, district, title=title, cost_cents=cost * 100, status=ProjectStatus.ON_BALLOT,
                       summary="Projet proposé par des habitantes et des habitants, étudié par les services de la Ville.")


def _register_csv(edition: Edition, rng: random.Random) -> str:
    sectors = [d for d in edition.districts if not d.is_citywide]
    lines = ["last_name,first_name,birth_date,district,email"]
    for i in range(VOTERS):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        email = f"votant{i + 1}.{edition.year}@grenoble.example" if i % 3 == 0 else ""
        lines.append(f"{LAST_NAMES[i % len(LAST_NAMES)]},{FIRST_NAMES[(i * 7) % len(FIRST_NAMES)]},{born.isoformat()},"
                     f"{sectors[i % len(sectors)].code},{email}")
    return "\n".join(lines) + "\n"


def _choose(rng: random.Random, edition: Edition, costs: dict[int, tuple[int, int]], residence: int | None) -> dict[int, int]:
    districts = {d.id: d for d in edition.districts}
    chosen: dict[int, int] = {}
    for district_id in {residence} | {d.id for d in edition.districts if d.is_citywide}:
        mine = [pid for pid, (did, _c) in costs.items() if did == district_id]
        if not mine:
            continue
        kind = str(edition.ballot_type)
        if kind == "majority_judgment":
            chosen.update({pid: rng.randrange(edition.grade_count or 5) for pid in mine})
            continue
        # Some projects are more popular than others, as in a real vote.
        popularity = {pid: random.Random(f"{edition.year}-{pid}").random() ** 2 + 0.05 for pid in mine}
        mine.sort(key=lambda pid: rng.random() * popularity[pid], reverse=True)
        limit = edition.max_choices or len(mine)
        budget = districts[district_id].envelope_cents
        picked = 0
        for pid in mine:
            if picked >= limit or (kind == "knapsack" and costs[pid][1] > budget):
                continue
            chosen[pid] = 1
            budget -= costs[pid][1]
            picked += 1
            if picked >= max(edition.min_choices, 1) and rng.random() < 0.4:
                break
        if kind == "cumulative":
            points = edition.cumulative_points or 10
            ids = list(chosen)
            chosen = {pid: 0 for pid in ids}
            for _ in range(points):
                chosen[rng.choice(ids)] += 1
            chosen = {k: v for k, v in chosen.items() if v}
    return chosen


def run(session: Session, ctx: Any, edition: Edition, phase: Phase) -> None:
    if phase != Phase.VOTE:
        return
    from pb.voting.models import Voter
    from pb.voting.services import import_text, issue_tokens, record_ballot
    from pb.voting.services.snapshot import load
    from pb.voting.services.tokens import read_token

    rng = random.Random(edition.year)
    _ensure_projects(session, edition)
    if not session.scalar(sa.select(sa.func.count()).select_from(Voter).where(Voter.edition_id == edition.id)):
        import_text(session, SYSTEM, edition, _register_csv(edition, rng))
    issued = list(issue_tokens(session, SYSTEM, edition, with_codes=True))
    window = edition.window(Phase.VOTE)
    vote_is_over = window is not None and window.ends_at < utcnow()
    share = 0.8 if vote_is_over else 0.33
    costs = project_costs(session, edition.id)
    voting_time = (window.starts_at + dt.timedelta(days=2)) if window is not None else utcnow()
    cast = 0
    districts = dict(session.execute(sa.select(Voter.id, Voter.district_id).where(Voter.edition_id == edition.id)).all())
    box = load(session, edition)
    for token in issued[: int(len(issued) * share)]:
        chosen = _choose(rng, edition, costs, districts.get(token.voter_id))
        if not chosen:
            continue
        token_id = read_token(edition, token.token, voting_time)
        record_ballot(session, edition, token_id, chosen, now=voting_time, client="demo", box=box)
        cast += 1
    if not vote_is_over:
        spare = issued[int(len(issued) * share):][:5]
        ctx.notes.append(f"Vote open in “{edition.name}”: {cast} ballots cast; vote in the browser with one of these "
                         f"links (one vote each), or type a code at /vote:")
        ctx.notes.extend(f"  {t.url}   code {t.code}" for t in spare)
