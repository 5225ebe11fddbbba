"""Home page, language switch, health check."""

from __future__ import annotations

from typing import Any, Callable, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug import Response

from pb.authz import public
from pb.db import db
from pb.editions.services import get_territory, list_editions
from pb.i18n import LANG_COOKIE
from pb.web.redact import install_filters

bp = Blueprint("web", __name__)
F = TypeVar("F", bound=Callable[..., Any])


@bp.record_once
def _setup(_state: object) -> None:
    install_filters()


def no_store(view: F) -> F:
    """Mark a page that must never be kept by a browser or a proxy (a ballot, a review, a receipt)."""
    view._pb_no_store = True  # type: ignore[attr-defined]
    return view


@bp.after_app_request
def _no_store(response: Response) -> Response:
    """Pages marked `no_store` and every page reached with a token: `Cache-Control: no-store`."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "_pb_no_store", False) or "token" in (request.view_args or {}):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


@bp.before_app_request
def _refuse_nul_bytes() -> None:
    """No stored text can hold a NUL byte (PostgreSQL refuses it, with a 500): a request with one
    in its path, its query string, its form or a text body (CSV) is a 400, whatever the route
    (files uploaded in a form are not text: they are not read here; JSON bodies are left to
    their views, the vote's reads its stream itself and refuses a NUL byte)."""
    fields = [request.path, *request.args.keys(), *request.args.values()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += [*request.form.keys(), *request.form.values()]
    elif request.mimetype.startswith("text/"):
        fields.append(request.get_data(as_text=True))
    if any("\x00" in value for value in fields):
        abort(400)



@bp.get("/")
@public
def home() -> str:
    editions = list_editions(db.session, current_user)
    from pb.site.services import page

    return render_template("home.html", territory=get_territory(db.session), editions=editions,
                           home_text=page(db.session, "home"))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.get("/lang/<code>")
@public
def set_language(code: str) -> Response:
    from flask import current_app

    settings = current_app.config["PB_SETTINGS"]
    response = make_response(redirect(safe_next(request.args.get("next"), url_for("web.home"))))
    if code in settings.locales:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                            secure=settings.secure_cookies, httponly=True)
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code  # committed with the request
    return response


@bp.get("/healthz")
@public
def health() -> tuple[dict[str, str], int]:
    import sqlalchemy as sa

    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}, 200

