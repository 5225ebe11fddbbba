"""The OpenAPI 3.1 document of /api/v1, written by hand (a test checks that every route is in
it and that the answers match its schemas)."""

from __future__ import annotations

from typing import Any

ERROR_CODES = [
    "token_invalid", "token_expired", "token_revoked", "token_used", "already_voted", "already_voted_paper",
    "vote_not_open", "vote_closed", "online_voting_disabled", "not_eligible", "over_budget", "under_min_share",
    "too_many_choices", "too_few_choices", "too_many_points", "unknown_project", "wrong_district", "malformed",
    "results_sealed", "results_not_published", "not_found", "too_many_requests",
]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


EDITION_PARAM = {"name": "edition", "in": "path", "required": True, "description": "Edition id or slug (bp-2026)",
                 "schema": {"type": "string"}}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                                 "properties": {"code": {"type": "string", "description": "Stable code: " + ", ".join(ERROR_CODES)},
                                                "message": {"type": "string", "description": "In French or English (Accept-Language)"}}}},
    },
    "Project": {
        "type": "object", "required": ["id", "number", "title", "cost"],
        "properties": {"id": {"type": "integer"}, "number": {"type": "integer"}, "title": {"type": "string"},
                       "summary": {"type": "string"}, "cost": {"type": "integer", "description": "Euro cents"}},
    },
    "District": {
        "type": "object", "required": ["id", "code", "name", "citywide", "envelope", "projects"],
        "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                       "citywide": {"type": "boolean"}, "envelope": {"type": "integer", "description": "Euro cents"},
                       "projects": {"type": "array", "items": {"$ref": "#/components/schemas/Project"}}},
    },
    "Edition": {
        "type": "object", "required": ["id", "slug", "name", "phase", "ballot", "districts"],
        "properties": {
            "id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
            "phase": {"enum": ["draft", "submission", "review", "vote", "results", "implementation"]},
            "online_voting": {"type": "boolean"},
            "vote": {"type": "object", "properties": {"opens_at": {"type": ["string", "null"]},
                                                      "closes_at": {"type": ["string", "null"]},
                                                      "extensions": {"type": "array", "items": {"type": "object"}}}},
            "ballot": {"type": "object", "required": ["type"], "properties": {
                "type": {"enum": ["approval", "knapsack", "majority_judgment", "cumulative"]},
                "min_choices": {"type": "integer"}, "max_choices": {"type": ["integer", "null"]},
                "min_share_percent": {"type": "integer"}, "points": {"type": ["integer", "null"]},
                "grades": {"type": "array", "items": {"type": "object", "properties": {
                    "value": {"type": "integer"}, "label": {"type": "string"}}}},
                "residence_rule": {"enum": ["residence", "choice"]}}},
            "rules": {"type": "array", "items": {"type": "string"}},
            "currency": {"const": "EUR"}, "amounts": {"const": "cents"},
            "districts": {"type": "array", "items": {"$ref": "#/components/schemas/District"}},
        },
    },
    "BallotRequest": {
        "type": "object",
        "description": "A signed `token` (from the voting link) or a short `code` (from a paper letter), and the "
                       "choices: `choices` (approval, budget: project ids), `grades` (majority judgment: "
                       "{project id: grade, 0 = lowest}; an ungraded project gets the lowest grade) or `points` "
                       "(cumulative: {project id: points}).",
        "properties": {
            "token": {"type": "string"}, "code": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "integer"}},
            "grades": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "points": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        },
    },
    "BallotAccepted": {
        "type": "object", "required": ["tracker"], "additionalProperties": False,
        "properties": {"tracker": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"},
                       "board": {"type": "string"}},
    },
    "Board": {
        "type": "object", "required": ["edition", "count", "pending", "entries"],
        "properties": {
            "edition": {"type": "string"}, "edition_id": {"type": "integer"}, "count": {"type": "integer"},
            "pending": {"type": "integer"}, "hash_rule": {"type": "string"},
            "head": {"type": ["object", "null"], "properties": {"position": {"type": "integer"}, "hash": {"type": "string"}}},
            "entries": {"type": "array", "items": {"type": "object", "required": ["position", "tracker", "previous_hash", "hash"],
                                                   "properties": {"position": {"type": "integer"}, "tracker": {"type": "string"},
                                                                  "previous_hash": {"type": "string"}, "hash": {"type": "string"}}}},
            "next": {"type": ["string", "null"]},
            "signing_key": {"type": ["string", "null"], "description": "The edition's Ed25519 public key (hex)"},
            "signed_head_rule": {"type": "string"},
            "signed_heads": {"type": "array", "items": {"$ref": "#/components/schemas/SignedHead"}},
        },
    },
    "SignedHead": {
        "type": "object", "required": ["position", "hash", "signature", "signed_at", "at_close"],
        "description": "A head of the board signed during the vote or at its close: keep it, and "
                       "`pb board verify EDITION --head POSITION:HASH` proves the board has not changed up to it.",
        "properties": {"position": {"type": "integer"}, "hash": {"type": "string"},
                       "signature": {"type": "string", "description": "Ed25519, hex"},
                       "signed_at": {"type": "string"}, "at_close": {"type": "boolean"}},
    },
    "Turnout": {
        "type": "object", "required": ["edition", "voters", "by_district"],
        "properties": {"edition": {"type": "string"}, "phase": {"type": "string"}, "voters": {"type": "integer"},
                       "by_district": {"type": "array", "items": {"type": "object", "properties": {
                           "district_id": {"type": ["integer", "null"],
                                           "description": "During the vote, the register's district (null: none); "
                                                          "after the decryption, the district of the ballots"},
                           "scope": {"enum": ["district", "citywide"]},
                           "channel": {"enum": ["online", "paper"]}, "count": {"type": "integer"}}}}},
    },
    "Results": {
        "type": "object", "required": ["edition", "rule", "tie_break", "inputs_hash", "ballots", "districts"],
        "description": "The published count: per district envelope, every project on the ballot with its votes "
                       "(points for cumulative ballots, sum of grades for majority judgment) and whether it is funded.",
        "properties": {
            "edition": {"type": "object", "properties": {"id": {"type": "integer"}, "slug": {"type": "string"},
                                                         "name": {"type": "string"}}},
            "rule": {"type": "string"}, "tie_break": {"type": "string"}, "tie_break_seed": {"type": "string"},
            "inputs_hash": {"type": "string", "description": "SHA-256 of every counted input"},
            "published_at": {"type": ["string", "null"]}, "ballots": {"type": "integer"},
            "board_head": {"oneOf": [{"type": "null"}, {"allOf": [{"$ref": "#/components/schemas/SignedHead"}, {
                "type": "object", "required": ["signing_key"], "properties": {"signing_key": {"type": "string"}}}]}],
                "description": "The public board's head signed at the close, and the Ed25519 key that checks it"},
            "currency": {"const": "EUR"}, "amounts": {"const": "cents"},
            "districts": {"type": "array", "items": {"type": "object", "required": ["id", "code", "envelope", "spent", "projects"],
                "properties": {
                    "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
                    "envelope": {"type": "integer"}, "spent": {"type": "integer"}, "ballots": {"type": "integer"},
                    "channels": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "projects": {"type": "array", "items": {"type": "object",
                        "required": ["id", "reference", "title", "cost", "votes", "selected"],
                        "properties": {"id": {"type": "integer"}, "reference": {"type": "string"}, "title": {"type": "string"},
                                       "cost": {"type": "integer"}, "votes": {"type": "integer"},
                                       "selected": {"type": "boolean"},
                                       "funding_order": {"type": ["integer", "null"]}}}}}}},
        },
    },
    "Ballots": {
        "type": "object", "required": ["edition", "ballots"],
        "properties": {"edition": {"type": "string"},
                       "ballots": {"type": "array", "items": {"type": "object", "required": ["district_id", "channel", "choices"],
                                                              "properties": {"district_id": {"type": "integer"},
                                                                             "channel": {"enum": ["online", "paper"]},
                                                                             "choices": {"type": "object", "additionalProperties": {"type": "integer"}}}}}},
    },
}


def document() -> dict[str, Any]:
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "pb: participatory budget API", "version": "1",
                 "description": "Editions, the online ballot box and its public board. Amounts are integer euro cents. "
                                "Error messages follow Accept-Language (fr, en)."},
        "paths": {
            "/api/v1/openapi.json": {"get": {"summary": "This document", "operationId": "openapi",
                                             "responses": {"200": {"description": "OpenAPI document"}}}},
            "/api/v1/editions/{edition}": {"get": {
                "summary": "An edition: phase, ballot rules, districts with envelopes and projects",
                "operationId": "getEdition", "parameters": [EDITION_PARAM],
                "responses": {"200": _ok("The edition", "Edition"), "404": _error("No such edition")}}},
            "/api/v1/editions/{edition}/ballots": {
                "post": {
                    "summary": "Cast a ballot", "operationId": "castBallot", "parameters": [EDITION_PARAM],
                    # Who answers: for an edition whose vote has opened, the fast lane (pb/voting/lane.py).
                    "x-pb-fast-lane": "For an edition whose vote has opened, answered by the fast lane (a WSGI "
                                      "middleware, same policy, checks and answers as the route) unless the "
                                      "vote_lane setting is false or the request carries a login cookie.",
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BallotRequest"}}}},
                    "responses": {
                        "201": _ok("Accepted: the tracker shown on the public board", "BallotAccepted"),
                        "400": _error("malformed"),
                        "401": _error("token_invalid, token_expired"),
                        "403": _error("token_revoked, not_eligible"),
                        "404": _error("No such edition"),
                        "409": _error("token_used, already_voted, already_voted_paper, vote_not_open, vote_closed, online_voting_disabled"),
                        "422": _error("over_budget, under_min_share, too_many_choices, too_few_choices, too_many_points, unknown_project, wrong_district"),
                        "429": _error("too_many_requests: too many failed attempts from this address or on this code"),
                        "503": _error("ballot_box_not_ready: the edition has no ballot key"),
                    }},
                "get": {
                    "summary": "The anonymous ballots, shuffled, after the close (recount)", "operationId": "listBallots",
                    "parameters": [EDITION_PARAM],
                    "responses": {"200": _ok("Every ballot, without tracker", "Ballots"), "404": _error("No such edition"),
                                  "409": _error("results_sealed: the vote is not closed; ballots_encrypted: "
                                                "not decrypted yet")}}},
            "/api/v1/editions/{edition}/board": {"get": {
                "summary": "The public board of trackers (hash chain)", "operationId": "getBoard",
                "parameters": [EDITION_PARAM,
                               {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                "responses": {"200": _ok("Entries in position order", "Board"), "400": _error("malformed"),
                              "404": _error("No such edition")}}},
            "/api/v1/editions/{edition}/board.txt": {"get": {
                "summary": "The board as text: `position tracker`, one entry a line (for the check with standard tools)",
                "operationId": "getBoardText", "parameters": [EDITION_PARAM],
                "responses": {"200": {"description": "text/plain", "content": {"text/plain": {"schema": {"type": "string"}}}},
                              "404": _error("No such edition")}}},
            "/api/v1/editions/{edition}/board-key.pem": {"get": {
                "summary": "The Ed25519 public key that checks the signed heads (PEM, as openssl reads it)",
                "operationId": "getBoardKey", "parameters": [EDITION_PARAM],
                "responses": {"200": {"description": "PEM", "content": {"application/x-pem-file": {"schema": {"type": "string"}}}},
                              "404": _error("No such edition, or no key yet")}}},
            "/api/v1/editions/{edition}/results": {"get": {
                "summary": "The published results, per district envelope", "operationId": "getResults",
                "parameters": [EDITION_PARAM],
                "responses": {"200": _ok("The published count", "Results"), "404": _error("No such edition; "
                              "results_not_published: the count is not published yet"),
                              "409": _error("results_sealed: the vote is not closed")}}},
            "/api/v1/editions/{edition}/turnout": {"get": {
                "summary": "Turnout: sign-ins per district, scope and channel (live)", "operationId": "getTurnout",
                "parameters": [EDITION_PARAM],
                "responses": {"200": _ok("Turnout", "Turnout"), "404": _error("No such edition")}}},
        },
        "components": {"schemas": SCHEMAS},
    }
    return _with_stations(doc)


def _with_stations(doc: dict[str, Any]) -> dict[str, Any]:
    """The polling stations' routes (pb.ballotbox.openapi), in the same document."""
    from pb.ballotbox import openapi as stations

    doc["paths"].update(stations.PATHS)
    doc["components"] = {"schemas": {**SCHEMAS, **stations.SCHEMAS}, "securitySchemes": stations.SECURITY_SCHEMES}
    return doc
