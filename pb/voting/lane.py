"""The vote's fast lane: `POST /api/v1/editions/<edition>/ballots` answered without Flask's
request cycle, for editions whose vote has opened.

Why: measured under gunicorn (docs/performance.md, ## Voting), Flask's request machinery and
the hooks of its extensions (cookie session, Flask-Login, Flask-Limiter, CSRF, after-request
hooks) took 0.45 ms of the 1.5 ms of CPU a vote cost — more than the vote's own SQL. The vote
uses none of them: no cookie, no user (an edition whose vote has opened is public), no CSRF
(the voting token is the credential), its own failed-attempt limits (attempts.py).

What it does: in an app context, the same `cast_vote` as the Flask route (pb/voting/api.py),
hence the same checks, limits, service (`cast_ballot`) and named refusals; the answer is the
one the route gives: the same JSON (Flask's JSON provider), status and security headers
(pb.app.security_headers), messages in the language of the `pb_lang` cookie or Accept-Language.
Anything else goes to Flask untouched: other paths and methods, a body without a length or
larger than MAX_BODY, an unknown edition or one whose vote has not opened (the route applies
the `edition.view` policy, which needs the user)."""

from __future__ import annotations

import functools
import logging
from http import HTTPStatus
from typing import Any, Callable, Iterable

from flask import Flask, g
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie

from pb.app import security_headers
from pb.db import db
from pb.errors import PbError
from pb.i18n import LANG_COOKIE
from pb.voting.api import MAX_BALLOT_BODY, cast_vote, json_body
from pb.voting.services.snapshot import BoxSnapshot, ballot_box

MAX_BODY = MAX_BALLOT_BODY  # anything larger goes to Flask, which refuses it (413)
log = logging.getLogger("pb.voting")


class VoteLane:
    PREFIX, SUFFIX = "/api/v1/editions/", "/ballots"

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.next = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, length = environ.get("PATH_INFO", ""), environ.get("CONTENT_LENGTH") or ""
        ref = path[len(self.PREFIX):-len(self.SUFFIX)]
        if (environ.get("REQUEST_METHOD") != "POST" or not path.startswith(self.PREFIX)
                or not path.endswith(self.SUFFIX) or not ref or "/" in ref
                or not length.isdigit() or int(length) > MAX_BODY):
            return self.next(environ, start_response)
        with self.app.app_context():
            try:
                box = ballot_box(db.engine, ref)
            except Exception:  # noqa: BLE001 - an unknown edition (404), a database down: Flask answers
                box = None
            if box is not None and box.frozen:
                return self._vote(environ, start_response, box, environ["wsgi.input"].read(int(length)))
        return self.next(environ, start_response)

    def _vote(self, environ: dict[str, Any], start_response: Callable[..., Any], box: BoxSnapshot,
              raw: bytes) -> Iterable[bytes]:
        g.pb_locale = _locale(environ, self.app.config["PB_SETTINGS"])
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


def _locale(environ: dict[str, Any], settings: Any) -> str:
    """The language of the messages, as pb.i18n.select_locale chooses it for the API (there is no
    logged-in user here): the pb_lang cookie, else Accept-Language, else the default."""
    if "HTTP_COOKIE" in environ:
        chosen = parse_cookie(environ).get(LANG_COOKIE)
        if chosen in settings.locales:
            return chosen
    best = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept).best_match(settings.locales)
    return best or settings.default_locale
