"""Paper ballots in the count: keyed ballots of signed-off reports join the online ones per
district, results show each channel, the Pabulib export carries them with voting_method
"paper"; reports given as totals count the same for the greedy rule and are not exported as
ballots. The reconciliation sets the margin against the discrepancy."""

from __future__ import annotations

import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.ballotbox.services import reports, signin
from pb.ballotbox.services.reconcile import reconcile
from pb.editions.services import set_phase
from pb.results.opendata import export_pabulib
from pb.results.services import run_tally
from pb.voting.services import sealed_ballots

from .conftest import open_desk, post_ballot, token_for, voter
from ..voting.conftest import build_world


def _report(session, desk, body):  # type: ignore[no-untyped-def]
    reports.submit_entry(session, desk.officers[0], desk.station, "first", body)
    reports.submit_entry(session, desk.officers[1], desk.station, "second", body)
    reports.sign_off(session, desk.officers[0], desk.station)


def test_online_and_paper_counted_together_with_their_channels(client, session, make) -> None:
    world = build_world(session, make, voters=12)
    keyed = open_desk(session, make, world, name="Mairie")
    totals = open_desk(session, make, world, name="Marché")
    a, b, c = world.ids(0, 3)
    people = [voter(session, world, i) for i in range(0, 12, 2)]  # district q1
    for v in people[:2]:
        assert post_ballot(client, world, token_for(world, v).token, [a]).status_code == 201
    for v in people[2:4]:
        signin.sign_in(session, keyed.officers[0], keyed.station, voter_ref=v.ref)
    for v in people[4:6]:
        signin.sign_in(session, totals.officers[0], totals.station, voter_ref=v.ref)
    set_phase(session, SYSTEM, world.edition, "results")
    # Three envelopes in the keyed box for two sign-ins: one unexplained ballot.
    _report(session, keyed, {"envelopes": 3, "blank": 0, "spoilt": 0,
                             "ballots": [{"choices": [b]}, {"choices": [b, c]}, {"choices": [b]}]})
    _report(session, totals, {"envelopes": 2, "blank": 0, "spoilt": 0, "totals": {str(c): 2, str(b): 1}})
    session.commit()
    paper = [x for x in sealed_ballots(session, world.edition) if x.channel == "paper"]
    assert sorted(sorted(x.choices) for x in paper) == [[b], [b], sorted([b, c])]
    tally = run_tally(session, SYSTEM, world.edition)
    q1 = next(r for r in tally.districts if r.district_id == world.districts[0].id)
    assert q1.channels == {"online": 2, "paper": 5}  # 3 keyed + 2 standing for the totals
    assert (q1.scores[str(a)], q1.scores[str(b)], q1.scores[str(c)]) == (2, 4, 3)
    files = export_pabulib(session, world.edition)
    votes = files["q1"].split("VOTES")[1]
    assert votes.count(";paper") == 3 and votes.count(";internet") == 2  # the totals are not ballots
    result = reconcile(session, SYSTEM, world.edition).as_json()
    by_name = {s["name"]: s for s in result["stations"]}
    assert by_name["Mairie"]["difference"] == 1 and by_name["Marché"]["difference"] == 0
    district = next(d for d in result["districts"] if d["district"] == "q1")
    assert district["ballots"] == 7 and district["discrepancy"] == 1
    # Envelope 100,000 €, four projects of 30,000-30,300 €: three are funded (b 4, c 3, a 2 votes); the
    # fourth (0 votes) needs 3 ballots to pass a (2 votes, ahead in the tie-break).
    assert (district["margin"], district["exact"]) == (3, True) and district["verdict"] == "cannot_change"


def test_margin_on_a_constructed_close_race(client, session, make) -> None:
    # Envelope for one project only: q1's projects cost 60,000 € (a) and 60,100 € (b) for 100,000 €.
    world = build_world(session, make, voters=12, projects_per_district=2, cost_cents=60_000_00)
    desk = open_desk(session, make, world)
    a, b = world.ids(0, 2)
    people = [voter(session, world, i) for i in range(0, 12, 2)]
    for v in people[:3]:
        assert post_ballot(client, world, token_for(world, v).token, [a]).status_code == 201
    for v in people[3:5]:
        signin.sign_in(session, desk.officers[0], desk.station, voter_ref=v.ref)
    assert reconcile(session, SYSTEM, world.edition).districts == []  # sealed before the close
    set_phase(session, SYSTEM, world.edition, "results")
    assert reconcile(session, SYSTEM, world.edition).districts == []  # and before the count
    # a: 3 online votes; b: 2 keyed paper votes (+1 ballot more than sign-ins). a leads by 1... with
    # the lexicographic tie-break (a first), 2 ballots for b would make b win: margin 2, discrepancy 3 - 2 = 1.
    _report(session, desk, {"envelopes": 3, "blank": 1, "spoilt": 0, "ballots": [{"choices": [b]}, {"choices": [b]}]})
    run_tally(session, SYSTEM, world.edition)
    session.commit()
    district = next(d for d in reconcile(session, SYSTEM, world.edition).districts if d["district"] == "q1")
    assert (district["margin"], district["exact"], district["discrepancy"]) == (2, True, 1)
    assert district["verdict"] == "cannot_change" and district["words"]
    # One more unexplained ballot (an offline double vote, say) and the verdict turns.
    from pb.ballotbox.models import StationReport

    report = session.scalar(sa.select(StationReport))
    report.envelopes, report.blank = 4, 2
    session.commit()
    district = next(d for d in reconcile(session, SYSTEM, world.edition).districts if d["district"] == "q1")
    assert district["discrepancy"] == 2 and district["verdict"] == "could_change"


def test_other_rules_get_the_trivial_bound(client, session, make) -> None:
    world = build_world(session, make, voters=4, aggregation_rule="mes-add1")
    set_phase(session, SYSTEM, world.edition, "results")
    run_tally(session, SYSTEM, world.edition)
    session.commit()
    districts = reconcile(session, SYSTEM, world.edition).districts
    assert {(d["margin"], d["exact"], d["method"], d["verdict"]) for d in districts} == {(1, False, "trivial", "cannot_change")}
