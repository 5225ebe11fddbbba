"""The JSON API under /api/v1 (described by /api/v1/openapi.json, pb/voting/openapi.py).

The voting token is the credential: routes are public, the POST is exempt from CSRF (no cookie
is involved). Every refusal is {"error": {"code", "message"}} with its HTTP status; messages
follow Accept-Language (French or English)."""

from __future__ import annotations

import json
from typing import Any, Iterator

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for

from pb.authz import public
from pb.db import db
from pb.editions import describe
from pb.editions.services import MAX_ID, vote_extensions
from pb.extensions import csrf
from pb.projects.services import ballot_projects
from pb.errors import NotFoundError
from pb.voting import attempts, errors, keys
from pb.voting.models import BallotKey
from pb.voting.openapi import document
from pb.voting.services import (
    board_entries, board_size, cast_ballot, count_voters, sealed_ballots, seal_pending, turnout as turnout_of,
)
from pb.voting.services.board import board_lines, head_json, signed_heads
from pb.voting.services.common import vote_window
from pb.voting.services.casting import Receipt
from pb.voting.services.snapshot import BoxSnapshot, ballot_box
from pb.voting.views import client_address
from pb.web.lookups import visible_edition

bp = Blueprint("voting_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
BOARD_PAGE = 1000



def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/openapi.json")
@public
def openapi() -> Response:
    return jsonify(document())


@bp.get("/editions/<edition>")
@public
def edition(edition: str) -> Response:
    e = visible_edition(edition)
    opens, closes = vote_window(e)
    grade_labels = describe.grade_labels(e.grade_count or 5) if str(e.ballot_type) == "majority_judgment" else []
    districts = []
    for d in e.districts:
        districts.append({
            "id": d.id, "code": d.code, "name": d.name, "citywide": d.is_citywide, "envelope": d.envelope_cents,
            "projects": [{"id": p.id, "number": p.number, "title": p.title, "summary": p.summary, "cost": p.cost_cents}
                         for p in ballot_projects(db.session, e.id, d.id)],
        })
    return jsonify({
        "id": e.id, "slug": e.slug, "name": e.name, "phase": e.phase.value, "online_voting": e.online_voting,
        "vote": {"opens_at": _iso(opens), "closes_at": _iso(closes),
                 "extensions": [{"previous_closes_at": _iso(x.previous_end), "closes_at": _iso(x.new_end),
                                 "reason": x.reason, "at": _iso(x.created_at)} for x in vote_extensions(db.session, e)]},
        "ballot": {
            "type": e.ballot_type.value, "min_choices": e.min_choices, "max_choices": e.max_choices,
            "min_share_percent": e.knapsack_min_share, "points": e.cumulative_points,
            "grades": [{"value": i, "label": label} for i, label in enumerate(grade_labels)],
            "residence_rule": e.residence_rule.value,
        },
        "rules": describe.ballot_rules(e) + describe.participation_rules(e),
        "currency": "EUR", "amounts": "cents",
        "districts": districts,
    })


MAX_BALLOT_BODY = 64 * 1024  # a ballot is a few hundred bytes


def json_body(content_type: str, raw: bytes) -> Any:
    """The parsed body if the content type is JSON and it parses, else None (the vote then
    refuses it as `malformed`). Nesting too deep for the parser is not JSON either."""
    mimetype = (content_type or "").split(";")[0].strip().lower()
    if mimetype != "application/json" and not (mimetype.startswith("application/") and mimetype.endswith("+json")):
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


def ballot_body() -> bytes:
    """The request's body, at most MAX_BALLOT_BODY bytes (BodyTooLarge, 413, beyond)."""
    if request.content_length is not None and request.content_length > MAX_BALLOT_BODY:
        raise errors.BodyTooLarge()
    raw = request.stream.read(MAX_BALLOT_BODY + 1)
    if len(raw) > MAX_BALLOT_BODY:
        raise errors.BodyTooLarge()
    return raw


@bp.post("/editions/<edition>/ballots")
@public
def cast(edition: str) -> tuple[Response, int]:
    """The vote. A vote for an edition whose vote has opened is answered before it reaches here,
    by the same cast_vote in the fast lane (pb/voting/lane.py); this route serves the others (a
    vote not open yet: refused; a draft: 404 unless the policy lets the user see it) and bodies
    the lane leaves (larger than 64 KB: refused here)."""
    raw = ballot_body()
    box = ballot_box(db.engine, visible_edition(edition).id)
    receipt = cast_vote(box, json_body(request.content_type or "", raw), client_address())
    return jsonify({"tracker": receipt.tracker,
                    "board": url_for("voting_api.board", edition=box.slug, _external=False)}), 201


def cast_vote(box: BoxSnapshot, body: Any, address: str) -> Receipt:
    """The API's vote, for the route above and the fast lane alike: the failed attempts of the
    address and of the code are limited (attempts.py), then cast_ballot."""
    credential = ""
    if isinstance(body, dict):
        credential = body.get("token") or body.get("code") or ""
        if not isinstance(credential, str):
            credential = ""
    credential_key = attempts.key_of(credential)
    attempts.check(address, credential_key)
    try:
        return cast_ballot(db.session, box, credential=credential, payload=body, client=address)
    except errors.VoteRefused as error:
        if error.credential:
            attempts.failed(address, credential_key)
        raise


@bp.get("/editions/<edition>/board")
@public
def board(edition: str) -> Response:
    e = visible_edition(edition)
    seal_pending(db.factory, e.id)
    try:
        after = min(MAX_ID, max(0, int(request.args.get("after", 0))))  # a position past any board finds nothing
        limit = max(1, min(BOARD_PAGE, int(request.args.get("limit", BOARD_PAGE))))
    except ValueError:
        raise errors.Malformed(detail="after and limit are whole numbers") from None
    sealed, pending = board_size(db.session, e.id)
    entries = board_entries(db.session, e.id, after=after, limit=limit)
    head = board_entries(db.session, e.id, after=sealed - 1, limit=1) if sealed else []
    body: dict[str, Any] = {
        "edition": e.slug, "count": sealed, "pending": pending,
        "head": {"position": head[0].position, "hash": head[0].entry_hash} if head else None,
        "hash_rule": "entry_hash = sha256(previous_hash + '|' + edition_id + '|' + position + '|' + tracker), "
                     "previous_hash of position 1 = 64 zeros",
        "edition_id": e.id,
        "entries": [{"position": r.position, "tracker": r.tracker, "previous_hash": r.previous_hash, "hash": r.entry_hash}
                    for r in entries],
        "next": None,
        **signed_board(e.id),
    }
    if entries and entries[-1].position < sealed:
        body["next"] = url_for("voting_api.board", edition=e.slug, after=entries[-1].position, limit=limit)
    return jsonify(body)


def signed_board(edition_id: int) -> dict[str, Any]:
    """The signed heads and what checks them (the board's JSON, its page, the results)."""
    key = db.session.get(BallotKey, edition_id)
    return {
        "signing_key": key.signing_key if key else None,
        "signed_head_rule": "Ed25519 signature of 'pb-board-head|' + edition_id + '|' + position + '|' + hash (UTF-8)",
        "signed_heads": [head_json(h) for h in signed_heads(db.session, edition_id)],
    }


@bp.get("/editions/<edition>/board.txt")
@public
def board_text(edition: str) -> Response:
    """Every sealed entry as `position tracker`, one a line: what the one-line check of
    docs/voting.md reads with standard tools."""
    e = visible_edition(edition)
    seal_pending(db.factory, e.id)
    return Response(stream_with_context(board_lines(db.session, e.id)), mimetype="text/plain")


@bp.get("/editions/<edition>/board-key.pem")
@public
def board_key(edition: str) -> Response:
    """The Ed25519 public key that checks the signed heads, as openssl reads it."""
    e = visible_edition(edition)
    key = db.session.get(BallotKey, e.id)
    if key is None:
        raise NotFoundError()
    return Response(keys.verify_key_pem(key.signing_key), mimetype="application/x-pem-file")


@bp.get("/editions/<edition>/turnout")
@public
def turnout(edition: str) -> Response:
    e = visible_edition(edition)
    rows = turnout_of(db.session, e)
    return jsonify({"edition": e.slug, "phase": e.phase.value, "voters": count_voters(db.session, e),
                    "by_district": [{"district_id": t.district_id, "scope": t.scope.value, "channel": t.channel.value,
                                     "count": t.count} for t in rows]})


@bp.get("/editions/<edition>/ballots")
@public
def ballots(edition: str) -> Response:
    """The anonymous ballots, shuffled, once the vote is closed (anyone can recount)."""
    e = visible_edition(edition)
    rows = sealed_ballots(db.session, e)  # raises ResultsSealed before the close

    def stream() -> Iterator[str]:
        yield '{"edition": %s, "ballots": [' % json.dumps(e.slug)
        for i, b in enumerate(rows):
            item = {"district_id": b.district_id, "channel": b.channel.value,
                    "choices": {str(k): v for k, v in b.choices.items()}}
            yield ("," if i else "") + json.dumps(item)
        yield "]}"

    return Response(stream_with_context(stream()), mimetype="application/json")
