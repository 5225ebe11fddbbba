from __future__ import annotations

import re

from pb.accounts.models import RoleAssignment, User

from ..conftest import PASSWORD


def _link(outbox, kind):
    return re.search(rf"https?://\S+(/account/{kind}/\S+)", outbox[-1].get_content()).group(1)


def test_register_confirm_login_logout(client, outbox, session) -> None:
    response = client.post("/account/register", data={"display_name": "Inès", "email": "ines@ville.example",
                                                      "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    # Not confirmed yet: login refused with a clear message, and a new link is sent.
    response = client.post("/account/login", data={"email": "ines@ville.example", "password": PASSWORD})
    assert response.status_code == 401
    assert "confirm" in response.get_data(as_text=True).lower()
    response = client.get(_link(outbox, "confirm"))
    assert response.status_code == 302
    response = client.post("/account/login", data={"email": "ines@ville.example", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/").status_code == 200
    client.post("/account/logout")
    assert client.get("/account/").status_code == 302


def test_register_form_shows_errors_and_keeps_input(client, make, session) -> None:
    make.user("taken@ville.example")
    session.commit()
    response = client.post("/account/register", data={"display_name": "Jo", "email": "taken@ville.example",
                                                      "password": PASSWORD, "confirm": "different password"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="taken@ville.example"' in text and 'value="Jo"' in text
    assert 'aria-invalid="true"' in text and "error-summary" in text


def test_forgot_and_reset_password_through_the_pages(client, make, session, outbox) -> None:
    user = make.user("kim@ville.example")
    session.commit()
    assert client.post("/account/forgot", data={"email": "kim@ville.example"}).status_code == 302
    path = _link(outbox, "reset")
    assert client.post(path, data={"password": "new password 123", "confirm": "new password 123"}).status_code == 302
    assert client.post("/account/login", data={"email": user.email, "password": "new password 123"}).status_code == 302
    # The link works once.
    response = client.post(path, data={"password": "newer password 123", "confirm": "newer password 123"})
    assert response.status_code == 400


def test_language_switch_sets_cookie_and_profile(client, make, auth, session) -> None:
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)
    client.get("/lang/en?next=/")
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    user = make.user("lang@ville.example")
    session.commit()
    auth.login(user)
    client.get("/lang/fr?next=/")
    session.expire_all()
    assert session.get(User, user.id).locale == "fr"
    client.get("/lang/en?next=/")
    session.expire_all()
    assert session.get(User, user.id).locale == "en"


def test_password_change_logs_out_other_sessions(app, make, session) -> None:
    user = make.user("two@ville.example")
    session.commit()
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        assert c.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = first.post("/account/", data={"which": "password", "pw-current": PASSWORD,
                                             "pw-password": "another long one", "pw-confirm": "another long one"})
    assert response.status_code == 302
    assert first.get("/account/").status_code == 200  # this browser stays in
    assert second.get("/account/").status_code == 302  # the other one is out


def test_admin_grants_and_revokes_a_scoped_role(client, make, auth, session) -> None:
    admin = make.admin("boss@ville.example")
    edition = make.edition()
    person = make.user("helper@ville.example")
    session.commit()
    auth.login(admin)
    response = client.post("/admin/staff", data={"email": "helper@ville.example", "role": "reviewer",
                                                 "scope": f"d{edition.districts[0].id}"})
    assert response.status_code == 302
    session.expire_all()
    assignment = session.query(RoleAssignment).filter_by(user_id=person.id).one()
    assert assignment.district_id == edition.districts[0].id and assignment.role == "reviewer"
    page = client.get("/admin/staff").get_data(as_text=True)
    assert "helper@ville.example" in page
    # Unknown address: the form says so.
    response = client.post("/admin/staff", data={"email": "nobody@ville.example", "role": "moderator", "scope": ""})
    assert response.status_code == 422
    # Revoking asks for confirmation first.
    assert client.get(f"/admin/staff/{assignment.id}/revoke").status_code == 200
    assert client.post(f"/admin/staff/{assignment.id}/revoke").status_code == 302
    session.expire_all()
    assert session.query(RoleAssignment).filter_by(user_id=person.id).count() == 0


def test_password_change_needs_the_current_password(client, make, auth, session) -> None:
    user = make.user("three@ville.example")
    session.commit()
    auth.login(user)
    response = client.post("/account/", data={"which": "password", "pw-current": "not my password",
                                              "pw-password": "another long one", "pw-confirm": "another long one"})
    assert response.status_code == 422 and 'id="pw-current-error"' in response.get_data(as_text=True)
    client.post("/account/logout")
    assert client.post("/account/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
