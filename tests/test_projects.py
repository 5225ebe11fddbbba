from __future__ import annotations

import pytest

from pb.authz import SYSTEM
from pb.errors import ValidationFailed
from pb.projects import services
from pb.projects.models import ProjectStatus


def test_projects_are_numbered_per_edition_and_listed_by_ballot(session, make) -> None:
    edition, other = make.edition(districts=2), make.edition(districts=1)
    d0, d1 = edition.districts
    a = services.create_project(session, SYSTEM, edition, d0, title="Jardin partagé", cost_cents=50_000_00,
                                status=ProjectStatus.ON_BALLOT)
    b = services.create_project(session, SYSTEM, edition, d1, title="Bancs", cost_cents=8_000_00, status=ProjectStatus.ON_BALLOT)
    c = services.create_project(session, SYSTEM, edition, d0, title="Pas encore", cost_cents=1_00)
    x = services.create_project(session, SYSTEM, other, other.districts[0], title="Ailleurs", cost_cents=1_00,
                                status=ProjectStatus.ON_BALLOT)
    assert (a.number, b.number, c.number, x.number) == (1, 2, 3, 1)
    assert a.reference == "001"
    assert services.ballot_projects(session, edition.id) == [a, b]
    assert services.ballot_projects(session, edition.id, d1.id) == [b]
    assert services.project_costs(session, edition.id) == {a.id: (d0.id, 50_000_00), b.id: (d1.id, 8_000_00)}


def test_project_validation(session, make) -> None:
    edition, other = make.edition(districts=1), make.edition(districts=1)
    with pytest.raises(ValidationFailed):
        services.create_project(session, SYSTEM, edition, other.districts[0], title="X", cost_cents=1)
    with pytest.raises(ValidationFailed):
        services.create_project(session, SYSTEM, edition, edition.districts[0], title="X", cost_cents=-1)
    with pytest.raises(ValidationFailed):
        services.create_project(session, SYSTEM, edition, edition.districts[0], title="  ", cost_cents=1)
