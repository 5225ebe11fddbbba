"""The station API's answers match the OpenAPI document (schemas of every status they give)."""

from __future__ import annotations

from typing import Any

import jsonschema

from pb.authz import SYSTEM
from pb.ballotbox.services.stations import close_station

from .conftest import open_desk, own_choices, post_ballot, token_for, voter


def _check(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    schema = spec["content"]["application/json"]["schema"]
    jsonschema.validate(response.json, {**schema, "components": doc["components"]})


def test_station_answers_match_the_document(client, session, make, paper) -> None:
    doc = client.get("/api/v1/openapi.json").json
    world, desk = paper
    base = "/api/v1/stations/{station_id}"
    url = f"/api/v1/stations/{desk.id}"
    v, online = voter(session, world, 0), voter(session, world, 2)
    assert post_ballot(client, world, token_for(world, online).token, own_choices(world, online)).status_code == 201
    h = desk.headers()
    _check(doc, base + "/lookup", "get", client.get(url + "/lookup", query_string={"voter_ref": v.ref}, headers=h))
    _check(doc, base + "/lookup", "get", client.get(url + "/lookup", query_string={"voter_ref": "nope"}, headers=h))
    _check(doc, base + "/lookup", "get", client.get(url + "/lookup", query_string={"voter_ref": v.ref}))
    _check(doc, base + "/signins", "post", client.post(url + "/signins", json={"voter_ref": v.ref}, headers=h))
    _check(doc, base + "/signins", "post", client.post(url + "/signins", json={"voter_ref": online.ref}, headers=h))
    _check(doc, base + "/signins", "post", client.post(url + "/signins", json={"voter_ref": voter(session, world, 1).ref},
                                                       headers=h))
    _check(doc, base + "/signins", "post", client.post(url + "/signins", json={}, headers=h))
    _check(doc, base + "/close", "post", client.post(url + "/close", headers=h))
    _check(doc, base + "/signins", "post", client.post(url + "/signins", json={"voter_ref": v.ref}, headers=h))
    _check(doc, base + "/report", "get", client.get(url + "/report", headers=h))
    body = {"envelopes": 1, "blank": 0, "spoilt": 0, "totals": {str(world.ids(0, 1)[0]): 1}}
    _check(doc, base + "/report", "post", client.post(url + "/report", json={**body, "entry": "first"}, headers=h))
    _check(doc, base + "/report", "post", client.post(url + "/report", json={**body, "entry": "second"}, headers=h))
    _check(doc, base + "/report", "post", client.post(url + "/report", json={**body, "envelopes": 0, "entry": "second"},
                                                      headers=desk.headers(1)))
    _check(doc, base + "/report/sign-off", "post", client.post(url + "/report/sign-off", headers=h))
    _check(doc, base + "/report", "post", client.post(url + "/report", json={**body, "entry": "second"},
                                                      headers=desk.headers(1)))
    _check(doc, base + "/report/sign-off", "post", client.post(url + "/report/sign-off", headers=h))
    offline = open_desk(session, make, world, name="Hors ligne", offline=True, officers=1)
    close_station(session, SYSTEM, offline.station)
    session.commit()
    upload = client.post(f"/api/v1/stations/{offline.id}/signin-list", headers=offline.headers(),
                         data=f"voter_ref,time\n{voter(session, world, 4).ref},2030-03-14 10:00\n".encode())
    _check(doc, base + "/signin-list", "post", upload)
    _check(doc, base + "/signin-list", "post", client.post(url + "/signin-list", headers=h, data=b"x"))
    missing = client.get("/api/v1/stations/x/report", headers=h)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
