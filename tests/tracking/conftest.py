from __future__ import annotations

import pytest

from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project


@pytest.fixture
def winners(session, make):
    """An edition whose results are out, with two winners and one project not selected."""
    edition = make.edition(districts=2, slug="bp-done")
    d0, d1 = edition.districts
    a = create_project(session, SYSTEM, edition, d0, title="Jardin partagé", cost_cents=40_000_00, status=ProjectStatus.WINNER)
    b = create_project(session, SYSTEM, edition, d1, title="Pistes cyclables", cost_cents=90_000_00, status=ProjectStatus.WINNER)
    c = create_project(session, SYSTEM, edition, d1, title="Kiosque", cost_cents=20_000_00, status=ProjectStatus.NOT_SELECTED)
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    session.flush()
    return edition, a, b, c
