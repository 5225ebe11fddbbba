from __future__ import annotations

import sqlalchemy as sa

from pb.accounts.models import User
from pb.demo import load_demo
from pb.editions.models import Edition, Phase, Territory


def test_demo_loads_a_territory_with_editions_in_several_phases(session) -> None:
    summary = load_demo(session)
    session.commit()
    assert session.scalar(sa.select(Territory.insee_code)) == "38185"
    phases = {e.slug.split("-")[1]: e.phase for e in session.scalars(sa.select(Edition))}
    assert sorted(phases.values()) == sorted([Phase.IMPLEMENTATION, Phase.VOTE, Phase.SUBMISSION])
    vote = session.scalars(sa.select(Edition).where(Edition.phase == Phase.VOTE)).one()
    assert len(vote.districts) == 7 and any(d.is_citywide for d in vote.districts) and vote.is_frozen
    assert vote.window(Phase.VOTE) is not None
    admin = session.scalar(sa.select(User).where(User.email == "admin@grenoble.example"))
    assert [a.role for a in admin.roles] == ["admin"]
    assert "admin@grenoble.example" in summary


def test_demo_if_empty_does_not_load_twice(session) -> None:
    load_demo(session)
    session.commit()
    assert "nothing loaded" in load_demo(session, if_empty=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 3


def test_demo_through_the_command_line(app) -> None:
    runner = app.test_cli_runner()
    from pb.cli import main

    result = runner.invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["editions", "list", "--json"])
    import json

    editions = json.loads(result.output)
    assert {e["phase"] for e in editions} == {"implementation", "vote", "submission"}
    assert set(editions[0]) == {"id", "slug", "name", "phase"}


def test_demo_shows_published_results_and_winners_under_way(session) -> None:
    from pb.projects.models import Project, ProjectStatus
    from pb.results.services import published_run
    from pb.tracking.models import ImplementationUpdate

    load_demo(session)
    session.commit()
    done = session.scalars(sa.select(Edition).where(Edition.phase == Phase.IMPLEMENTATION)).one()
    tally = published_run(session, done)
    assert tally is not None and tally.ballots > 0
    statuses = set(session.scalars(sa.select(Project.status).where(Project.edition_id == done.id)))
    assert {ProjectStatus.IN_STUDY, ProjectStatus.IN_WORKS, ProjectStatus.DELIVERED, ProjectStatus.NOT_SELECTED} <= statuses
    assert session.scalar(sa.select(sa.func.count()).select_from(ImplementationUpdate)) > 0
