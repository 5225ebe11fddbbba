"""The resident's pages (without JavaScript), the staff pages, and route marks."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from pb.authz import access_of
from pb.voting.models import EncryptedBallot, Voter

from .conftest import build_world


def test_vote_by_link_review_confirm_receipt(en_client, session, make) -> None:
    client = en_client
    world = build_world(session, make, ballot_type="knapsack", max_choices=None, envelope_cents=70_000_00,
                        cost_cents=30_000_00)
    token = world.tokens[0]
    mine = world.ids(0 if token.district == "q1" else 1, 3)
    start = client.get(f"/vote/{token.token}")
    assert start.status_code == 302 and start.headers["Location"].endswith(f"/editions/{world.slug}/vote")
    assert token.token not in start.headers["Location"]  # the token leaves the address bar
    page = client.get(f"/editions/{world.slug}/vote").get_data(as_text=True)
    assert "Review my choices" in page and "envelope" in page.lower()
    over = client.post(f"/editions/{world.slug}/vote/review", data={"p": mine})  # 3 x 30,000 € > 70,000 €
    assert over.status_code == 422 and "more than the envelope" in over.get_data(as_text=True)
    review = client.post(f"/editions/{world.slug}/vote/review", data={"p": mine[:2]})
    text = review.get_data(as_text=True)
    assert review.status_code == 200 and "Confirm my vote" in text
    # What is left, computed on the server: 70,000 € - (30,000 € + 30,001 €) = 9,999 €.
    assert re.search(r"Left: €?9[ ,]?999", text.replace("\u202f", " ").replace("\xa0", " ")), text
    confirm = client.post(f"/editions/{world.slug}/vote/confirm")
    assert confirm.status_code == 302 and confirm.headers["Location"].endswith("/vote/receipt")
    receipt = client.get(f"/editions/{world.slug}/vote/receipt").get_data(as_text=True)
    tracker = re.search(r'id="tracker">([0-9A-Z-]{14})<', receipt).group(1)
    board = client.get(f"/editions/{world.slug}/board?tracker={tracker}").get_data(as_text=True)
    assert f"Tracker {tracker} is on the board" in board
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(EncryptedBallot)) == 1
    again = client.get(f"/vote/{token.token}")
    assert again.status_code == 409 and "already been used" in again.get_data(as_text=True)


def test_vote_by_typed_code(en_client, session, make) -> None:
    client = en_client
    world = build_world(session, make)
    token = world.tokens[1]
    wrong = client.post("/vote", data={"code": "AAAA-AAAA-AAAA"})
    assert wrong.status_code == 422 and "not valid" in wrong.get_data(as_text=True)
    right = client.post("/vote", data={"code": token.code.replace("-", "").lower()})
    assert right.status_code == 302
    mine = world.ids(0 if token.district == "q1" else 1)
    assert client.post(f"/editions/{world.slug}/vote/review", data={"p": mine}).status_code == 200
    assert client.post(f"/editions/{world.slug}/vote/confirm").status_code == 302


def test_ballot_page_without_a_session_offers_the_code_form(client, session, make) -> None:
    world = build_world(session, make)
    page = client.get(f"/editions/{world.slug}/vote")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)


def test_bad_link_is_named(en_client, session, make) -> None:
    client = en_client
    build_world(session, make)
    page = client.get("/vote/not-a-real-token")
    assert page.status_code == 401 and "token_invalid" in page.get_data(as_text=True)


def test_staff_import_with_progress_report_and_tokens(en_client, session, make, auth) -> None:
    client = en_client
    world = build_world(session, make, voters=0)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    base = f"/admin/editions/{world.edition.id}/voting"
    assert client.get(base + "/").status_code == 200
    csv_text = "last_name,first_name,birth_date,district\nA,B,1990-01-01,q1\nA,B,1990-01-01,q1\nC,D,bad,q2\n"
    upload = client.post(base + "/import", data={"file": (io.BytesIO(csv_text.encode()), "register.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    task_page = client.get(upload.headers["Location"])
    text = task_page.get_data(as_text=True)
    assert "Accepted" in text, re.findall(r"<main.*</main>", text, re.S)
    assert "Accepted: 1" in text and "Rejected: 2" in text and "same person is already on the register" in text
    report = client.get(upload.headers["Location"] + "/file")
    assert report.status_code == 200 and report.data.startswith("\ufeffligne;statut;ref_votant;motif".encode())
    issue = client.post(base + "/tokens", data={"with_codes": "y"})
    assert issue.status_code == 302
    codes = client.get(issue.headers["Location"] + "/file")
    assert codes.status_code == 200 and codes.data.startswith("\ufeffref_votant;quartier;jeton;lien;code".encode())
    ask = client.get(issue.headers["Location"] + "/delete")  # irreversible: a page says what will happen first
    assert ask.status_code == 200 and "cannot be undone" in ask.get_data(as_text=True)
    assert client.get(issue.headers["Location"] + "/file").status_code == 200  # asking deleted nothing
    assert client.post(issue.headers["Location"] + "/delete").status_code == 302
    assert client.get(issue.headers["Location"] + "/file").status_code == 404


def test_staff_revoke_and_reissue(en_client, session, make, auth) -> None:
    client = en_client
    world = build_world(session, make)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    voter = session.get(Voter, world.tokens[0].voter_id)
    base = f"/admin/editions/{world.edition.id}/voting"
    found = client.post(base + "/voters", data={"ref": voter.ref})
    assert found.status_code == 302
    assert client.get(base + f"/voters/{voter.id}/revoke").status_code == 200  # confirmation page
    done = client.post(base + f"/voters/{voter.id}/revoke", data={"reason": "letter lost"})
    assert done.status_code == 200 and "/vote/" in done.get_data(as_text=True)
    assert client.get(f"/vote/{world.tokens[0].token}").status_code == 403


def test_staff_pages_need_the_edition_admin(client, session, make, auth) -> None:
    world = build_world(session, make)
    resident = make.user()
    session.commit()
    auth.login(resident)
    assert client.get(f"/admin/editions/{world.edition.id}/voting/").status_code == 403


def test_every_voting_route_is_marked(app) -> None:
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("voting"):
            assert access_of(view) is not None, rule.rule
