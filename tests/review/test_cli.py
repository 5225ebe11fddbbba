from __future__ import annotations

import json

from pb.editions.models import Phase
from pb.ideas.models import IdeaStatus
from pb.review.cli import cli


def test_build_and_show_the_ballot_from_the_command_line(app, session, cycle) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    cycle.idea(edition, status=IdeaStatus.NOT_ADMISSIBLE)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["progress", edition.slug])
    assert result.exit_code == 0 and "2/2" in result.output
    result = runner.invoke(cli, ["build-ballot", edition.slug])
    assert result.exit_code == 0 and "1 project(s) changed status" in result.output
    result = runner.invoke(cli, ["ballot", str(edition.id), "--json"])
    districts = json.loads(result.output)
    assert districts[0]["on_ballot"] == [{"id": idea.project_id, "number": 1, "title": idea.title,
                                          "cost_cents": 40_000_00}]
    cycle.phase(edition, Phase.VOTE)
    session.commit()
    result = runner.invoke(cli, ["build-ballot", edition.slug])
    assert result.exit_code == 1 and "figé" in result.output
