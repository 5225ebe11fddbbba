from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from pb.authz import SYSTEM, access_of
from pb.editions.models import Phase
from pb.ideas import comments
from pb.ideas.models import Comment, Flag, Idea, IdeaStatus
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project

FORM = {"title": "Un composteur collectif rue Ampère", "theme": "proprete",
        "description": "Installer un composteur partagé pour les habitants de la rue et du quartier.",
        "address": "Rue Ampère, Grenoble", "latitude": "45.1885", "longitude": "5.7245",
        "estimated_cost_cents": "3 500", "coauthors": ""}


def test_every_route_of_the_cycle_is_public_or_guarded(app) -> None:
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("ideas", "review", "councils"):
            assert access_of(app.view_functions[rule.endpoint]) is not None, rule.rule


def test_a_resident_submits_an_idea_through_the_form(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user()
    session.commit()
    assert client.get(f"/editions/{edition.slug}/ideas/new").status_code == 302  # log in first
    auth.login(alice)
    url = f"/editions/{edition.slug}/ideas/new"
    page = client.get(url)
    assert page.status_code == 200 and 'name="title"' in page.get_data(as_text=True)
    bad = client.post(url, data={**FORM, "title": "Non", "district_id": "0", "save_draft": "1"})
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert 'class="error-summary"' in body and 'aria-invalid="true"' in body
    response = client.post(url, data={**FORM, "district_id": edition.districts[0].id, "submit_idea": "1"})
    assert response.status_code == 302
    idea = session.scalar(sa.select(Idea))
    assert idea.status is IdeaStatus.SUBMITTED and idea.estimated_cost_cents == 350_000
    assert (idea.latitude, idea.longitude) == (45.1885, 5.7245)
    page = client.get(f"/editions/{edition.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "Un composteur collectif rue Ampère" in page and "3 500" in page.replace("\u202f", " ").replace("\xa0", " ")


def test_a_closed_phase_says_so(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(Phase.REVIEW)
    resident = make.user()
    session.commit()
    auth.login(resident)
    page = client.get(f"/editions/{edition.slug}/ideas/new")
    assert page.status_code == 200 and 'class="notice"' in page.get_data(as_text=True)
    assert 'name="title"' not in page.get_data(as_text=True)
    response = client.post(f"/editions/{edition.slug}/ideas/new",
                           data={**FORM, "district_id": edition.districts[0].id, "submit_idea": "1"})
    assert response.status_code == 409 and session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0


def test_the_idea_page_shows_its_history_with_reasons(session, cycle, make, client) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition, status=IdeaStatus.NOT_ADMISSIBLE)
    session.commit()
    page = client.get(f"/editions/{edition.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert page.count("<tr><td><time") == 3  # draft, submitted, not admissible
    assert "Raison publique de la décision." in page


def test_drafts_are_hidden_from_others(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user()
    draft = cycle.idea(edition, alice, status=IdeaStatus.DRAFT)
    session.commit()
    url = f"/editions/{edition.slug}/ideas/{draft.id}"
    assert client.get(url).status_code == 404
    auth.login(alice)
    assert client.get(url).status_code == 200


def test_comment_flag_and_hidden_notice(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition)
    bob, carol = make.user(), make.user()
    session.commit()
    auth.login(bob)
    base = f"/editions/{edition.slug}/ideas/{idea.id}"
    assert client.post(f"{base}/comments", data={"body": "Quelle idée stupide, bande d'idiots"}).status_code == 302
    comment = session.scalar(sa.select(Comment))
    auth.logout()
    auth.login(carol)
    page = client.get(f"/editions/{edition.slug}/comments/{comment.id}/flag")
    assert page.status_code == 200
    assert client.post(f"/editions/{edition.slug}/comments/{comment.id}/flag", data={"reason": ""}).status_code == 422
    assert client.post(f"/editions/{edition.slug}/comments/{comment.id}/flag",
                       data={"reason": "Insulte"}).status_code == 302
    assert session.scalar(sa.select(Flag.reason)) == "Insulte"
    from pb.ideas import moderation

    moderation.hide(session, make.user(roles=["moderator"]), comment, "Propos insultants.")
    session.commit()
    page = client.get(base).get_data(as_text=True)
    assert "bande d'idiots" not in page and "Propos insultants." not in page
    auth.logout()
    auth.login(bob)
    page = client.get(base).get_data(as_text=True)
    assert "Propos insultants." in page  # the author reads why


def test_comments_closed_are_said_and_refused(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(comments_before_review=False)
    idea = cycle.idea(edition)
    resident = make.user()
    session.commit()
    auth.login(resident)
    base = f"/editions/{edition.slug}/ideas/{idea.id}"
    page = client.get(base).get_data(as_text=True)
    assert 'id="comment-form"' not in page and 'class="notice"' in page
    response = client.post(f"{base}/comments", data={"body": "Je commente quand même"})
    assert response.status_code == 409 and session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0
    page = response.get_data(as_text=True)
    assert "Je commente quand même" in page  # kept, to copy elsewhere
    assert "Comments are closed" in page or "commentaires sont fermés" in page.lower()


def test_the_list_filters_and_paginates(session, cycle, make, client) -> None:
    edition = cycle.edition()
    d1, d2 = edition.districts
    for n in range(23):
        cycle.idea(edition, district=d1 if n % 2 else d2, title=f"Idée de test numéro {n:02d}")
    session.commit()
    page = client.get(f"/editions/{edition.slug}/ideas?district={d1.id}").get_data(as_text=True)
    assert page.count('class="card-title"') == 11
    first = client.get(f"/editions/{edition.slug}/ideas?sort=title").get_data(as_text=True)
    second = client.get(f"/editions/{edition.slug}/ideas?sort=title&page=2").get_data(as_text=True)
    assert first.count('class="card-title"') == 20 and second.count('class="card-title"') == 3
    assert "numéro 00" in first and "numéro 22" in second
    assert 'rel="next"' in first and "sort=title" in re.search(r'href="([^"]+)" rel="next"', first).group(1)


def _count_queries(client, url: str) -> int:
    """SQL statements the app runs to answer GET url."""
    statements: list[str] = []
    target = client.application.extensions["pb.db"].kw["bind"]

    def listener(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    event.listen(target, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(target, "before_cursor_execute", listener)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.slow
def test_the_project_list_makes_a_constant_number_of_queries(session, cycle, make, client) -> None:
    edition = cycle.edition(districts=2)
    big, small = edition.districts
    for n in range(700):
        create_project(session, SYSTEM, edition, big, title=f"Projet {n}", cost_cents=1000 + n, status=ProjectStatus.ON_BALLOT,
                       number=n + 1)
    for n in range(7):
        create_project(session, SYSTEM, edition, small, title=f"Projet {n}", cost_cents=1000 + n,
                       status=ProjectStatus.ON_BALLOT, number=1000 + n)
    # Comments and council opinions on some of them, so the grouped counts have work to do.
    first = session.scalars(sa.text("SELECT id FROM project ORDER BY number LIMIT 3")).all()
    for pid in first:
        session.add(Comment(edition_id=edition.id, project_id=pid, body="Bravo", phase=Phase.SUBMISSION))
    session.commit()
    url = f"/editions/{edition.slug}/projects?district=%d"
    many = _count_queries(client, url % big.id)
    few = _count_queries(client, url % small.id)
    assert many == few
    # Every project of a big page is there, and the page is bounded.
    page = client.get(url % big.id + "&page=28").get_data(as_text=True)
    assert page.count("<tr><td>") == 700 - 27 * 25


def test_the_idea_list_makes_a_constant_number_of_queries(session, cycle, make, client) -> None:
    edition = cycle.edition()
    for n in range(3):
        idea = cycle.idea(edition)
        comments.add_comment(session, make.user(), idea=idea, body="Très bien")
    session.commit()
    url = f"/editions/{edition.slug}/ideas"
    few = _count_queries(client, url)
    for n in range(30):
        idea = cycle.idea(edition, make.user())
        comments.add_comment(session, make.user(), idea=idea, body="Très bien")
    session.commit()
    many = _count_queries(client, url)
    assert many == few


def test_a_refused_comment_keeps_what_was_typed(session, cycle, make, client, auth) -> None:
    """Refused by the form (too long) or by the service (nothing left once cleaned): the page
    comes back with the reason and the text, in the box it was typed in (a reply box is open)."""
    edition = cycle.edition()
    idea = cycle.idea(edition)
    bob = make.user()
    session.commit()
    auth.login(bob)
    base = f"/editions/{edition.slug}/ideas/{idea.id}"
    assert client.post(f"{base}/comments", data={"body": "Un premier avis"}).status_code == 302
    first = session.scalar(sa.select(Comment))
    long_text = "Une réponse très détaillée. " * 200
    response = client.post(f"{base}/comments", data={"body": long_text, "parent_id": str(first.id)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    box = re.search(r'<details class="reply" open>.*?<textarea id="reply-%d"[^>]*>([^<]*)</textarea>' % first.id, page, re.S)
    assert box and box.group(1).strip() == long_text.strip().replace("'", "&#39;")
    response = client.post(f"{base}/comments", data={"body": "\x01\x02\x03"})
    assert response.status_code == 422
    assert re.search(r'<textarea id="body"[^>]*aria-invalid="true"', response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 1


def test_a_refused_project_comment_keeps_what_was_typed(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(comments_before_review=True)
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    cycle.phase(edition, Phase.SUBMISSION)
    resident = make.user()
    session.commit()
    auth.login(resident)
    response = client.post(f"/editions/{edition.slug}/projects/{idea.project.number}/comments", data={"body": "x"})
    assert response.status_code == 422 and '>x</textarea>' in response.get_data(as_text=True)


def test_a_moderator_hides_an_unflagged_comment_from_the_idea_page(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition)
    bob, moderator = make.user(), make.user(roles=["moderator"])
    session.commit()
    auth.login(bob)
    base = f"/editions/{edition.slug}/ideas/{idea.id}"
    client.post(f"{base}/comments", data={"body": "Un propos déplacé"})
    comment = session.scalar(sa.select(Comment))
    assert f"/admin/moderation/comment/{comment.id}/hide" not in client.get(base).get_data(as_text=True)
    auth.logout()
    auth.login(moderator)
    page = client.get(base).get_data(as_text=True)
    link = re.search(r'href="(/admin/moderation/comment/%d/hide\?next=[^"]+)"' % comment.id, page)
    assert link, "a moderator sees a Hide link on a comment nobody reported"
    url = link.group(1).replace("&amp;", "&")
    assert client.get(url).status_code == 200
    response = client.post(url, data={"reason": "Hors charte."})
    assert response.status_code == 302 and response.headers["Location"].startswith(base)
    session.expire_all()
    assert session.get(Comment, comment.id).hidden_reason == "Hors charte."
    # An address elsewhere is never followed.
    auth.logout()
    auth.login(bob)
    client.post(f"{base}/comments", data={"body": "Un second propos"})
    second = session.scalar(sa.select(Comment).where(Comment.body == "Un second propos"))
    auth.logout()
    auth.login(moderator)
    response = client.post(f"/admin/moderation/comment/{second.id}/hide?next=https://evil.example/",
                           data={"reason": "Hors charte."})
    assert response.headers["Location"].endswith(f"/admin/editions/{edition.id}/moderation")
