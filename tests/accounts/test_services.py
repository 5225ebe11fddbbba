from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from pb.accounts import services
from pb.accounts.models import Role, User
from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.errors import Forbidden, ValidationFailed

from ..conftest import PASSWORD


def _link(outbox, kind: str) -> str:
    body = outbox[-1].get_content()
    return re.search(rf"https?://\S+/account/{kind}/(\S+)", body).group(1)


def test_register_sends_a_confirmation_link_after_commit(session, outbox) -> None:
    user = services.register_user(session, " Alice@Ville.example ", PASSWORD, "Alice")
    assert user.email == "alice@ville.example"
    assert outbox == []  # nothing leaves before the commit
    session.commit()
    assert len(outbox) == 1 and outbox[0]["To"] == "alice@ville.example"
    token = _link(outbox, "confirm")
    assert services.confirm_email(session, token) is user
    assert user.is_confirmed


def test_a_rolled_back_registration_sends_nothing(session, outbox) -> None:
    services.register_user(session, "bob@ville.example", PASSWORD, "Bob")
    session.rollback()
    assert outbox == []


def test_register_does_not_reveal_a_taken_address_and_refuses_a_short_password(session, make, outbox) -> None:
    owner = make.user("taken@ville.example")
    session.commit()
    outbox.clear()
    assert services.register_user(session, "TAKEN@ville.example", PASSWORD, "X") is None
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert [m["To"] for m in outbox] == [owner.email]  # the owner is told; the page says nothing more
    assert "/account/forgot" in outbox[0].get_content()
    with pytest.raises(ValidationFailed) as info:
        services.register_user(session, "new@ville.example", "short", "X")
    assert info.value.field == "password"


def test_tampered_confirmation_link_is_refused(session, outbox) -> None:
    services.register_user(session, "carl@ville.example", PASSWORD, "Carl")
    session.commit()
    with pytest.raises(services.BadLink):
        services.confirm_email(session, _link(outbox, "confirm") + "x")


def test_authenticate_requires_a_confirmed_address(session, make, outbox) -> None:
    user = make.user("new@ville.example", confirmed=False)
    with pytest.raises(services.EmailNotConfirmed):
        services.authenticate(session, user.email, PASSWORD)
    session.commit()
    assert outbox and "confirm" in outbox[-1].get_content()


def test_unknown_address_and_wrong_password_give_the_same_refusal(session, make) -> None:
    make.user("eve@ville.example")
    with pytest.raises(services.InvalidCredentials) as a:
        services.authenticate(session, "nobody@ville.example", PASSWORD)
    with pytest.raises(services.InvalidCredentials) as b:
        services.authenticate(session, "eve@ville.example", "not the password")
    assert a.value.text() == b.value.text()


def test_blocked_account_cannot_log_in(session, make) -> None:
    moderator = make.user(roles=[Role.MODERATOR])
    user = make.user("troll@ville.example")
    services.set_blocked(session, moderator, user, True, "insults")
    with pytest.raises(services.AccountBlocked):
        services.authenticate(session, user.email, PASSWORD)
    services.set_blocked(session, moderator, user, False)
    assert services.authenticate(session, user.email, PASSWORD) is user


def test_nobody_blocks_an_administrator_and_residents_block_nobody(session, make) -> None:
    moderator, admin, resident = make.user(roles=[Role.MODERATOR]), make.admin(), make.user()
    with pytest.raises(Forbidden):
        services.set_blocked(session, moderator, admin, True)
    with pytest.raises(Forbidden):
        services.set_blocked(session, resident, moderator, True)


def test_password_reset_link_works_once_and_logs_out_other_sessions(session, make, outbox) -> None:
    user = make.user("fred@ville.example")
    version = user.session_version
    services.request_password_reset(session, user.email)
    session.commit()
    token = _link(outbox, "reset")
    services.reset_password(session, token, "a brand new password")
    assert services.authenticate(session, user.email, "a brand new password") is user
    assert user.session_version == version + 1
    assert services.load_user(session, f"{user.id}:{version}") is None
    with pytest.raises(services.BadLink):
        services.reset_password(session, token, "another new password")


def test_password_reset_link_expires(session, make, outbox, app, monkeypatch) -> None:
    user = make.user("gina@ville.example")
    services.request_password_reset(session, user.email)
    session.commit()
    token = _link(outbox, "reset")
    import itsdangerous.timed

    real_now = itsdangerous.timed.TimestampSigner.get_timestamp
    hours = app.config["PB_SETTINGS"].password_reset_hours
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real_now(self) + hours * 3600 + 5)
    with pytest.raises(services.ExpiredLink):
        services.reset_password(session, token, "a brand new password")


def test_reset_request_for_unknown_address_sends_nothing(session, outbox) -> None:
    services.request_password_reset(session, "nobody@ville.example")
    session.commit()
    assert outbox == []


def test_roles_are_granted_by_admins_only_and_scoped(session, make) -> None:
    admin, person, other = make.admin(), make.user(), make.user()
    edition = make.edition(districts=2)
    district = edition.districts[0]
    with pytest.raises(Forbidden):
        services.grant_role(session, other, person, Role.REVIEWER)
    services.grant_role(session, admin, person, Role.REVIEWER, district_id=district.id)
    from pb.authz import has_role

    assert has_role(person, "reviewer", edition.id, district.id)
    assert not has_role(person, "reviewer", edition.id, edition.districts[1].id)
    assert not has_role(person, "reviewer", edition.id)  # a district role is not an edition role
    assert has_role(person, "reviewer", anywhere=True)
    with pytest.raises(ValidationFailed):
        services.grant_role(session, admin, person, Role.RESIDENT)
    # Granting the same role twice keeps one assignment.
    services.grant_role(session, admin, person, Role.REVIEWER, district_id=district.id)
    assert len(person.roles) == 1
    assert session.query(AuditEntry).filter_by(action="role.grant", target_id=str(person.id)).count() == 1


def test_the_last_administrator_cannot_be_removed(session, make) -> None:
    admin = make.admin()
    with pytest.raises(ValidationFailed):
        services.revoke_role(session, admin, admin.roles[0])
    second = make.admin()
    services.revoke_role(session, second, admin.roles[0])
    assert admin.roles == []


def test_create_admin_from_the_command_line_is_confirmed(session) -> None:
    user = services.create_admin(session, "Mayor@Ville.example", PASSWORD, "Mayor")
    assert user.is_confirmed and [a.role for a in user.roles] == [Role.ADMIN]
    again = services.create_admin(session, "mayor@ville.example", PASSWORD, "Mayor")
    assert again is user and len(user.roles) == 1
    assert SYSTEM.is_authenticated
