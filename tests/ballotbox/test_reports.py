"""The procès-verbal: two independent entries compared field by field and ballot by ballot,
sign-off only when they agree, figures that do not add up refused, keyed ballots validated as
online ballots (an invalid one kept as spoilt with its reason), locked after sign-off except
for an administrator with a reason."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.ballotbox import errors
from pb.ballotbox.models import PaperBallot, StationReport
from pb.ballotbox.services import reports
from pb.ballotbox.services.stations import close_station
from pb.errors import Forbidden

from .conftest import open_desk
from ..voting.conftest import build_world


def _post(client, desk, body, i=0):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/stations/{desk.id}/report", json=body, headers=desk.headers(i))


def _closed(session, desk):  # type: ignore[no-untyped-def]
    close_station(session, SYSTEM, desk.station)
    session.commit()
    return desk


def test_report_only_once_closed(client, session, paper) -> None:
    world, desk = paper
    body = {"entry": "first", "envelopes": 0, "blank": 0, "spoilt": 0, "totals": {}}
    refused = _post(client, desk, body)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "station_open"
    _closed(session, desk)
    assert _post(client, desk, body).status_code == 200


def test_double_entry_mismatch_blocks_sign_off_until_they_agree(client, session, paper) -> None:
    world, desk = _closed_paper = paper
    _closed(session, desk)
    a, b = world.ids(0, 2)
    first = {"entry": "first", "envelopes": 10, "blank": 1, "spoilt": 1, "totals": {str(a): 6, str(b): 4}}
    state = _post(client, desk, first, 0)
    assert state.json["state"] == "awaiting_second_entry"
    second = {**first, "entry": "second", "blank": 2, "spoilt": 0, "totals": {str(a): 6, str(b): 5}}
    state = _post(client, desk, second, 1)
    assert state.json["state"] == "mismatch"
    assert state.json["mismatches"] == ["blank", "spoilt", f"totals.{b}"]
    refused = client.post(f"/api/v1/stations/{desk.id}/report/sign-off", headers=desk.headers(0))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "report_not_agreed"
    assert session.scalar(sa.select(sa.func.count()).select_from(StationReport)) == 0
    # The second officer keys again, correctly.
    assert _post(client, desk, {**first, "entry": "second"}, 1).json["state"] == "agreed"
    signed = client.post(f"/api/v1/stations/{desk.id}/report/sign-off", headers=desk.headers(1))
    assert signed.status_code == 200 and signed.json["state"] == "signed_off"
    assert signed.json["report"]["valid"] == 8 and signed.json["report"]["totals"] == {str(a): 6, str(b): 4}
    locked = _post(client, desk, first, 0)
    assert locked.status_code == 409 and locked.json["error"]["code"] == "report_signed_off"


def test_the_second_entry_needs_another_officer(client, session, paper) -> None:
    _world, desk = paper
    _closed(session, desk)
    body = {"envelopes": 1, "blank": 1, "spoilt": 0, "totals": {}}
    assert _post(client, desk, {**body, "entry": "first"}, 0).status_code == 200
    refused = _post(client, desk, {**body, "entry": "second"}, 0)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "same_officer"


@pytest.mark.parametrize("change, code", [
    ({"envelopes": 3, "blank": 2, "spoilt": 2}, "report_inconsistent"),  # blank + spoilt > envelopes
    ({"totals": {"A": 1}}, "report_inconsistent"),  # (A: replaced by a project of the other district)
    ({"totals": {"P": 99}}, "report_inconsistent"),  # more votes than valid ballots
    ({"envelopes": -1}, "malformed"),
    ({"blank": "deux"}, "malformed"),
    ({"totals": None}, "malformed"),  # neither totals nor ballots
    ({"ballots": []}, "malformed"),  # both
    ({"entry": "third"}, "malformed"),
])
def test_figures_that_do_not_add_up_are_refused(client, session, paper, change, code) -> None:
    world, desk = paper
    _closed(session, desk)
    mine, other = world.ids(0, 1)[0], world.ids(1, 1)[0]
    body = {"entry": "first", "envelopes": 5, "blank": 1, "spoilt": 0, "totals": {str(mine): 3}}
    change = dict(change)
    if change.get("totals") == {"A": 1}:
        change["totals"] = {str(other): 1}
    if change.get("totals") == {"P": 99}:
        change["totals"] = {str(mine): 99}
    refused = _post(client, desk, {**body, **change})
    assert refused.status_code in (400, 422) and refused.json["error"]["code"] == code, refused.json
    assert reports.report_state(session, desk.station).state == "awaiting_first_entry"


def test_totals_beyond_the_maximum_number_of_choices_are_refused(client, session, make) -> None:
    world = build_world(session, make, voters=2, max_choices=1)
    desk = _closed(session, open_desk(session, make, world))
    a, b = world.ids(0, 2)
    refused = _post(client, desk, {"entry": "first", "envelopes": 4, "blank": 0, "spoilt": 0,
                                   "totals": {str(a): 3, str(b): 3}})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "report_inconsistent"


def test_keyed_ballots_compared_one_by_one_and_validated_as_online_ballots(client, session, make) -> None:
    world = build_world(session, make, voters=2, max_choices=2)
    desk = _closed(session, open_desk(session, make, world))
    a, b, c = world.ids(0, 3)
    other = world.ids(1, 1)[0]
    ballots = [{"choices": [a, b]}, {"choices": [b]}, {"choices": [a, b, c]}, {"choices": [other]}, {"choices": "x"}]
    body = {"envelopes": 7, "blank": 1, "spoilt": 1, "ballots": ballots}
    assert _post(client, desk, {**body, "entry": "first"}, 0).status_code == 200
    swapped = [{"choices": [b, a]}, {"choices": [c]}] + ballots[2:]  # order inside a ballot does not matter
    state = _post(client, desk, {**body, "entry": "second", "ballots": swapped}, 1).json
    assert state["state"] == "mismatch" and state["mismatches"] == ["ballots[2]"]
    state = _post(client, desk, {**body, "entry": "second", "ballots": [{"choices": [b, a]}] + ballots[1:]}, 1).json
    assert state["state"] == "agreed"
    report = client.post(f"/api/v1/stations/{desk.id}/report/sign-off", headers=desk.headers(0)).json["report"]
    assert report["valid"] == 2 and report["keyed"] == 5 and report["spoilt"] == 1 + 3 and report["blank"] == 1
    assert [(r["ballot"], r["code"]) for r in report["rejected"]] == [
        (3, "too_many_choices"), (4, "unknown_project"), (5, "malformed")]  # 4: not on this paper
    assert all(r["reason"] for r in report["rejected"])
    assert report["totals"] == {str(a): 1, str(b): 2}
    session.commit()
    stored = session.scalars(sa.select(PaperBallot.choices).where(PaperBallot.station_id == desk.id)).all()
    assert sorted(sorted(c) for c in stored) == sorted([sorted([str(a), str(b)]), [str(b)]])


def test_rules_that_need_ballots_refuse_totals(client, session, make) -> None:
    world = build_world(session, make, voters=2, aggregation_rule="mes-add1")
    desk = _closed(session, open_desk(session, make, world))
    refused = _post(client, desk, {"entry": "first", "envelopes": 1, "blank": 0, "spoilt": 0,
                                   "totals": {str(world.ids(0, 1)[0]): 1}})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "keyed_ballots_required"
    mj = build_world(session, make, voters=2, ballot_type="majority_judgment")
    desk = _closed(session, open_desk(session, make, mj, name="MJ"))
    a = mj.ids(0, 1)[0]
    ok = _post(client, desk, {"entry": "first", "envelopes": 2, "blank": 0, "spoilt": 0,
                              "ballots": [{"grades": {str(a): 4}}, {"grades": {str(a): 9}}]})
    assert ok.status_code == 200


def test_a_signed_off_report_changes_only_by_an_administrator_with_a_reason(client, session, make, paper) -> None:
    world, desk = paper
    _closed(session, desk)
    a = world.ids(0, 1)[0]
    body = {"envelopes": 3, "blank": 0, "spoilt": 0, "totals": {str(a): 3}}
    _post(client, desk, {**body, "entry": "first"}, 0)
    _post(client, desk, {**body, "entry": "second"}, 1)
    reports.sign_off(session, desk.officers[0], desk.station)
    session.commit()
    with pytest.raises(errors.ReportSignedOff):
        reports.sign_off(session, desk.officers[0], desk.station)
    with pytest.raises(Forbidden):
        reports.amend_report(session, desk.officers[0], desk.station, {**body, "envelopes": 4}, "recount")
    admin = make.admin()
    with pytest.raises(errors.ReasonRequired):
        reports.amend_report(session, admin, desk.station, {**body, "envelopes": 4, "blank": 1}, "  ")
    report = reports.amend_report(session, admin, desk.station, {**body, "envelopes": 4, "blank": 1},
                                  "recount before the commission")
    session.commit()
    assert (report.envelopes, report.blank, report.valid) == (4, 1, 3) and report.amended_at is not None
    line = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "station.report_amend"))
    assert line.detail["reason"] == "recount before the commission"
    assert line.before["envelopes"] == 3 and line.after["envelopes"] == 4


def test_report_pages_and_print(client, auth, session, paper) -> None:
    world, desk = paper
    _closed(session, desk)
    a, b = world.ids(0, 2)
    numbers = {p.id: p.number for p in world.projects[world.districts[0].id]}
    auth.login(desk.officers[0])
    page = client.post(f"/desk/{desk.id}/report", data={
        "entry": "first", "envelopes": "3", "blank": "0", "spoilt": "0",
        "ballots": f"{numbers[a]} {numbers[b]}\n{numbers[b]}\n999"})
    assert page.status_code == 302, page.get_data(as_text=True)
    entry = reports.report_state(session, desk.station).entries["first"]
    assert entry.ballots == [{"choices": sorted([a, b])}, {"choices": [b]}, {"choices": ["n999"]}]
    bad = client.post(f"/desk/{desk.id}/report", data={"entry": "second", "envelopes": "9", "blank": "0",
                                                        "spoilt": "0", "ballots": "1"})
    assert bad.status_code == 422
    printed = client.get(f"/stations/{desk.id}/report.html")
    assert printed.status_code == 200 and "Procès-verbal du bureau de vote" in printed.get_data(as_text=True)
