"""The pages: the officer's desk (lookup, sign-in, keys, closing, report, print) and the
administrators' pages (stations, officers, reconciliation and its CSV)."""

from __future__ import annotations

import sqlalchemy as sa

from pb.ballotbox.models import PollingStation, StationKey, StationOfficer
from pb.voting.models import Participation

from .conftest import fresh_locale, open_desk, voter


def test_officer_signs_a_voter_in_at_the_desk(client, auth, session, paper) -> None:
    world, desk = paper
    auth.login(desk.officers[0])
    fresh_locale()
    assert desk.station.name in client.get("/desk/").get_data(as_text=True)
    v = voter(session, world, 0)
    page = client.post(f"/desk/{desk.id}", data={"voter_ref": v.ref, "action": "lookup"})
    assert page.status_code == 200
    assert "peut voter" in page.get_data(as_text=True)
    done = client.post(f"/desk/{desk.id}", data={"voter_ref": v.ref, "action": "signin"})
    assert done.status_code == 200 and "Émargé" in done.get_data(as_text=True)
    again = client.post(f"/desk/{desk.id}", data={"voter_ref": v.ref, "action": "lookup"})
    assert "déjà émargé" in again.get_data(as_text=True)
    refused = client.post(f"/desk/{desk.id}", data={"voter_ref": v.ref, "action": "signin"})
    assert refused.status_code == 409 and "a déjà voté" in refused.get_data(as_text=True)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 1


def test_desk_refusals_are_shown_and_keep_nothing(client, auth, session, make, paper) -> None:
    world, desk = paper
    auth.login(desk.officers[0])
    other = voter(session, world, 1)  # another district
    page = client.post(f"/desk/{desk.id}", data={"voter_ref": other.ref, "action": "signin"})
    assert page.status_code == 403 and "ne peut pas voter" in page.get_data(as_text=True)
    assert client.post(f"/desk/{desk.id}", data={"last_name": "X", "action": "lookup"}).status_code == 422
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0
    stranger = open_desk(session, make, world, name="Autre bureau", officers=1)
    assert client.get(f"/desk/{stranger.id}").status_code == 403
    assert client.get(f"/admin/editions/{world.edition.id}/stations").status_code == 403


def test_keys_and_closing_from_the_desk(client, auth, session, paper) -> None:
    _world, desk = paper
    auth.login(desk.officers[0])
    page = client.post(f"/desk/{desk.id}/keys", data={"label": "Tablette 1"})
    assert page.status_code == 200 and "pbst_" in page.get_data(as_text=True)
    assert client.post(f"/desk/{desk.id}/close", data={}).status_code == 422  # not confirmed
    closed = client.post(f"/desk/{desk.id}/close", data={"confirm": "y"})
    assert closed.status_code == 302
    session.expire_all()
    assert session.get(PollingStation, desk.id).closed_at is not None
    assert client.get(f"/desk/{desk.id}/report").status_code == 200


def test_administrator_creates_a_station_and_an_officer(client, auth, session, make, paper) -> None:
    world, _desk = paper
    admin = make.admin()
    officer = make.user("agent@ville.example")
    session.commit()
    auth.login(admin)
    created = client.post(f"/admin/editions/{world.edition.id}/stations",
                          data={"name": "Gymnase", "district": "q2", "opens": "2030-03-14 08:00", "closes": "2030-03-14 18:00"})
    assert created.status_code == 302, created.get_data(as_text=True)
    station = session.scalar(sa.select(PollingStation).where(PollingStation.name == "Gymnase"))
    bad = client.post(f"/admin/editions/{world.edition.id}/stations", data={"name": "Bad", "opens": "demain"})
    assert bad.status_code == 422
    granted = client.post(f"/admin/editions/{world.edition.id}/stations/{station.id}", data={"email": officer.email})
    assert granted.status_code == 302
    assert session.scalar(sa.select(StationOfficer.user_id).where(StationOfficer.station_id == station.id)) == officer.id
    unknown = client.post(f"/admin/editions/{world.edition.id}/stations/{station.id}", data={"email": "x@y.example"})
    assert unknown.status_code == 404 or unknown.status_code == 422
    assert client.get(f"/admin/editions/{world.edition.id}/reconcile").status_code == 200
    csv = client.get(f"/admin/editions/{world.edition.id}/reconcile.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode()) and b";" in csv.data
    assert client.get(f"/stations/{station.id}/report.html").status_code == 200


def test_a_refused_key_keeps_the_device_name(client, auth, session, paper) -> None:
    _world, desk = paper
    auth.login(desk.officers[0])
    keys = sa.select(sa.func.count()).select_from(StationKey)
    before = session.scalar(keys)
    name = "Tablette du hall " + "x" * 80  # longer than a device's name may be
    refused = client.post(f"/desk/{desk.id}/keys", data={"label": name})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert name in page and "pbst_" not in page
    session.commit()
    assert session.scalar(keys) == before


def test_station_times_as_written_in_france(client, auth, session, make, paper) -> None:
    world, _desk = paper
    admin = make.admin()
    session.commit()
    auth.login(admin)
    url = f"/admin/editions/{world.edition.id}/stations"
    created = client.post(url, data={"name": "Salle des fêtes", "opens": "14/03/2030 08:00", "closes": "14/03/2030 18:00"})
    assert created.status_code == 302, created.get_data(as_text=True)
    station = session.scalar(sa.select(PollingStation).where(PollingStation.name == "Salle des fêtes"))
    (window,) = station.windows
    assert (window.ends_at - window.starts_at).total_seconds() == 10 * 3600
    refused = client.post(url, data={"name": "Préau", "closes": "14/03/2030 25:00"})
    assert refused.status_code == 422 and "14/03/2027 08:00" in refused.get_data(as_text=True)
    assert "Préau" in refused.get_data(as_text=True)
