from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project
from pb.voting.models import Ballot


def put_ballots(session, edition, district, ballots: list[tuple[dict[Any, int], str]]) -> None:
    """Ballots straight into the box (the voting domain's own tests cover how they get there)."""
    session.execute(sa.insert(Ballot), [
        {"id": uuid.uuid4(), "edition_id": edition.id, "district_id": district.id, "channel": channel,
         "choices": {str(getattr(p, "id", p)): v for p, v in choices.items()}}
        for choices, channel in ballots
    ])


@pytest.fixture
def voted(session, make):
    """A vote with two districts: costs in euros, envelope 100 000 € each, greedy by votes."""
    edition = make.edition(districts=2, slug="bp-vote", envelope_cents=100_000_00, aggregation_rule="greedy",
                           tie_break="lexicographic")
    d0, d1 = edition.districts
    p = {name: create_project(session, SYSTEM, edition, district, title=title, cost_cents=cost * 100, status=ProjectStatus.ON_BALLOT)
         for name, district, title, cost in [
             ("park", d0, "=HYPERLINK(\"x\") parc", 60_000), ("bench", d0, "Bancs", 10_000), ("pool", d0, "Piscine", 50_000),
             ("bike", d1, "Pistes cyclables", 90_000), ("tree", d1, "Arbres", 20_000)]}
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    put_ballots(session, edition, d0, [({p["park"]: 1, p["bench"]: 1}, "online")] * 5
                + [({p["pool"]: 1}, "paper")] * 4 + [({p["bench"]: 1, p["pool"]: 1}, "online")] * 2)
    put_ballots(session, edition, d1, [({p["bike"]: 1}, "online")] * 3 + [({p["tree"]: 1}, "paper")] * 2)
    session.flush()
    return edition, p


@pytest.fixture
def closed(session, voted):
    edition, p = voted
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    session.flush()
    return edition, p
