"""Asking for a voting code on the site (issue 10 §2): knowing a neighbour's name and birth date
never sends their code to one's own address, and the form never says who is on the register."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pb.editions.models import Verification
from pb.voting.models import CodeRequest, CodeRequestKind, CodeRequestStatus, Voter, VotingToken

from .conftest import build_world

# build_world's register: line i is Habitant<i>, Prénom<i>, born 1980-01-01 + i days.
NEIGHBOUR = {"last_name": "HABITANT1", "first_name": "prénom1", "birth_date": "1980-01-02"}
NOBODY = {"last_name": "Nobody", "first_name": "Anne", "birth_date": "1980-01-02"}


def _answer(response) -> str:
    text = response.get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*>', "", re.sub(r"<main.*?>|</main>.*", "", text, flags=re.S))


def _ask(client, world, data):
    return client.post(f"/editions/{world.slug}/vote/request-code", data=data)


def test_the_code_goes_only_to_the_registers_address_never_to_one_typed(en_client, session, make, outbox) -> None:
    world = build_world(session, make, verification="self_registration", issue=False, emails=True)
    page = en_client.get(f"/editions/{world.slug}/vote/request-code").get_data(as_text=True)
    assert 'name="email"' not in page  # nowhere to type an address of one's own
    attack = _ask(en_client, world, {**NEIGHBOUR, "email": "thief@ville.example"})
    assert attack.status_code == 200
    assert [m["To"] for m in outbox] == ["voter2@ville.example"] and "/vote/" in outbox[0].get_content()
    assert "voter2" not in attack.get_data(as_text=True)  # not even masked


def test_a_register_entry_without_address_gets_a_letter_through_staff(en_client, session, make, outbox, auth) -> None:
    world = build_world(session, make, verification="self_registration", issue=False)
    assert _ask(en_client, world, {**NEIGHBOUR, "email": "thief@ville.example"}).status_code == 200
    _ask(en_client, world, NEIGHBOUR)  # asking twice queues one request
    assert outbox == []
    session.expire_all()
    request = session.scalars(sa.select(CodeRequest)).one()
    assert request.kind == CodeRequestKind.LETTER and request.email == ""
    admin = make.admin()
    session.commit()
    auth.login(admin)
    base = f"/admin/editions/{world.edition.id}/voting"
    assert "A letter by post" in en_client.get(base + "/requests").get_data(as_text=True)
    assert en_client.get(base + f"/requests/{request.id}").status_code == 200  # the page asks first
    done = en_client.post(base + f"/requests/{request.id}", data={"decision": "approve"})
    assert done.status_code == 200 and re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done.get_data(as_text=True))
    session.expire_all()
    assert session.get(CodeRequest, request.id).status == CodeRequestStatus.APPROVED and outbox == []
    assert en_client.post(base + f"/requests/{request.id}", data={"decision": "approve"}).status_code == 409


def test_the_answer_is_the_same_whether_or_not_the_identity_is_on_the_register(en_client, session, make) -> None:
    for verification in ("self_registration", "declared_email"):
        world = build_world(session, make, verification=verification, issue=False, emails=True, min_voter_age=16)
        email = {"email": "me@ville.example"} if verification == "declared_email" else {}
        on = _ask(en_client, world, {**NEIGHBOUR, **email})
        off = _ask(en_client, world, {**NOBODY, **email})
        too_young = _ask(en_client, world, {**NOBODY, "birth_date": "2020-01-01", **email})
        assert on.status_code == off.status_code == too_young.status_code == 200
        assert _answer(on) == _answer(off) == _answer(too_young)
        # Already voted: the same words again.
        voter = session.scalar(sa.select(Voter).where(Voter.edition_id == world.edition.id).order_by(Voter.id).offset(1))
        session.execute(sa.update(VotingToken).where(VotingToken.voter_id == voter.id).values(used_at=sa.func.now()))
        session.commit()
        assert _answer(_ask(en_client, world, {**NEIGHBOUR, **email})) == _answer(off)


def test_declared_email_binds_the_first_address_and_sends_another_to_staff(en_client, session, make, outbox,
                                                                          auth) -> None:
    world = build_world(session, make, verification="declared_email", issue=False)
    assert world.edition.verification_level == "email"  # what the barometer reads (B6)
    page = en_client.get(f"/editions/{world.slug}/vote/request-code").get_data(as_text=True)
    assert "Low level of verification" in page and 'name="email"' in page
    rules = en_client.get(f"/api/v1/editions/{world.slug}").get_json()["rules"]
    assert any("low level of verification" in line for line in rules)
    first = {**NEIGHBOUR, "email": "me@ville.example"}
    assert _ask(en_client, world, first).status_code == 200
    assert _ask(en_client, world, {**first, "email": "ME@ville.example"}).status_code == 200  # the same address
    thief = _ask(en_client, world, {**NEIGHBOUR, "email": "thief@ville.example"})
    assert thief.status_code == 200 and _answer(thief) == _answer(_ask(en_client, world, first))
    assert {m["To"] for m in outbox} == {"me@ville.example"}
    session.expire_all()
    request = session.scalars(sa.select(CodeRequest)).one()
    assert (request.kind, request.email) == (CodeRequestKind.NEW_ADDRESS, "thief@ville.example")
    old_link = re.search(r"/vote/(\S+)", outbox[0].get_content()).group(1)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    base = f"/admin/editions/{world.edition.id}/voting"
    refused = en_client.post(base + f"/requests/{request.id}", data={"decision": "refuse"})
    assert refused.status_code == 302 and {m["To"] for m in outbox} == {"me@ville.example"}
    # The owner calls the town hall from a new address: staff check and approve.
    _ask(en_client, world, {**NEIGHBOUR, "email": "new@ville.example"})
    session.expire_all()
    pending = session.scalars(sa.select(CodeRequest).where(CodeRequest.status == CodeRequestStatus.PENDING)).one()
    assert en_client.post(base + f"/requests/{pending.id}", data={"decision": "approve"}).status_code == 302
    assert outbox[-1]["To"] == "new@ville.example"
    en_client.post("/account/logout")
    assert en_client.get(f"/vote/{old_link}").status_code == 403  # the link sent to the first address is cancelled


def test_registration_closed_when_the_edition_sends_codes_itself(en_client, session, make) -> None:
    world = build_world(session, make, verification="register", issue=False)
    assert Verification.REGISTER.level == Verification.SELF_REGISTRATION.level == "register"
    response = _ask(en_client, world, NEIGHBOUR)
    assert response.status_code == 409
