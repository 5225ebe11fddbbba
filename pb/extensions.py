"""Flask extensions, created once and bound to the app in `pb.app.create_app`."""

from __future__ import annotations

from flask import g
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def failed_attempt() -> None:
    """A view calls this when the request was a failed attempt (wrong password, bad code), so that
    rate limits declared with `deduct_when=counts_failures` count failures only: a town-hall kiosk
    where many people succeed from one address is never blocked."""
    g.pb_failed_attempt = True


def counts_failures(_response: object) -> bool:
    return bool(g.get("pb_failed_attempt", False))
