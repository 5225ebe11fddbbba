"""The station software's API under /api/v1/stations/<station_id>/ (in the OpenAPI document:
pb/ballotbox/openapi.py). The credential is a station key (`Authorization: Bearer <key>`),
bound to one officer and one station; no cookie is involved, so the routes are exempt from CSRF."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, jsonify, request

from pb.authz import public
from pb.ballotbox import errors
from pb.ballotbox.services import reports, signin
from pb.ballotbox.services.stations import authenticate_key, close_station
from pb.db import db
from pb.errors import NotFoundError
from pb.extensions import csrf

bp = Blueprint("ballotbox_api", __name__, url_prefix="/api/v1/stations")
csrf.exempt(bp)


def _desk(station_id: str) -> tuple[Any, Any]:
    if not station_id.isdigit():
        raise NotFoundError()
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise errors.BadStationKey()
    return authenticate_key(db.session, station_id, raw.strip())


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise errors.ReportMalformed(detail="the body must be a JSON object")
    return body


def _identity(source: Any) -> dict[str, Any]:
    def text(name: str) -> str:
        value = source.get(name)
        if isinstance(value, str) and "\x00" in value:  # no stored text holds one (PostgreSQL refuses it)
            raise errors.ReportMalformed(detail=f"{name} holds a NUL byte")
        return value.strip()[:200] if isinstance(value, str) else ""

    return {"voter_ref": text("voter_ref"), "last_name": text("last_name"), "first_name": text("first_name"),
            "birth_date": text("birth_date")}


@bp.get("/<station_id>/lookup")
@public
def lookup(station_id: str) -> Response:
    station, officer = _desk(station_id)
    found = signin.lookup(db.session, officer, station, **_identity(request.args))
    existing = found.existing
    return jsonify({"status": found.status, "voter_ref": found.voter.ref,
                    "channel": existing.channel if existing else None,
                    "at": existing.at.isoformat() if existing else None,
                    "station": existing.station if existing else None})


@bp.post("/<station_id>/signins")
@public
def signins(station_id: str) -> tuple[Response, int]:
    station, officer = _desk(station_id)
    body = _body()
    if body.get("register") is True:  # on-the-spot registration, when the edition allows it
        identity = _identity(body)
        district = body.get("district")
        done = signin.register_and_sign_in(
            db.session, officer, station, last_name=identity["last_name"], first_name=identity["first_name"],
            birth_date=identity["birth_date"], district=district.strip()[:64] if isinstance(district, str) else "",
            id_checked=body.get("id_checked") is True)
    else:
        done = signin.sign_in(db.session, officer, station, **_identity(body))
    return jsonify({"signin": done.id, "voter_ref": done.voter_ref, "scopes": done.scopes,
                    "district": done.district, "at": done.at.isoformat()}), 201


@bp.post("/<station_id>/signin-list")
@public
def signin_list(station_id: str) -> Response:
    """An offline station's sign-in list (CSV in the body), after its close."""
    station, officer = _desk(station_id)
    try:
        text = request.get_data(as_text=False).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise errors.ReportMalformed(detail="the file must be UTF-8") from None
    result = signin.upload_signins(db.session, officer, station, io.StringIO(text))
    return jsonify(result.as_dict())


@bp.post("/<station_id>/close")
@public
def close(station_id: str) -> Response:
    station, officer = _desk(station_id)
    close_station(db.session, officer, station)
    return jsonify({"station": station.id, "state": "closed", "closed_at": station.closed_at.isoformat()
                    if station.closed_at else None})


@bp.post("/<station_id>/report")
@public
def report_entry(station_id: str) -> Response:
    station, officer = _desk(station_id)
    body = _body()
    reports.submit_entry(db.session, officer, station, body.get("entry"), body)
    return jsonify(reports.report_state(db.session, station).as_json())


@bp.get("/<station_id>/report")
@public
def report(station_id: str) -> Response:
    station, officer = _desk(station_id)
    reports.check_reader(officer, station)
    return jsonify(reports.report_state(db.session, station).as_json())


@bp.post("/<station_id>/report/sign-off")
@public
def sign_off(station_id: str) -> Response:
    station, officer = _desk(station_id)
    reports.sign_off(db.session, officer, station)
    return jsonify(reports.report_state(db.session, station).as_json())
