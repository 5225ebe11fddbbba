"""The application factory."""

from __future__ import annotations

import importlib
import logging
from typing import Any, Mapping

from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import format_datetime, format_decimal, get_locale
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from pb import attempts, config, jobs
from pb.authz import can, load_policies
from pb.db import db
from pb.errors import PbError
from pb.extensions import babel, csrf, login_manager
from pb.i18n import select_locale, select_timezone, translation_dirs
from pb.web.urls import BoundedIntConverter

# One blueprint per domain (pb/<domain>/views.py defines `bp`), registered in this order.
BLUEPRINTS = [
    "pb.web.views",
    "pb.accounts.views",
    "pb.editions.views",
    "pb.audit.views",
    "pb.tracking.views",
    "pb.results.views",
    "pb.ideas.views",
    "pb.review.views",
    "pb.councils.views",
    "pb.voting.views",
    "pb.voting.admin",
    "pb.voting.api",
    "pb.ballotbox.views",
    "pb.ballotbox.api",
    "pb.barometer.views",
    "pb.voting.letters_views",
    "pb.site.views",
]

# WSGI middleware between the server and Flask, innermost first, each with the boolean setting
# that turns it off (or None): a domain's own entry for a hot path ("module:Class", called as
# Class(app, wsgi_app); one that answers by itself names the route it stands for, see
# pb/voting/lane.py); outermost, the jobs a request committed, run after its response when there
# is no Redis. ProxyFix wraps them all, so that they see the client's real address.
MIDDLEWARE: list[tuple[str, str | None]] = [
    ("pb.voting.lane:VoteLane", "vote_lane"),
    ("pb.jobs:AfterResponse", None),
]

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]


def security_headers(app: Flask) -> list[tuple[str, str]]:
    """The headers every response carries (a middleware answering by itself adds them too).
    Images may also come from the map's tile server."""
    headers = app.config.get("PB_SECURITY_HEADERS")
    if headers is None:
        tiles = app.config["PB_SETTINGS"].map_tile_origin
        csp = CSP.replace("img-src 'self' data:", f"img-src 'self' data: {tiles}") if tiles else CSP
        headers = [("Content-Security-Policy", csp)] + [h for h in SECURITY_HEADERS if h[0] != "Content-Security-Policy"]
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        app.config["PB_SECURITY_HEADERS"] = headers
    return headers


def login_cookies(app: Flask) -> tuple[str, str]:
    """The cookies that may carry a logged-in user: the session and Flask-Login's remember-me."""
    return app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token")


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = config.load(overrides)
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
    )
    app.config.update(
        PB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "test",
        SESSION_COOKIE_NAME="pb_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PREFERRED_URL_SCHEME="https" if settings.secure_cookies else "http",
        MAX_CONTENT_LENGTH=(settings.upload_max_mb + 1) * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # valid for the whole session: a long idea form must not expire
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE="UTC",
        BABEL_TRANSLATION_DIRECTORIES=";".join(translation_dirs()),
        JSON_SORT_KEYS=False,
    )
    logging.basicConfig(level=logging.INFO if settings.is_production else logging.WARNING)

    db.init_app(app, settings.database_url)
    jobs.init_app(app, settings.redis_url)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    attempts.init_app(app)
    _init_login(app)
    load_policies()
    app.url_map.converters["int"] = BoundedIntConverter  # before the routes: huge ids are a 404
    register_blueprints(app)
    _init_request_cycle(app)
    _init_templates(app)
    _init_errors(app)
    for path, setting in MIDDLEWARE:
        if setting is not None and not getattr(settings, setting):
            continue
        module, name = path.split(":")
        app.wsgi_app = getattr(importlib.import_module(module), name)(app, app.wsgi_app)  # type: ignore[method-assign]
    if settings.proxy_count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count,  # type: ignore[method-assign]
                                x_host=settings.proxy_count)
    return app


def register_blueprints(app: Flask) -> None:
    """Each domain's blueprint, the links its view module adds to the edition pages
    (`EDITION_PAGE_LINKS`, `EDITION_ADMIN_LINKS`) and the parts it adds to other domains' pages
    (`PAGE_PARTS`, see pb.web.parts), kept by this app: no module edits another's lists at import."""
    links: dict[str, list[tuple[Any, ...]]] = {"page": [], "admin": []}
    parts: dict[str, list[Any]] = {}
    for name in BLUEPRINTS:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
        links["page"].extend(getattr(module, "EDITION_PAGE_LINKS", ()))
        links["admin"].extend(getattr(module, "EDITION_ADMIN_LINKS", ()))
        for kind, part in getattr(module, "PAGE_PARTS", {}).items():
            parts.setdefault(kind, []).append(part)
    app.extensions["pb.edition_links"] = links
    app.extensions["pb.page_parts"] = parts


def _init_login(app: Flask) -> None:
    from pb.accounts.services import load_user

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to open this page.")  # type: ignore[assignment]
    login_manager.login_message_category = "info"
    login_manager.user_loader(lambda session_id: load_user(db.session, session_id))


def _init_request_cycle(app: Flask) -> None:
    @app.after_request
    def commit_and_secure(response: Response) -> Response:
        # One commit per request, here; a request that raised is rolled back instead.
        session = g.get("_pb_session")
        if session is not None and session.in_transaction():  # a session never used has nothing to end
            if g.get("pb_rollback"):
                session.rollback()
            else:
                session.commit()
        h = response.headers
        for key, value in security_headers(app):
            h.setdefault(key, value)
        if _may_be_logged_in() and current_user.is_authenticated:
            h.setdefault("Cache-Control", "private, no-store")
        return response

    def _may_be_logged_in() -> bool:
        """Whether a user may be logged in: the request has loaded one, or carries a session or
        remember-me cookie. Without, nobody is, and Flask-Login's loading (the session, an
        identifier hashed for its protection) is spared: the vote API is the busiest route."""
        return "_login_user" in g or any(name in request.cookies for name in login_cookies(app))


def _init_templates(app: Flask) -> None:
    from pb.web.format import day, moment, money, one, percent
    from pb.web.urls import external_url

    app.jinja_env.globals.update(can=lambda action, obj=None: can(current_user, action, obj), get_locale=get_locale,
                                 one=one, external_url=external_url)
    app.jinja_env.filters.update(
        money=money,
        percent=percent,
        number=lambda n: format_decimal(n) if n is not None else "",
        datetime=lambda d, fmt="medium": format_datetime(d, fmt) if d else "",
        date=day,
        moment=moment,
    )
    app.jinja_env.add_extension("jinja2.ext.do")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _init_errors(app: Flask) -> None:
    @app.errorhandler(PbError)
    def domain_error(error: PbError) -> tuple[Any, int]:
        g.pb_rollback = True
        if _wants_json():
            return jsonify(error.as_json()), error.status
        return render_template("error.html", status=error.status, message=error.text()), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        g.pb_rollback = True
        status = error.code or 500
        if _wants_json():
            return jsonify({"error": {"code": (error.name or "error").lower().replace(" ", "_"),
                                      "message": error.description}}), status
        if status == 401:
            return login_manager.unauthorized()
        if status in (403, 404, 405, 413, 429):
            return render_template("error.html", status=status, message=None), status
        return error

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> tuple[Any, int]:
        g.pb_rollback = True
        app.logger.exception("unhandled error on %s", request.path)
        if app.testing and not app.config.get("PB_RENDER_500"):
            raise error
        if _wants_json():
            return jsonify({"error": {"code": "server_error", "message": "Internal error"}}), 500
        return render_template("error.html", status=500, message=None), 500
