"""Signing in at a connected station: one person, one participation, whatever the channel
comes first; lookups by reference and by identity (hashed as the register hashes it)."""

from __future__ import annotations

import sqlalchemy as sa

from pb.voting.models import Channel, Participation

from .conftest import identity_of, open_desk, own_choices, participations, post_ballot, token_for, voter
from ..voting.conftest import build_world


def _signin(client, desk, body, i=0):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/stations/{desk.id}/signins", json=body, headers=desk.headers(i))


def test_desk_signin_then_online_vote_is_refused(client, session, paper) -> None:
    world, desk = paper
    v = voter(session, world, 0)  # district q1, as the desk
    answer = _signin(client, desk, {"voter_ref": v.ref})
    assert answer.status_code == 201, answer.json
    assert answer.json["scopes"] == ["district"] and answer.json["district"] == "q1"
    refused = post_ballot(client, world, token_for(world, v).token, own_choices(world, v))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "already_voted_paper"
    rows = participations(session, v.voter_key)
    assert [(r.channel, r.station_id) for r in rows] == [(Channel.PAPER, desk.id)]


def test_online_vote_then_desk_signin_is_refused_with_where_and_when(client, session, paper) -> None:
    world, desk = paper
    v = voter(session, world, 2)
    assert post_ballot(client, world, token_for(world, v).token, own_choices(world, v)).status_code == 201
    looked = client.get(f"/api/v1/stations/{desk.id}/lookup", query_string={"voter_ref": v.ref}, headers=desk.headers())
    assert looked.status_code == 200
    assert looked.json["status"] == "already_voted" and looked.json["channel"] == "online" and looked.json["at"]
    refused = _signin(client, desk, {"voter_ref": v.ref})
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "already_voted"
    assert refused.json["existing"]["channel"] == "online" and refused.json["existing"]["station"] is None
    assert [r.channel for r in participations(session, v.voter_key)] == [Channel.ONLINE]


def test_second_signin_at_another_station_names_the_first(client, session, make, paper) -> None:
    world, desk = paper
    other = open_desk(session, make, world, name="Bureau 2", officers=1)
    v = voter(session, world, 4)
    assert _signin(client, desk, {"voter_ref": v.ref}).status_code == 201
    refused = _signin(client, other, {"voter_ref": v.ref})
    assert refused.status_code == 409
    assert refused.json["existing"]["station"] == desk.station.name
    assert "Bureau q1" in refused.json["error"]["message"]


def test_lookup_by_identity_uses_the_register_normalisation(client, session, paper) -> None:
    world, desk = paper
    who = identity_of(0)
    variant = {"last_name": who["last_name"].upper(), "first_name": "prenom0 Marie",
               "birth_date": "01/01/1980"}  # case, accents, a second given name, a French date
    looked = client.get(f"/api/v1/stations/{desk.id}/lookup", query_string=variant, headers=desk.headers())
    assert looked.status_code == 200, looked.json
    assert looked.json == {"status": "may_vote", "voter_ref": voter(session, world, 0).ref, "channel": None,
                           "at": None, "station": None}
    signed = _signin(client, desk, who)
    assert signed.status_code == 201
    again = client.get(f"/api/v1/stations/{desk.id}/lookup", query_string=who, headers=desk.headers())
    assert again.json["status"] == "already_voted" and again.json["station"] == desk.station.name


def test_not_registered_and_incomplete_identity(client, paper) -> None:
    _world, desk = paper
    missing = client.get(f"/api/v1/stations/{desk.id}/lookup", headers=desk.headers(),
                         query_string={"last_name": "Personne", "first_name": "Nul", "birth_date": "1970-01-01"})
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_registered"
    assert _signin(client, desk, {"voter_ref": "XXXXX-XXXXX"}).json["error"]["code"] == "not_registered"
    incomplete = _signin(client, desk, {"last_name": "Habitant0"})
    assert incomplete.status_code == 422 and incomplete.json["error"]["code"] == "invalid"
    bad_date = _signin(client, desk, {**identity_of(0), "birth_date": "31/02/1980"})
    assert bad_date.status_code == 422


def test_a_voter_of_another_district_is_sent_to_their_station(client, session, paper) -> None:
    world, desk = paper
    v = voter(session, world, 1)  # district q2; the desk is in q1
    refused = _signin(client, desk, {"voter_ref": v.ref})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_eligible"
    assert participations(session, v.voter_key) == []


def test_citywide_station_signs_in_every_scope(client, session, make) -> None:
    world = build_world(session, make, voters=4, citywide=True)
    desk = open_desk(session, make, world, district=None, officers=1)
    v = voter(session, world, 1)
    answer = _signin(client, desk, {"voter_ref": v.ref})
    assert answer.status_code == 201 and answer.json["scopes"] == ["district", "citywide"]
    rows = participations(session, v.voter_key)
    assert sorted(r.district_id for r in rows) == sorted([v.district_id, world.citywide.id])
    # An online vote in the city-wide scope only is refused as well.
    citywide_only = [world.projects[world.citywide.id][0].id]
    refused = post_ballot(client, world, token_for(world, v).token, citywide_only)
    assert refused.json["error"]["code"] == "already_voted_paper"


def test_refusals_leave_nothing_written(client, session, paper) -> None:
    world, desk = paper
    session.commit()
    before = session.scalar(sa.select(sa.func.count()).select_from(Participation))
    for body in ({"voter_ref": voter(session, world, 1).ref}, {"voter_ref": "nope"}, {}, {"last_name": 3}):
        assert _signin(client, desk, body).status_code in (403, 404, 422)
    assert client.post(f"/api/v1/stations/{desk.id}/signins", data="not json", headers=desk.headers()).status_code == 400
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == before
