from __future__ import annotations

import pytest

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.errors import Forbidden
from pb.projects.models import ProjectStatus as S
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.projects.services import create_project
from pb.results import services
from pb.voting.errors import ResultsSealed

from .conftest import put_ballots


def test_nothing_is_counted_before_the_vote_closes(session, voted) -> None:
    edition, _p = voted
    with pytest.raises(ResultsSealed):
        services.run_tally(session, SYSTEM, edition)
    with pytest.raises(ResultsSealed):
        services.public_results(session, edition)


def test_count_records_each_district_with_channels_and_hash(session, closed) -> None:
    edition, p = closed
    tally = services.run_tally(session, SYSTEM, edition)
    d0, d1 = tally.districts
    # District 1: park 5, bench 7, pool 6 votes: bench (10 000) then pool (50 000) fund; park no longer fits.
    assert d0.selected == [p["bench"].id, p["pool"].id]
    assert d0.spent_cents == 60_000_00 and d0.budget_cents == 100_000_00
    assert d0.scores == {str(p["park"].id): 5, str(p["bench"].id): 7, str(p["pool"].id): 6}
    assert d0.channels == {"online": 7, "paper": 4} and d0.ballots == 11
    # District 2: bike 3 votes (90 000) funded, tree (20 000) no longer fits.
    assert d1.selected == [p["bike"].id] and d1.spent_cents == 90_000_00
    assert tally.ballots == 16 and len(tally.inputs_hash) == 64
    assert d0.explanation["fr"] and d0.explanation["en"] and d0.explanation["fr"] != d0.explanation["en"]
    again = services.run_tally(session, SYSTEM, edition)
    assert again.inputs_hash == tally.inputs_hash and again.id != tally.id
    assert session.query(AuditEntry).filter_by(action="results.run").count() == 2


def test_the_hash_changes_with_any_input(session, closed) -> None:
    edition, p = closed
    first = services.run_tally(session, SYSTEM, edition).inputs_hash
    p["tree"].cost_cents += 1
    assert services.run_tally(session, SYSTEM, edition).inputs_hash != first


def test_publish_makes_winners_and_is_final(session, closed, make) -> None:
    edition, p = closed
    with pytest.raises(Forbidden):
        services.run_tally(session, make.user(), edition)
    tally = services.run_tally(session, SYSTEM, edition)
    services.publish_run(session, SYSTEM, tally)
    assert {k: v.status for k, v in p.items()} == {"park": S.NOT_SELECTED, "bench": S.WINNER, "pool": S.WINNER,
                                                   "bike": S.WINNER, "tree": S.NOT_SELECTED}
    assert services.public_results(session, edition) is tally
    with pytest.raises(services.AlreadyPublished):
        services.publish_run(session, SYSTEM, services.run_tally(session, SYSTEM, edition))


def test_results_are_not_public_before_publication(session, closed) -> None:
    edition, _p = closed
    services.run_tally(session, SYSTEM, edition)
    with pytest.raises(services.NotPublished):
        services.public_results(session, edition)


def test_cumulative_and_majority_judgment_editions(session, make) -> None:
    from pb.editions import services as editions
    from pb.editions.models import Phase
    from pb.projects.services import create_project

    from .conftest import put_ballots

    edition = make.edition(districts=1, envelope_cents=100_00, ballot_type="cumulative", cumulative_points=5,
                           aggregation_rule="greedy", tie_break="lexicographic")
    d = edition.districts[0]
    a, b, c = (create_project(session, SYSTEM, edition, d, title=t, cost_cents=40_00, status=S.ON_BALLOT) for t in "ABC")
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    put_ballots(session, edition, d, [({a: 4, b: 1}, "online"), ({c: 5}, "online"), ({b: 3, c: 2}, "paper")])
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    tally = services.run_tally(session, SYSTEM, edition)
    assert tally.districts[0].selected == [c.id, a.id]  # 7 and 4 points; b (4) ties a and loses on id order
    assert tally.districts[0].scores == {str(a.id): 4, str(b.id): 4, str(c.id): 7}

    mj = make.edition(districts=1, envelope_cents=100_00, ballot_type="majority_judgment", grade_count=5,
                      aggregation_rule="mj", min_choices=0, max_choices=None, tie_break="lexicographic")
    d = mj.districts[0]
    x, y = (create_project(session, SYSTEM, mj, d, title=t, cost_cents=60_00, status=S.ON_BALLOT) for t in "XY")
    editions.set_phase(session, SYSTEM, mj, Phase.VOTE)
    put_ballots(session, mj, d, [({x: 4, y: 1}, "online"), ({x: 3, y: 4}, "online"), ({x: 2, y: 0}, "online")])
    editions.set_phase(session, SYSTEM, mj, Phase.RESULTS)
    tally = services.run_tally(session, SYSTEM, mj)
    assert tally.districts[0].selected == [x.id]  # majority grades: x 3, y 1; only one fits


@pytest.mark.parametrize("fund_unsupported", [False, True])
def test_a_project_nobody_voted_for_is_funded_only_if_the_edition_says_so(session, make, fund_unsupported) -> None:
    edition = make.edition(districts=1, slug=f"bp-unsupported-{fund_unsupported}", envelope_cents=100_000_00,
                           aggregation_rule="greedy", tie_break="lexicographic", fund_unsupported=fund_unsupported)
    d = edition.districts[0]
    voted = create_project(session, edition, d, title="Voté", cost_cents=50_000_00, status=S.ON_BALLOT)
    nobody = create_project(session, edition, d, title="Sans voix", cost_cents=10_000_00, status=S.ON_BALLOT)
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    put_ballots(session, edition, d, [({voted: 1}, "online")] * 3)
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    tally = services.run_tally(session, SYSTEM, edition)
    result = tally.districts[0]
    assert (nobody.id in result.selected) is fund_unsupported and voted.id in result.selected
    assert result.scores[str(nobody.id)] == 0  # shown in the results, with no vote
    said = " ".join(result.explanation["fr"])
    assert ("personne n’a soutenus" in said) is not fund_unsupported
    # The open data is what the rule counted: recounting the published file gives the same winners.
    from pb.results import opendata
    from pb.tally import pabulib, run

    election = pabulib.read(opendata.export_pabulib(session, edition)[d.code])
    assert len(election.projects) == (2 if fund_unsupported else 1)
    assert set(run(election, "greedy", "lexicographic").selected) == {
        p.public_id for p in (voted, nobody) if p.id in result.selected}


def test_majority_judgment_never_funds_a_project_the_majority_rejects(session, make) -> None:
    edition = make.edition(districts=1, slug="bp-mj-rejected", envelope_cents=100_00, ballot_type="majority_judgment",
                           grade_count=5, aggregation_rule="mj", min_choices=0, max_choices=None,
                           tie_break="lexicographic")
    d = edition.districts[0]
    liked, rejected = (create_project(session, edition, d, title=t, cost_cents=40_00, status=S.ON_BALLOT)
                       for t in ("Aimé", "Rejeté"))
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    put_ballots(session, edition, d, [({liked: 4, rejected: 0}, "online"), ({liked: 3, rejected: 4}, "online"),
                                      ({liked: 2}, "online")])  # rejected: grades 0, 4, blank -> majority 0
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    result = services.run_tally(session, SYSTEM, edition).districts[0]
    assert result.selected == [liked.id] and result.scores[str(rejected.id)] == 4
