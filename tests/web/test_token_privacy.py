"""Pages reached with a token are never cached, the token leaves the address bar at once, and no
log shows a token or a code (issue 10 §6)."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace

from tests.voting.conftest import build_world

TOKEN = "IjFtTGtjSEZFLUdCQWhKWHItMkF1T0J1SyI.axTMDQ.8rX6rQImAYXAlxulrUsaYIhCyk8"


def _no_store(response) -> bool:  # type: ignore[no-untyped-def]
    return "no-store" in (response.headers.get("Cache-Control") or "")


def test_every_route_with_a_token_is_not_cached(app, client, session, make) -> None:
    build_world(session, make)
    for rule in app.url_map.iter_rules():
        if "token" in rule.arguments and "GET" in (rule.methods or ()):
            response = client.get(rule.build({"token": "not-a-token"}, append_unknown=False)[1])
            assert _no_store(response), (rule.rule, response.status_code, response.headers)


def test_ballot_review_receipt_are_not_cached_and_the_token_leaves_the_address_bar(client, session, make) -> None:
    world = build_world(session, make)
    token = world.tokens[0]
    start = client.get(f"/vote/{token.token}")
    assert start.status_code == 302 and token.token not in start.headers["Location"] and _no_store(start)
    ballot = client.get(start.headers["Location"])
    assert ballot.status_code == 200 and _no_store(ballot)
    mine = world.ids(0 if token.district == "q1" else 1)
    review = client.post(f"/editions/{world.slug}/vote/review", data={"p": mine})
    assert review.status_code == 200 and _no_store(review)
    confirm = client.post(f"/editions/{world.slug}/vote/confirm")
    assert _no_store(confirm)
    receipt = client.get(confirm.headers["Location"])
    assert receipt.status_code == 200 and _no_store(receipt)
    assert _no_store(client.get("/vote")) and _no_store(client.get(f"/editions/{world.slug}/vote/request-code"))


def test_gunicorns_access_log_never_shows_a_token_or_a_code() -> None:
    from gunicorn.config import Config

    from pb.web.redact import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/vote/{TOKEN}?code=7KQ2-M9XD-4RTB", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": f"/vote/{TOKEN}", "QUERY_STRING": "code=7KQ2-M9XD-4RTB", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": f"https://pb.example/account/reset/{TOKEN}"}
    resp = SimpleNamespace(status="302 FOUND", headers=[("Location", "/editions/x/vote")], sent=0)
    atoms = logger.atoms(resp, SimpleNamespace(headers=[]), environ, dt.timedelta(milliseconds=3))
    line = Config().access_log_format % atoms
    assert TOKEN not in line and "7KQ2" not in line and "/vote/[redacted]" in line
    assert not any(TOKEN in str(v) or "7KQ2" in str(v) for v in atoms.values())


def test_the_development_server_and_pb_logs_never_show_a_token(app, caplog) -> None:
    assert app  # the web blueprint installed the filters
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /vote/%s HTTP/1.1" 302 -', TOKEN)
        logging.getLogger("pb.app").error("unhandled error on %s", f"/account/confirm/{TOKEN}")
    assert TOKEN not in caplog.text and caplog.text.count("[redacted]") == 2
