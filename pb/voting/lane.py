"""The vote's fast lane: `POST /api/v1/editions/<edition>/ballots` answered without Flask's
request cycle, for editions whose vote has opened. The setting `vote_lane` (PB_VOTE_LANE=false)
turns it off: every vote then goes through the Flask route, with the same answers.

Why: measured in the production configuration (docs/performance.md, ## Voting), the same votes
on the same server run at about twice the rate with the lane as without: the route adds Flask's
request machinery and the hooks of its extensions (cookie session, Flask-Login, Flask-Limiter,
CSRF, after-request hooks) and, through `visible_edition`, an ORM transaction that reads the
edition, where the lane reads the kept snapshot.

What it does: it stands for the route `ENDPOINT` (tests/web/test_routes.py checks that the route
exists, is public, has the lane's path and method, and that OpenAPI documents it). In an app
context: the route's policy (`edition.view`, for an anonymous visitor, on the snapshot), the same
`cast_vote` as the route (pb/voting/api.py), hence the same checks, limits, service
(`cast_ballot`) and named refusals; the answer is the route's: the same JSON (Flask's JSON
provider), status and security headers (pb.app.security_headers), in the language
pb.i18n.choose_locale picks. Anything else goes to Flask untouched: other paths and methods, a
body without a length or larger than MAX_BODY, a request carrying a login cookie (the route knows
the user: its language, its rights), an unknown edition, one whose vote has not opened, one the
policy hides."""

from __future__ import annotations

import functools
import logging
from http import HTTPStatus
from typing import Any, Callable, Iterable

from flask import Flask, g
from flask_login import AnonymousUserMixin
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

from pb.app import login_cookies, security_headers
from pb.authz import can
from pb.db import db
from pb.errors import PbError
from pb.i18n import LANG_COOKIE, choose_locale
from pb.voting.api import MAX_BALLOT_BODY, cast_vote, json_body
from pb.voting.services.snapshot import BoxSnapshot, ballot_box

MAX_BODY = MAX_BALLOT_BODY  # anything larger goes to Flask, which refuses it (413)
log = logging.getLogger("pb.voting")


class VoteLane:
    # The route it stands for: its path (PREFIX <edition> SUFFIX), method and policy.
    ENDPOINT, METHOD, POLICY = "voting_api.cast", "POST", "edition.view"
    PREFIX, SUFFIX = "/api/v1/editions/", "/ballots"
    ANONYMOUS = AnonymousUserMixin()

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.next = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, length = environ.get("PATH_INFO", ""), environ.get("CONTENT_LENGTH") or ""
        ref = path[len(self.PREFIX):-len(self.SUFFIX)]
        if (environ.get("REQUEST_METHOD") != self.METHOD or not path.startswith(self.PREFIX)
                or not path.endswith(self.SUFFIX) or not ref or "/" in ref
                or not length.isdigit() or int(length) > MAX_BODY):
            return self.next(environ, start_response)
        cookies = parse_cookie(environ) if "HTTP_COOKIE" in environ else {}
        if any(name in cookies for name in login_cookies(self.app)):
            return self.next(environ, start_response)
        with self.app.app_context():
            try:
                box = ballot_box(db.engine, ref)
            except Exception:  # noqa: BLE001 - an unknown edition (404), a database down: Flask answers
                box = None
            if box is not None and box.frozen and can(self.ANONYMOUS, self.POLICY, box):
                return self._vote(environ, start_response, box, cookies, environ["wsgi.input"].read(int(length)))
        return self.next(environ, start_response)

    def _vote(self, environ: dict[str, Any], start_response: Callable[..., Any], box: BoxSnapshot,
              cookies: Any, raw: bytes) -> Iterable[bytes]:
        g.pb_locale = choose_locale(self.app.config["PB_SETTINGS"], cookie=cookies.get(LANG_COOKIE),
                                    accept=parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept))
        try:
            receipt = cast_vote(box, _json_body(environ, raw), environ.get("REMOTE_ADDR") or "")
            session = g.get("_pb_session")  # the receipt e-mail is queued on it: commit, as Flask would
            if session is not None and session.in_transaction():
                session.commit()
            status, body = 201, {"tracker": receipt.tracker, "board": self._board(environ.get("SCRIPT_NAME", ""), box.slug)}
        except PbError as error:
            status, body = error.status, error.as_json()
        except Exception:
            if self.app.testing and not self.app.config.get("PB_RENDER_500"):
                raise
            log.exception("unhandled error on %s", environ.get("PATH_INFO"))
            status, body = 500, {"error": {"code": "server_error", "message": "Internal error"}}
        data = (self.app.json.dumps(body, separators=(",", ":")) + "\n").encode()  # as Flask's jsonify writes it
        start_response(f"{status} {HTTPStatus(status).phrase}", [
            ("Content-Type", self.app.json.mimetype), ("Content-Length", str(len(data))), *security_headers(self.app)])
        return [data]

    @functools.lru_cache(maxsize=256)
    def _board(self, script_name: str, slug: str) -> str:
        """The board's address, built by the route itself (url_for needs a request)."""
        adapter = self.app.url_map.bind("localhost", script_name=script_name or "/")
        return adapter.build("voting_api.board", {"edition": slug})


def _json_body(environ: dict[str, Any], raw: bytes) -> Any:
    """What the Flask route parses (pb.voting.api.json_body): the same function."""
    return json_body(environ.get("CONTENT_TYPE") or "", raw)

