"""No input gives a 500: odd bodies, parameters and files on every station route (API and pages)."""

from __future__ import annotations

import io

from pb.authz import SYSTEM
from pb.ballotbox.services.stations import close_station

from .conftest import open_desk

ODD = [None, 0, -1, 10**30, 1.5, True, "", "x" * 5000, [], {}, [[]], {"a": {"b": []}}, "\u0000", "é", [1, "2", None]]


def test_station_api_never_answers_500(client, session, make, paper) -> None:
    world, desk = paper
    url, h = f"/api/v1/stations/{desk.id}", desk.headers()
    for value in ODD:
        for field in ("voter_ref", "last_name", "first_name", "birth_date"):
            assert client.post(url + "/signins", json={field: value}, headers=h).status_code < 500
            assert client.get(url + "/lookup", query_string={field: str(value)}, headers=h).status_code < 500
        assert client.post(url + "/signins", json=value, headers=h).status_code < 500
    assert client.post(url + "/signins", data=b"\xff\xfe", headers={**h, "Content-Type": "application/json"}).status_code < 500
    close_station(session, SYSTEM, desk.station)
    session.commit()
    base = {"entry": "first", "envelopes": 1, "blank": 0, "spoilt": 0}
    for value in ODD:
        for field in ("entry", "envelopes", "blank", "spoilt", "totals", "ballots"):
            body = {**base, "totals": {}, field: value}
            if field == "ballots":
                body.pop("totals")
            assert client.post(url + "/report", json=body, headers=h).status_code < 500, (field, value)
        assert client.post(url + "/report", json={**base, "ballots": [value] * 1}, headers=h).status_code < 500
        assert client.post(url + "/report", json={**base, "totals": {str(value): 1}}, headers=h).status_code < 500
        assert client.post(url + "/report", json={**base, "totals": {"1": value}}, headers=h).status_code < 500
    offline = open_desk(session, make, world, name="Hors ligne", offline=True, officers=1)
    close_station(session, SYSTEM, offline.station)
    session.commit()
    for data in (b"", b"\xff\xfe\x00", b"voter_ref,time\n" + b"x," * 1000 + b"\n", b"time\n1\n", "é;ü\n".encode()):
        answer = client.post(f"/api/v1/stations/{offline.id}/signin-list", data=data, headers=offline.headers())
        assert answer.status_code < 500, data
    for path in ("/lookup", "/report", "/close", "/signins"):
        assert client.get(f"/api/v1/stations/99999999999999999999{path}", headers=h).status_code < 500


def test_desk_pages_never_answer_500(client, auth, session, paper) -> None:
    _world, desk = paper
    auth.login(desk.officers[0])
    for data in ({"birth_date": "31/02/2000", "action": "lookup"}, {"voter_ref": "x" * 500, "action": "signin"},
                 {"last_name": "a", "first_name": "b", "birth_date": "2000-01-01", "action": "signin"}):
        assert client.post(f"/desk/{desk.id}", data=data).status_code < 500
    close_station(session, SYSTEM, desk.station)
    session.commit()
    for data in ({"entry": "first", "envelopes": "abc"}, {"entry": "zzz", "envelopes": "1"},
                 {"entry": "first", "envelopes": "1", "ballots": "1=\n==\n;;;"},
                 {"entry": "first", "envelopes": "2", "total-1": "-5"}):
        assert client.post(f"/desk/{desk.id}/report", data=data).status_code < 500
    assert client.post(f"/desk/{desk.id}/upload", data={"file": (io.BytesIO(b"x"), "a.csv")},
                       content_type="multipart/form-data").status_code < 500
    assert client.get("/desk/999999").status_code == 404
