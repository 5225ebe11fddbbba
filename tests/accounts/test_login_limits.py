"""Failed logins (issue 10 §6): limited per account and address first, per address generously,
kiosks exempt; a lock stays where the attempts failed; nothing says whether an account exists;
logging out ends the session and the remember-me cookie on the server side."""

from __future__ import annotations

import pytest

from pb.audit.models import AuditEntry

from ..conftest import PASSWORD, make_test_app


@pytest.fixture
def limited(database_url):  # type: ignore[no-untyped-def]
    return make_test_app(database_url, login_max_failures=3, rate_limit_login="6 per minute",
                         kiosk_addresses=["192.0.2.0/24"])


def _login(app, email, password, address):  # type: ignore[no-untyped-def]
    return app.test_client().post("/account/login", data={"email": email, "password": password},
                                  environ_base={"REMOTE_ADDR": address})


def _message(response) -> str:  # type: ignore[no-untyped-def]
    text = response.get_data(as_text=True)
    start = text.index('flash-error')
    return text[start:text.index("</", start)]


def test_a_lock_applies_to_the_address_that_failed_not_to_the_resident_elsewhere(limited, session, make) -> None:
    user = make.user("dora@ville.example")
    session.commit()
    assert [_login(limited, user.email, "wrong!", "10.1.0.1").status_code for _ in range(3)] == [401] * 3
    assert _login(limited, user.email, PASSWORD, "10.1.0.1").status_code == 429  # locked here
    assert _login(limited, user.email, PASSWORD, "10.2.0.2").status_code == 302  # the resident, at home
    session.expire_all()
    assert session.query(AuditEntry).filter_by(action="account.locked").count() == 1


def test_a_lock_says_nothing_about_whether_the_account_exists(limited, session, make) -> None:
    user = make.user("eve@ville.example")
    session.commit()
    for email, address in ((user.email, "10.3.0.1"), ("nobody@ville.example", "10.3.0.2")):
        for _ in range(3):
            _login(limited, email, "wrong!", address)
    known, unknown = (_login(limited, e, "wrong!", a) for e, a in ((user.email, "10.3.0.1"),
                                                                    ("nobody@ville.example", "10.3.0.2")))
    assert known.status_code == unknown.status_code == 429 and _message(known) == _message(unknown)


def test_one_address_is_limited_generously_and_a_kiosk_not_at_all(limited, session, make) -> None:
    statuses = [_login(limited, f"p{i}@ville.example", "wrong!", "10.4.0.1").status_code for i in range(7)]
    assert statuses == [401] * 6 + [429]  # many accounts from one ordinary address: the address budget
    kiosk = [_login(limited, f"k{i}@ville.example", "wrong!", "192.0.2.7").status_code for i in range(10)]
    assert kiosk == [401] * 10  # a town-hall kiosk: per account only


def test_logout_ends_the_session_and_the_remember_me_cookie_on_the_server(app, session, make) -> None:
    user = make.user("fred@ville.example")
    session.commit()
    client = app.test_client()
    assert client.post("/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}).status_code == 302
    stolen = {c.key: c.value for c in client._cookies.values()}  # noqa: SLF001 - what a thief copied
    assert "pb_session" in stolen and "remember_token" in stolen
    assert client.get("/account/").status_code == 200
    client.post("/account/logout")
    for name in ("pb_session", "remember_token"):
        thief = app.test_client()
        thief.set_cookie(name, stolen[name])
        response = thief.get("/account/")
        assert response.status_code in (302, 401, 403), (name, response.status_code)
