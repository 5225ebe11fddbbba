"""Residents' rights: change the e-mail address, download my data, delete my account; nobody
learns from the pages whether an address has an account; moderation e-mails say whom to write to."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from pb.accounts.models import User
from pb.editions.models import Phase
from pb.ideas import comments, moderation
from pb.ideas.models import Comment, IdeaAuthor

from ..conftest import PASSWORD
from ..ideas import conftest as ideas

cycle = ideas.cycle  # the fixture that walks ideas through their life with the services


def _link(message, path: str) -> str:
    return re.search(rf"https?://\S+({path}/\S+)", message.get_content()).group(1)


def test_change_e_mail_address_after_confirming_the_new_one(session, make, client, auth, outbox) -> None:
    alice, bob = make.user("alice@ville.example"), make.user("bob@ville.example")
    session.commit()
    auth.login(alice)
    outbox.clear()
    response = client.post("/account/email", data={"email": "alice@ville.example", "current": "not the password"})
    assert response.status_code == 422 and 'value="alice@ville.example"' in response.get_data(as_text=True)
    assert outbox == []
    # An address that has an account: the same answer, its owner is told, nothing changes.
    response = client.post("/account/email", data={"email": "Bob@ville.example", "current": PASSWORD})
    assert response.status_code == 302
    assert [m["To"] for m in outbox] == [bob.email] and "/account/email/" not in outbox[0].get_content()
    outbox.clear()
    response = client.post("/account/email", data={"email": "Alice.Martin@ville.example", "current": PASSWORD})
    assert response.status_code == 302 and [m["To"] for m in outbox] == ["alice.martin@ville.example"]
    session.expire_all()
    assert session.get(User, alice.id).email == "alice@ville.example"  # not before the link is opened
    link = _link(outbox[0], "/account/email")
    outbox.clear()
    assert client.get(link).status_code == 302
    session.expire_all()
    assert session.get(User, alice.id).email == "alice.martin@ville.example"
    assert [m["To"] for m in outbox] == ["alice@ville.example"]  # the old address is told
    assert client.get(link).status_code == 400  # the link works once
    assert client.get(link[:-3] + "abc").status_code == 400


def test_registration_does_not_reveal_an_existing_account(session, make, client, outbox) -> None:
    make.user("taken@ville.example")
    session.commit()
    outbox.clear()
    answers = []
    for email in ("taken@ville.example", "new@ville.example"):
        response = client.post("/account/register", data={"display_name": "Jo", "email": email, "password": PASSWORD,
                                                          "confirm": PASSWORD}, follow_redirects=True)
        answers.append((response.status_code, re.sub(r"\s+", " ", response.get_data(as_text=True))))
    assert answers[0] == answers[1]
    assert sorted(m["To"] for m in outbox) == ["new@ville.example", "taken@ville.example"]


def test_download_my_data(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user(name="Alice Martin")
    idea = cycle.idea(edition, alice, title="Des bancs au square")
    comments.add_comment(session, alice, body="Je précise mon idée.", idea=idea)
    session.commit()
    assert client.get("/account/my-data.json").status_code == 302  # logged in only
    auth.login(alice)
    response = client.get("/account/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == alice.email and data["account"]["display_name"] == "Alice Martin"
    assert [i["title"] for i in data["ideas"]] == ["Des bancs au square"]
    assert [c["body"] for c in data["comments"]] == ["Je précise mon idée."]
    assert "ballot" in data["votes"] or "bulletin" in data["votes"]


def test_delete_my_account_keeps_what_i_published_as_former_participant(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user(name="Alice Martin")
    idea = cycle.idea(edition, alice)
    comments.add_comment(session, alice, body="Mon commentaire signé.", idea=idea)
    bob = make.user()
    comments.flag(session, alice, reason="Hors sujet", comment=comments.add_comment(session, bob, body="Bof", idea=idea))
    session.commit()
    alice_id, alice_email = alice.id, alice.email
    auth.login(alice)
    assert client.get("/account/delete").status_code == 200
    response = client.post("/account/delete", data={"current": "wrong password", "understood": "y"})
    assert response.status_code == 422 and session.get(User, alice_id) is not None
    assert client.post("/account/delete", data={"current": PASSWORD}).status_code == 422  # not ticked
    response = client.post("/account/delete", data={"current": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, alice_id) is None
    assert session.scalar(sa.select(IdeaAuthor.name).where(IdeaAuthor.idea_id == idea.id)) == "Ancien participant"
    assert session.scalar(sa.select(Comment.author_id).where(Comment.body == "Mon commentaire signé.")) is None
    page = client.get(f"/editions/{edition.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "Alice Martin" not in page and "Ancien participant" in page
    assert client.get("/account/").status_code == 302  # logged out
    assert client.post("/account/login", data={"email": alice_email, "password": PASSWORD}).status_code == 401


def test_the_only_administrator_cannot_delete_their_account(session, make, client, auth) -> None:
    admin = make.admin()
    session.commit()
    auth.login(admin)
    response = client.post("/account/delete", data={"current": PASSWORD, "understood": "y"})
    assert response.status_code == 409 and session.get(User, admin.id) is not None


def test_moderation_e_mails_say_whom_to_write_to(session, cycle, make, outbox) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    idea = cycle.idea(edition)
    bob = make.user()
    rude = comments.add_comment(session, bob, body="Un propos déplacé", idea=idea)
    session.commit()
    outbox.clear()
    moderation.hide(session, make.user(roles=["moderator"]), rude, "Hors charte.")
    session.commit()
    text = outbox[-1].get_content()
    assert "/charter" in text and "/contact" in text
    assert "répondez à ce message" not in text.lower() and "reply to this message" not in text.lower()
