"""Home page, language switch, health check."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug import Response

from pb.authz import public
from pb.db import db
from pb.editions.services import get_territory, list_editions
from pb.i18n import LANG_COOKIE

bp = Blueprint("web", __name__)


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

