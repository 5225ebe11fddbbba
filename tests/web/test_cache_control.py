"""Pages seen by a logged-in user are never cached; anonymous ones are not marked (pb.app skips
loading the user when the request carries no session or remember-me cookie)."""

from __future__ import annotations


def test_pages_of_a_logged_in_user_are_not_cached(client, make, auth, session) -> None:
    assert "no-store" not in (client.get("/").headers.get("Cache-Control") or "")
    user = make.user()
    session.commit()
    auth.login(user)
    assert client.get("/").headers["Cache-Control"] == "private, no-store"
    auth.logout()
    assert "no-store" not in (client.get("/").headers.get("Cache-Control") or "")


def test_the_login_response_itself_is_not_cached(client, make, session) -> None:
    from ..conftest import PASSWORD

    user = make.user()
    session.commit()
    client.delete_cookie("pb_session")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Cache-Control"] == "private, no-store"  # the user was loaded by this request
