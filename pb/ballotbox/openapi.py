"""The station API's part of the OpenAPI document (merged by pb.voting.openapi.document)."""

from __future__ import annotations

from typing import Any

ERROR_CODES = ["station_key_invalid", "station_closed", "not_your_station", "not_registered", "paper_voting_disabled",
               "station_open", "report_signed_off", "report_not_agreed", "same_officer", "report_inconsistent",
               "keyed_ballots_required", "station_online"]

STATION_PARAM = {"name": "station_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SECURITY = [{"stationKey": []}]


def _error(description: str, schema: str = "Error") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


COMMON = {"401": _error("station_key_invalid"), "403": _error("not_your_station"), "404": _error("No such station")}
IDENTITY = {"voter_ref": {"type": "string"}, "last_name": {"type": "string"}, "first_name": {"type": "string"},
            "birth_date": {"type": "string", "description": "YYYY-MM-DD or DD/MM/YYYY"}}

SCHEMAS: dict[str, Any] = {
    "SigninRefused": {
        "type": "object", "required": ["error", "existing"], "additionalProperties": False,
        "properties": {"error": {"$ref": "#/components/schemas/Error/properties/error"},
                       "existing": {"type": "object", "required": ["channel", "at"], "properties": {
                           "channel": {"enum": ["online", "paper"]}, "at": {"type": "string"},
                           "station": {"type": ["string", "null"]}, "station_id": {"type": ["integer", "null"]}}}},
    },
    "Lookup": {
        "type": "object", "required": ["status", "voter_ref"], "additionalProperties": False,
        "properties": {"status": {"enum": ["may_vote", "already_voted"]}, "voter_ref": {"type": "string"},
                       "channel": {"enum": ["online", "paper", None]}, "at": {"type": ["string", "null"]},
                       "station": {"type": ["string", "null"]}},
    },
    "SigninRequest": {
        "type": "object",
        "description": "voter_ref, or last_name + first_name + birth_date. With register: true (when the edition "
                       "allows on-the-spot registration), a person missing from the register is added to it and "
                       "signed in at once: last_name + first_name + birth_date, district (its code) when the "
                       "edition votes by residence and the station is city-wide, and id_checked: true.",
        "properties": {**IDENTITY, "register": {"type": "boolean"}, "district": {"type": "string"},
                       "id_checked": {"type": "boolean"}}},
    "Signin": {
        "type": "object", "required": ["signin", "scopes", "district"], "additionalProperties": False,
        "properties": {"signin": {"type": "integer"}, "voter_ref": {"type": "string"},
                       "scopes": {"type": "array", "items": {"enum": ["district", "citywide"]}},
                       "district": {"type": ["string", "null"]}, "at": {"type": "string"}},
    },
    "Upload": {
        "type": "object", "required": ["lines", "signed_in", "collisions"],
        "properties": {"lines": {"type": "integer"}, "signed_in": {"type": "integer"}, "collisions": {"type": "integer"},
                       "rejected": {"type": "array"}},
    },
    "StationClosed": {"type": "object", "required": ["station", "state"],
                      "properties": {"station": {"type": "integer"}, "state": {"const": "closed"},
                                     "closed_at": {"type": ["string", "null"]}}},
    "ReportRequest": {
        "type": "object", "required": ["entry", "envelopes", "blank", "spoilt"],
        "description": "Either totals {project id: votes} or ballots (each as the online API takes it).",
        "properties": {"entry": {"enum": ["first", "second"]}, "envelopes": {"type": "integer", "minimum": 0},
                       "blank": {"type": "integer", "minimum": 0}, "spoilt": {"type": "integer", "minimum": 0},
                       "totals": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
                       "ballots": {"type": "array", "items": {"type": "object"}}},
    },
    "Report": {
        "type": "object", "required": ["station", "state", "mismatches"],
        "properties": {"station": {"type": "integer"},
                       "state": {"enum": ["awaiting_first_entry", "awaiting_second_entry", "mismatch", "agreed",
                                          "signed_off"]},
                       "mismatches": {"type": "array", "items": {"type": "string"},
                                      "description": "envelopes, blank, spoilt, mode, totals.<id>, ballots, ballots[<n>]"},
                       "entries": {"type": "object"}, "report": {"type": "object"}},
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/stations/{station_id}/lookup": {"get": {
        "summary": "Has this person voted? (by voter_ref, or last_name + first_name + birth_date)",
        "operationId": "stationLookup", "security": SECURITY,
        "parameters": [STATION_PARAM] + [{"name": n, "in": "query", "schema": s} for n, s in IDENTITY.items()],
        "responses": {"200": _ok("The person and their sign-in, if any", "Lookup"), **COMMON,
                      "404": _error("not_registered, or no such station"), "422": _error("invalid: identity incomplete")}}},
    "/api/v1/stations/{station_id}/signins": {"post": {
        "summary": "Sign a voter in at the desk", "operationId": "stationSignin", "security": SECURITY,
        "parameters": [STATION_PARAM],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SigninRequest"}}}},
        "responses": {"201": _ok("Signed in", "Signin"), **COMMON,
                      "403": _error("station_closed, not_your_station, not_eligible"),
                      "404": _error("not_registered, or no such station"),
                      "409": {"description": "already_voted: where and when (SigninRefused); with register: "
                                             "desk_registration_disabled, already_registered (Error)",
                              "content": {"application/json": {"schema": {"oneOf": [
                                  {"$ref": "#/components/schemas/SigninRefused"},
                                  {"$ref": "#/components/schemas/Error"}]}}}},
                      "422": _error("invalid: identity incomplete; with register: id_not_checked")}}},
    "/api/v1/stations/{station_id}/signin-list": {"post": {
        "summary": "An offline station's sign-in list (CSV body: voter_ref or identity, time), after its close",
        "operationId": "stationUpload", "security": SECURITY, "parameters": [STATION_PARAM],
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
        "responses": {"200": _ok("Lines signed in and collisions", "Upload"), **COMMON,
                      "409": _error("station_online, station_open"), "422": _error("invalid: lines refused")}}},
    "/api/v1/stations/{station_id}/close": {"post": {
        "summary": "Close the station now", "operationId": "stationClose", "security": SECURITY,
        "parameters": [STATION_PARAM], "responses": {"200": _ok("Closed", "StationClosed"), **COMMON}}},
    "/api/v1/stations/{station_id}/report": {
        "post": {"summary": "Enter the station's report (first or second entry)", "operationId": "stationReportEntry",
                 "security": SECURITY, "parameters": [STATION_PARAM],
                 "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ReportRequest"}}}},
                 "responses": {"200": _ok("The report's state after this entry", "Report"), **COMMON,
                               "400": _error("malformed"),
                               "409": _error("station_open, report_signed_off, same_officer"),
                               "422": _error("report_inconsistent, keyed_ballots_required")}},
        "get": {"summary": "The report's state", "operationId": "stationReport", "security": SECURITY,
                "parameters": [STATION_PARAM], "responses": {"200": _ok("State", "Report"), **COMMON}}},
    "/api/v1/stations/{station_id}/report/sign-off": {"post": {
        "summary": "Sign off the agreed report (locks it)", "operationId": "stationReportSignOff", "security": SECURITY,
        "parameters": [STATION_PARAM],
        "responses": {"200": _ok("Signed off", "Report"), **COMMON,
                      "409": _error("report_not_agreed, report_signed_off")}}},
}

SECURITY_SCHEMES = {"stationKey": {"type": "http", "scheme": "bearer",
                                   "description": "A station key (pb stations key, or the officer's desk page)"}}
