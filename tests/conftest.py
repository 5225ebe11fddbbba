"""Test fixtures.

The database is SQLite (a temporary file) unless PB_TEST_DATABASE_URL names a PostgreSQL
database (CI runs the suite on both). The schema is created once per run; every test that uses
the app starts from empty tables (rows are deleted after each test), and the app commits for
real, as in production. Tests that need a real Redis read PB_TEST_REDIS_URL."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from pb import mail
from pb.app import create_app
from pb.db import db, make_engine
from pb.models import load_models

TEST_DATABASE_URL = os.environ.get("PB_TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("PB_TEST_REDIS_URL", "")
IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
PASSWORD = "correct horse battery"
CHROMIUM = Path("/usr/bin/chromium")
KEY_FOLDER = tempfile.mkdtemp(prefix="pb-keys-")  # the editions' key files, shared by the apps of a run


def pytest_configure(config: pytest.Config) -> None:
    from pb.i18n import compile_catalogs

    compile_catalogs()  # the tests read the French catalogues as they are now


def pytest_report_header() -> list[str]:
    return [f"pb database: {'PostgreSQL ' + TEST_DATABASE_URL if IS_POSTGRES else 'SQLite (temporary file)'}",
            f"pb redis: {TEST_REDIS_URL or 'none (rq synchronous mode)'}"]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'pb-test.sqlite3'}"
    metadata = load_models().metadata
    engine = make_engine(url)
    with engine.begin() as connection:
        if IS_POSTGRES:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        metadata.create_all(connection)
    engine.dispose()
    yield url


class ServerLikeClient(FlaskClient):
    """Reads the whole response and closes it, as a WSGI server does: what runs after the response
    (pb.jobs.AfterResponse: the e-mails of a request, without Redis) has run when a call returns."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    # Failed-attempt counts live in each app's memory during tests (reset after each test).
    settings = {"env": "test", "database_url": database_url, "mail_backend": "memory", "redis_url": "",
                "base_url": "http://localhost", "rate_limit_storage": "memory://",
                "ballot_key_folder": KEY_FOLDER}
    settings.update({k: v for k, v in overrides.items() if k.islower()})
    app = create_app(settings)
    app.test_client_class = ServerLikeClient
    app.config.update(WTF_CSRF_ENABLED=False)
    app.config.update({k: v for k, v in overrides.items() if k.isupper()})
    return app


@pytest.fixture(scope="session")
def app(database_url: str) -> Flask:
    return make_test_app(database_url)


@pytest.fixture(autouse=True)
def _small_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's register has 700 voters (realistic results); the tests load the same demo with
    60, which walks the same code in a fraction of the time."""
    monkeypatch.setattr("pb.voting.demo.VOTERS", 60)


@pytest.fixture(autouse=True)
def _frozen_attempt_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failed attempts are counted in fixed windows aligned on the wall clock (pb/attempts.py): a
    test that crossed a window's end would see its counts start again. The tests' clock stands
    still, in the middle of every window."""
    monkeypatch.setattr("pb.attempts.clock", lambda: 1_800_000_030.0)


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that touched the database."""
    yield
    if "database_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("database_url")
    engine = _cleanup_engine(url)
    with engine.begin() as connection:
        for table in reversed(load_models().metadata.sorted_tables):
            connection.execute(table.delete())
    mail.outbox.clear()
    if "app" in request.fixturenames:  # the failed-attempt counts belong to the app (pb/attempts.py)
        from pb.attempts import limiter_of

        limiter_of(request.getfixturevalue("app")).reset()


_engines: dict[str, sa.Engine] = {}


def _cleanup_engine(url: str) -> sa.Engine:
    if url not in _engines:
        _engines[url] = make_engine(url, **({"poolclass": sa.pool.NullPool} if not IS_POSTGRES else {}))
    return _engines[url]


@pytest.fixture(scope="session")
def side_app(database_url: str) -> Flask:
    """The app the test code itself runs services in. It must not be the one the client calls:
    Flask reuses an app context already pushed for the same app, so requests would share the
    test's `g` (its session, its logged-in user) instead of getting their own, as in production."""
    return make_test_app(database_url)


@pytest.fixture
def session(side_app: Flask) -> Iterator[Session]:
    """A session for the test's own set-up and checks; commit to make rows visible to client
    requests, expire_all() to see what they wrote."""
    with side_app.app_context():
        yield db.session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def outbox() -> list[Any]:
    return mail.outbox


# -- factories (through the services, so set-up obeys the rules) -----------------------------------

class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0

    def user(self, email: str | None = None, *, roles: list[Any] | None = None, confirmed: bool = True,
             name: str | None = None, password: str = PASSWORD) -> Any:
        """An account as a person makes one (registration, then the link of the confirmation
        e-mail), with the staff roles an administrator grants. Only the password's hash is
        remembered between calls (hashing is slow on purpose); nobody is e-mailed."""
        from pb.accounts import services
        from pb.authz import SYSTEM
        from pb.mail import QUIET

        self.count += 1
        quiet = self.session.info.get(QUIET)
        self.session.info[QUIET] = True
        try:
            with _remembered_hashes():
                user = services.register_user(self.session, email or f"person{self.count}@ville.example", password,
                                              name or f"Person {self.count}")
            if confirmed:
                services.confirm_email(self.session, services.make_link_token(user, "confirm"))
            for role in roles or []:
                role, scope = role if isinstance(role, tuple) else (role, None)
                kind = type(scope).__name__
                services.grant_role(self.session, SYSTEM, user, role,
                                    edition_id=scope.id if kind == "Edition" else None,
                                    district_id=scope.id if kind == "District" else None)
        finally:
            self.session.info[QUIET] = quiet
        self.session.flush()
        return user

    def admin(self, email: str | None = None) -> Any:
        return self.user(email, roles=["admin"])

    def edition(self, *, slug: str | None = None, districts: int = 2, citywide: bool = False,
                envelope_cents: int = 100_000_00, **rules: Any) -> Any:
        from pb.authz import SYSTEM
        from pb.editions import services

        self.count += 1
        edition = services.create_edition(self.session, SYSTEM, name=f"Budget participatif {self.count}",
                                          slug=slug or f"bp-{self.count}", year=2027)
        for i in range(districts):
            services.save_district(self.session, SYSTEM, edition, name=f"Quartier {i + 1}", code=f"q{i + 1}",
                                   envelope_cents=envelope_cents, population=10_000 + i, position=i)
        if citywide:
            services.save_district(self.session, SYSTEM, edition, name="Toute la ville", code="ville",
                                   envelope_cents=envelope_cents * 2, population=0, is_citywide=True)
        if rules:
            services.update_rules(self.session, SYSTEM, edition, **rules)
        self.session.flush()
        return edition


_hash_cache: dict[str, str] = {}


@contextlib.contextmanager
def _remembered_hashes() -> Iterator[None]:
    """The services hash each password once per test run (a real hash of that password)."""
    from pb.accounts import services

    real = services.hash_password

    def remembered(password: str) -> str:
        if password not in _hash_cache:
            _hash_cache[password] = real(password)
        return _hash_cache[password]

    services.hash_password = remembered  # type: ignore[assignment]
    try:
        yield
    finally:
        services.hash_password = real  # type: ignore[assignment]


@pytest.fixture
def make(session: Session) -> Factory:
    return Factory(session)


class Auth:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, user: Any, password: str = PASSWORD) -> Any:
        response = self.client.post("/account/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def logout(self) -> Any:
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


# -- a live server and a browser (Playwright driving Debian's Chromium) --------------------------------

@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[str]:
    from werkzeug.serving import make_server

    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Debian's Chromium at /usr/bin/chromium: run `sudo apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


# Every browser test runs twice: on a desktop screen and on a phone (390×844, touch, as an iPhone).
SCREENS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3},
}


@pytest.fixture(params=sorted(SCREENS))
def screen(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The screen of the `page` fixture; tests that open more browser contexts use it too."""
    return SCREENS[request.param]


@pytest.fixture
def page(browser: Any, live_server: str, screen: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server, locale="fr-FR", **screen)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
