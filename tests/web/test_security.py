from __future__ import annotations

import pytest

from ..conftest import PASSWORD, make_test_app


@pytest.fixture
def csrf_client(database_url):
    return make_test_app(database_url, WTF_CSRF_ENABLED=True).test_client()


def test_a_form_post_without_csrf_token_is_refused(csrf_client, make, session) -> None:
    user = make.user("csrf@ville.example")
    session.commit()
    response = csrf_client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "pb_session" not in (response.headers.get("Set-Cookie") or "") or "_user_id" not in response.get_data(as_text=True)
    # The same post with the token from the form succeeds.
    page = csrf_client.get("/account/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    ok = csrf_client.post("/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_security_headers_on_every_page(client) -> None:
    response = client.get("/")
    h = response.headers
    assert "default-src 'self'" in h["Content-Security-Policy"] and "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client, make, auth, session) -> None:
    user = make.user()
    session.commit()
    response = auth.login(user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_in_production_settings(database_url) -> None:
    app = make_test_app(database_url, secure_cookies=True)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_friendly_404_and_403_pages(client, make, auth, session) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "<h1>" in response.get_data(as_text=True)
    resident = make.user()
    session.commit()
    auth.login(resident)
    response = client.get("/admin/territory")
    assert response.status_code == 403 and "<h1>" in response.get_data(as_text=True)


def test_friendly_500_page(database_url) -> None:
    app = make_test_app(database_url, PB_RENDER_500=True)

    @app.get("/boom")
    def boom():  # pragma: no cover - only called by this test
        raise RuntimeError("boom")

    boom._pb_access = "public"
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "RuntimeError" not in text and "Traceback" not in text and "<h1>" in text


def test_open_redirects_are_refused(client) -> None:
    response = client.get("/lang/en?next=https://evil.example/")
    assert response.location == "/"
    response = client.get("/lang/en?next=//evil.example/")
    assert response.location == "/"
    response = client.get("/lang/en?next=/editions/x")
    assert response.location == "/editions/x"


def test_login_rate_limit_counts_failures_per_address(database_url, make, session) -> None:
    app = make_test_app(database_url, rate_limit_login="3 per minute")
    client = app.test_client()
    user = make.user("limited@ville.example")
    session.commit()
    # Successful logins never count.
    for _ in range(5):
        assert client.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        client.post("/account/logout")
    statuses = [client.post("/account/login", data={"email": user.email, "password": "wrong!"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
