"""Offline stations upload their sign-in list after the close: a person who had already signed in
(online, or at another station) is listed with the counterpart, never merged silently."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.ballotbox import errors
from pb.ballotbox.models import SigninCollision
from pb.ballotbox.services import signin
from pb.ballotbox.services.reconcile import reconcile
from pb.ballotbox.services.stations import close_station
from pb.errors import ValidationFailed
from pb.voting.models import Participation

from .conftest import identity_of, open_desk, own_choices, post_ballot, token_for, voter


def _offline(session, make, world, **kwargs):  # type: ignore[no-untyped-def]
    desk = open_desk(session, make, world, name="Marché (hors ligne)", offline=True, officers=1, **kwargs)
    return desk


def test_offline_list_reports_collisions_with_their_counterparts(client, session, make, paper) -> None:
    world, desk = paper
    offline = _offline(session, make, world)
    online, at_desk, fresh, by_name = (voter(session, world, i) for i in (0, 2, 4, 6))
    assert post_ballot(client, world, token_for(world, online).token, own_choices(world, online)).status_code == 201
    assert client.post(f"/api/v1/stations/{desk.id}/signins", json={"voter_ref": at_desk.ref},
                       headers=desk.headers()).status_code == 201
    close_station(session, SYSTEM, offline.station)
    session.commit()
    who = identity_of(6)
    text = ("\ufeffvoter_ref;last_name;first_name;birth_date;time\n"
            f"{online.ref};;;;14/03/2030 10:05\n"
            f"{at_desk.ref};;;;2030-03-14T10:20\n"
            f"{fresh.ref};;;;14/03/2030 11:00\n"
            f";{who['last_name']};{who['first_name']};{who['birth_date']};14/03/2030 11:30\n")
    answer = client.post(f"/api/v1/stations/{offline.id}/signin-list", data=text.encode(), headers=offline.headers())
    assert answer.status_code == 200, answer.json
    assert answer.json["signed_in"] == 2 and answer.json["collisions"] == 2
    session.commit()
    rows = session.scalars(sa.select(SigninCollision).order_by(SigninCollision.line)).all()
    assert [(r.line, r.voter_ref, r.other_channel, r.other_station_id) for r in rows] == [
        (2, online.ref, "online", None), (3, at_desk.ref, "paper", desk.id)]
    assert rows[0].signed_at == dt.datetime(2030, 3, 14, 9, 5, tzinfo=dt.timezone.utc)  # 10:05 in Paris
    # The counterparts are kept as they were.
    assert session.scalar(sa.select(Participation.station_id).where(Participation.voter_key == at_desk.voter_key)) == desk.id
    assert {session.scalar(sa.select(Participation.station_id).where(Participation.voter_key == v.voter_key))
            for v in (fresh, by_name)} == {offline.id}
    result = reconcile(session, SYSTEM, world.edition).as_json()
    assert [(c["voter_ref"], c["other_channel"], c["other_station"]) for c in result["collisions"]] == [
        (online.ref, "online", None), (at_desk.ref, "paper", desk.station.name)]
    line = next(s for s in result["stations"] if s["id"] == offline.id)
    assert line["signins"] == 4 and line["collisions"] == 2
    again = client.post(f"/api/v1/stations/{offline.id}/signin-list", data=text.encode(), headers=offline.headers())
    assert again.status_code == 422  # already uploaded


def test_a_bad_line_refuses_the_whole_file(session, make, paper) -> None:
    world, _desk = paper
    offline = _offline(session, make, world)
    close_station(session, SYSTEM, offline.station)
    text = (f"voter_ref,time\n{voter(session, world, 0).ref},2030-03-14 10:00\nNOBODY,2030-03-14 10:00\n"
            f"{voter(session, world, 2).ref},yesterday\n")
    with pytest.raises(ValidationFailed) as refused:
        signin.upload_signins(session, offline.officers[0], offline.station, io.StringIO(text))
    assert "3: not_registered" in refused.value.text() and "4: bad_time" in refused.value.text()
    assert session.scalar(sa.select(sa.func.count()).select_from(Participation)) == 0
    with pytest.raises(ValidationFailed):
        signin.upload_signins(session, offline.officers[0], offline.station, io.StringIO("name,when\nx,y\n"))


def test_only_a_closed_offline_station_uploads(session, make, paper) -> None:
    world, desk = paper
    offline = _offline(session, make, world)
    text = f"voter_ref,time\n{voter(session, world, 0).ref},2030-03-14 10:00\n"
    with pytest.raises(errors.StationStillOpen):
        signin.upload_signins(session, offline.officers[0], offline.station, io.StringIO(text))
    close_station(session, SYSTEM, desk.station)
    with pytest.raises(errors.NotOffline):
        signin.upload_signins(session, desk.officers[0], desk.station, io.StringIO(text))
    with pytest.raises(errors.NotYourStation):
        signin.upload_signins(session, desk.officers[0], offline.station, io.StringIO(text))


def test_upload_page(client, auth, session, make, paper) -> None:
    world, _desk = paper
    offline = _offline(session, make, world)
    close_station(session, SYSTEM, offline.station)
    session.commit()
    auth.login(offline.officers[0])
    text = f"voter_ref;time\n{voter(session, world, 0).ref};14/03/2030 10:00\n".encode("utf-8")
    page = client.post(f"/desk/{offline.id}/upload", data={"file": (io.BytesIO(text), "liste.csv")},
                       content_type="multipart/form-data")
    assert page.status_code == 200 and "1 émargements" in page.get_data(as_text=True)
    latin = client.post(f"/desk/{offline.id}/upload", data={"file": (io.BytesIO("é".encode("latin-1")), "l.csv")},
                        content_type="multipart/form-data")
    assert latin.status_code == 422
