"""Real elections replayed in pb: importing a stored Pabulib file, closing the vote and publishing
the count gives the winners the city announced (what `pb tally --rule auto` gives), and the
exported file re-tallies to the same winners and passes the official Pabulib checker."""

from __future__ import annotations

import contextlib
import io

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.editions.models import Phase
from pb.projects.models import Project, ProjectStatus
from pb.results import opendata, services
from pb.results.importer import import_pabulib
from pb.tally import pabulib, run

from ..tally.helpers import require_data_dir

# Files whose `selected` column gives the winners the city announced, one per rule pb implements.
ANNOUNCED = [
    "Netherlands_Assen_2024.pb",  # equalshares/add1 (MES with Pabulib's completion)
    "Poland_Swiecie_2023.pb",  # equalshares/add1
    "Poland_Wieliczka_2023_Green_Budget.pb",  # equalshares/add1-comparison
    "Poland_Warszawa_2017_Srodmiescie.pb",  # greedy, approval
    "Poland_Gdynia_2020.pb",  # greedy-no-skip with a threshold
    "Poland_Katowice_2023_Ligota_-_Panewniki.pb",  # greedy-threshold, cumulative points
]
# Files without announced winners: pb's count must equal `pb tally --rule auto` on the file.
UNANNOUNCED = [
    "Poland_Zabrze_2020.pb",  # greedy, choose-1
    "Poland_Gdansk_2020_Piecki_Migowo.pb",  # greedy, cumulative points
]


@pytest.mark.parametrize("name", ANNOUNCED + UNANNOUNCED)
def test_import_count_publish_export_gives_the_announced_winners(session, name) -> None:
    path = require_data_dir() / name
    election = pabulib.read(path)
    expected = run(election, "auto")
    announced = [p.id for p in election.projects if p.selected == 1] if name in ANNOUNCED else list(expected.selected)
    assert sorted(expected.selected) == sorted(announced)

    edition = import_pabulib(session, SYSTEM, path)
    assert edition.phase is Phase.RESULTS
    tally = services.run_tally(session, SYSTEM, edition)
    services.publish_run(session, SYSTEM, tally)
    session.flush()
    winners = session.scalars(sa.select(Project.external_ref).where(
        Project.edition_id == edition.id, Project.status == ProjectStatus.WINNER)).all()
    assert sorted(winners) == sorted(announced)
    by_id = {p.id: p.external_ref for p in session.scalars(sa.select(Project).where(Project.edition_id == edition.id))}
    assert [by_id[pid] for pid in tally.districts[0].selected] == list(expected.selected)  # same funding order
    assert tally.ballots == election.num_voters

    (text,) = opendata.export_pabulib(session, edition).values()
    again = pabulib.read(text)
    assert again.num_voters == election.num_voters
    assert sorted(p.id for p in again.projects if p.selected == 1) == sorted(announced)
    assert list(run(again, "auto").selected) == list(expected.selected)


def test_exported_file_passes_the_official_checker(session) -> None:
    from pabulib.checker import Checker

    edition = import_pabulib(session, SYSTEM, require_data_dir() / "Poland_Zabrze_2020.pb")
    services.publish_run(session, SYSTEM, services.run_tally(session, SYSTEM, edition))
    (text,) = opendata.export_pabulib(session, edition).values()
    with contextlib.redirect_stdout(io.StringIO()):
        result = Checker().process_files([text])
    (key,) = [k for k in result if k not in ("metadata", "summary")]
    assert result[key]["results"].get("errors") in (None, {}), result[key]["results"]


def test_a_file_with_ordinal_ballots_is_refused_clearly(session) -> None:
    from pb.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        import_pabulib(session, SYSTEM, require_data_dir() / "Switzerland_Zurich_S5R.pb")
    assert "ordinal" in info.value.text() and "pb tally" in info.value.text()
