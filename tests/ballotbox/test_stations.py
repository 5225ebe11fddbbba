"""Stations, officers and keys: an officer acts only for their station and only while it is
open; keys are bearer credentials stored as hashes, revocable, bound to one officer and station."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.ballotbox import errors
from pb.ballotbox.models import StationKey
from pb.ballotbox.services import signin
from pb.ballotbox.services import stations as svc
from pb.cli import main
from pb.db import utcnow
from pb.errors import ValidationFailed

from .conftest import open_desk, voter
from ..voting.conftest import build_world


def _signin(client, desk, ref, i=0):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/stations/{desk.id}/signins", json={"voter_ref": ref}, headers=desk.headers(i))


def test_an_officer_of_another_station_is_refused(client, session, make, paper) -> None:
    world, desk = paper
    other = open_desk(session, make, world, name="Bureau voisin", officers=1)
    v = voter(session, world, 0)
    # A key of the other station, on this station's address.
    refused = client.post(f"/api/v1/stations/{desk.id}/signins", json={"voter_ref": v.ref}, headers=other.headers())
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_your_station"
    with pytest.raises(errors.NotYourStation):
        signin.sign_in(session, other.officers[0], desk.station, voter_ref=v.ref)
    with pytest.raises(errors.NotYourStation):
        svc.close_station(session, other.officers[0], desk.station)
    session.rollback()
    assert client.get(f"/api/v1/stations/{desk.id}/report", headers=other.headers()).status_code == 403


def test_outside_the_opening_hours_nobody_is_signed_in(client, session, make, paper) -> None:
    world, _desk = paper
    now = utcnow()
    later = open_desk(session, make, world, name="Ouvre demain", officers=1,
                      opens=now + dt.timedelta(days=1), closes=now + dt.timedelta(days=1, hours=8))
    earlier = open_desk(session, make, world, name="Fermé hier", officers=1,
                        opens=now - dt.timedelta(days=1, hours=8), closes=now - dt.timedelta(days=1))
    v = voter(session, world, 0)
    for desk, state in ((later, "not_open"), (earlier, "closed")):
        assert svc.state(desk.station) == state
        refused = _signin(client, desk, v.ref)
        assert refused.status_code == 403 and refused.json["error"]["code"] == "station_closed"
    # Inside a window (two windows: a morning and an afternoon), and then between them.
    svc.set_windows(session, SYSTEM, later.station, [(now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)),
                                                     (now + dt.timedelta(hours=3), now + dt.timedelta(hours=5))])
    session.commit()
    assert svc.is_open(later.station) and not svc.is_open(later.station, now + dt.timedelta(hours=2))
    assert svc.closes_at(later.station) == now + dt.timedelta(hours=5)
    assert _signin(client, later, v.ref).status_code == 201


def test_closing_early_stops_the_signins_and_the_key_then_serves_the_report(client, session, paper) -> None:
    world, desk = paper
    closed = client.post(f"/api/v1/stations/{desk.id}/close", headers=desk.headers())
    assert closed.status_code == 200 and closed.json["state"] == "closed"
    refused = _signin(client, desk, voter(session, world, 0).ref)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "station_closed"
    report = client.get(f"/api/v1/stations/{desk.id}/report", headers=desk.headers())
    assert report.status_code == 200 and report.json["state"] == "awaiting_first_entry"


def test_a_vote_not_open_or_without_paper_refuses_the_desk(client, session, make) -> None:
    from pb.editions.services import update_rules

    world = build_world(session, make, voters=2, phase="review")
    desk = open_desk(session, make, world, officers=1)
    assert _signin(client, desk, voter(session, world, 0).ref).json["error"]["code"] == "station_closed"
    other = build_world(session, make, voters=2, phase="draft")
    update_rules(session, SYSTEM, other.edition, paper_voting=False)
    from pb.editions.services import set_phase

    set_phase(session, SYSTEM, other.edition, "vote")
    session.commit()
    no_paper = open_desk(session, make, other, officers=1)
    answer = _signin(client, no_paper, voter(session, other, 0).ref)
    assert answer.status_code == 409 and answer.json["error"]["code"] == "paper_voting_disabled"


def test_keys_are_hashed_revocable_and_die_with_the_officer(client, session, paper) -> None:
    world, desk = paper
    stored = session.scalars(sa.select(StationKey.key_hash)).all()
    assert all(desk.keys[0] not in h and len(h) == 64 for h in stored)
    v = voter(session, world, 0)
    for header in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"},
                   {"Authorization": "Bearer " + "x" * 500}):
        refused = client.post(f"/api/v1/stations/{desk.id}/signins", json={"voter_ref": v.ref}, headers=header)
        assert refused.status_code == 401 and refused.json["error"]["code"] == "station_key_invalid"
    key_id = session.scalar(sa.select(StationKey.id).where(StationKey.officer_id == desk.officers[0].id))
    svc.revoke_key(session, desk.officers[0], desk.station, key_id)
    session.commit()
    assert _signin(client, desk, v.ref, 0).status_code == 401
    svc.revoke_officer(session, SYSTEM, desk.station, desk.officers[1].id)
    session.commit()
    assert _signin(client, desk, v.ref, 1).status_code == 401


def test_only_an_officer_of_the_station_gets_a_key(session, make, paper) -> None:
    _world, desk = paper
    stranger = make.user()
    with pytest.raises(errors.NotYourStation):
        svc.create_key(session, stranger, desk.station, stranger)
    with pytest.raises(ValidationFailed):
        svc.create_key(session, SYSTEM, desk.station, stranger)
    key, raw = svc.create_key(session, desk.officers[0], desk.station, desk.officers[0], label="tablette")
    assert raw.startswith(svc.KEY_PREFIX) and key.key_hash == svc.key_hash(raw)


def test_station_validation(session, make, paper) -> None:
    world, desk = paper
    now = utcnow()
    with pytest.raises(ValidationFailed):
        svc.create_station(session, SYSTEM, world.edition, name=desk.station.name)
    with pytest.raises(ValidationFailed):
        svc.create_station(session, SYSTEM, world.edition, name="X", district="nowhere")
    with pytest.raises(ValidationFailed):
        svc.create_station(session, SYSTEM, world.edition, name="Y", opens=now, closes=now)
    with pytest.raises(ValidationFailed):
        svc.create_station(session, SYSTEM, world.edition, name="Z", opens=now)
    with pytest.raises(ValidationFailed):
        svc.create_station(session, SYSTEM, world.edition, name=" \x00")
    odd = svc.create_station(session, SYSTEM, world.edition, name="Salle\x00 des fêtes", address="1 rue\x00")
    assert (odd.name, odd.address) == ("Salle des fêtes", "1 rue")
    officer = make.user()
    from pb.errors import Forbidden

    with pytest.raises(Forbidden):
        svc.create_station(session, officer, world.edition, name="W")


def test_command_line(app, session, make) -> None:
    world = build_world(session, make, voters=2)
    runner = app.test_cli_runner()
    created = runner.invoke(main, ["stations", "create", world.slug, "--name", "Mairie annexe", "--district", "q1",
                                   "--opens", "2030-03-14T08:00", "--closes", "2030-03-14T18:00", "--json"])
    assert created.exit_code == 0, created.output
    station_id = json.loads(created.output)["id"]
    officer = runner.invoke(main, ["stations", "officer", world.slug, str(station_id), "bureau@ville.example",
                                   "--create", "--password", "a long password 42"])
    assert officer.exit_code == 0, officer.output
    key = runner.invoke(main, ["stations", "key", world.slug, str(station_id), "--officer", "bureau@ville.example",
                               "--json"])
    assert key.exit_code == 0, key.output
    raw = json.loads(key.output)["key"]
    session.expire_all()
    station = svc.get_station(session, world.edition, station_id)
    assert svc.authenticate_key(session, station_id, raw)[1].email == "bureau@ville.example"
    assert svc.state(station) == "not_open" and station.windows[0].starts_at.hour == 7  # 08:00 Paris in March = 07:00 UTC
    listed = json.loads(runner.invoke(main, ["stations", "list", world.slug, "--json"]).output)
    assert listed[0]["officers"] == ["bureau@ville.example"]
    closed = runner.invoke(main, ["stations", "close", world.slug, str(station_id), "--yes"])
    assert closed.exit_code == 0
    session.expire_all()
    assert svc.state(svc.get_station(session, world.edition, station_id)) == "closed"
    unknown = runner.invoke(main, ["stations", "officer", world.slug, str(station_id), "nobody@ville.example"])
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
    assert runner.invoke(main, ["stations", "key", world.slug, "999999", "--officer", "bureau@ville.example"]).exit_code != 0
