"""The citizen cycle in a real browser (Playwright driving Debian's Chromium, headless), against
the live server with CSRF on: a resident submits an idea, another comments, a moderator hides a
comment, a reviewer decides, a council secretary records an opinion, the project goes on the
ballot."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.councils import services as councils
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.ideas.models import Comment, Idea, IdeaStatus
from pb.projects.models import ProjectStatus
from pb.review import services as review

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser


def _login(browser: Any, live_server: str, user: Any, screen: dict[str, Any]) -> Any:
    context = browser.new_context(base_url=live_server, locale="fr-FR", **screen)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/account/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/account/login" not in url)
    return page


def _fresh(session: Any) -> None:
    """Read what the live server committed: end our transaction and forget what we had loaded."""
    session.rollback()
    session.expire_all()


def test_the_citizen_cycle_in_a_browser(session, make, browser, live_server, page, screen) -> None:
    edition = make.edition(slug="bp-navigateur", comments_before_review=True, comments_during_review=True,
                           public_meeting_required=False)
    editions.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    district = edition.districts[0]
    alice = make.user("alice@ville.example", name="Alice Martin")
    bob = make.user("bob@ville.example", name="Bob Nguyen")
    moderator = make.user("moderation@ville.example", roles=["moderator"], name="Malik Modérateur")
    reviewer = make.user("services@ville.example", roles=["reviewer"], name="Rémi Services")
    secretary = make.user("conseil@ville.example", roles=["council_secretary"], name="Sophie Secrétaire")
    admin = make.admin("admin@ville.example")
    council = councils.save_council(session, admin, edition, name="Conseil citoyen du quartier 1",
                                    district_id=district.id, members="Jeanne Dupont, présidente\nAhmed Benali")
    session.commit()

    # 1. Alice submits an idea through the form (the `page` fixture is an anonymous visitor first).
    page.goto(f"/editions/{edition.slug}")
    page.get_by_role("link", name="Idées").click()
    page.get_by_role("link", name="Déposer une idée").click()
    assert "/account/login" in page.url  # the form asks to log in first
    alice_page = _login(browser, live_server, alice, screen)
    alice_page.goto(f"/editions/{edition.slug}/ideas/new")
    alice_page.fill("#title", "Des arbres fruitiers au square Jean Macé")
    alice_page.fill("#description", "Planter dix pommiers et poiriers en libre cueillette pour les habitants.")
    alice_page.select_option("#district_id", str(district.id))
    alice_page.select_option("#theme", "nature")
    alice_page.fill("#estimated_cost_cents", "25 000")
    # Every submit control of the form is styled as a button (not the browser's grey default).
    paddings = alice_page.eval_on_selector_all("main form input[type=submit], main form button",
                                               "els => els.map(e => getComputedStyle(e).paddingLeft)")
    assert alice_page.locator("main form input[type=submit]").count() == 2 and set(paddings) == {"17.6px"}, paddings
    alice_page.locator("input[name=submit_idea]").click()
    assert "Votre idée est déposée" in alice_page.locator(".flashes").inner_text()
    _fresh(session)
    idea = session.scalar(sa.select(Idea))
    assert idea.status is IdeaStatus.SUBMITTED and idea.estimated_cost_cents == 25_000_00

    # 2. Bob comments (rudely); Alice reports the comment.
    bob_page = _login(browser, live_server, bob, screen)
    bob_page.goto(f"/editions/{edition.slug}/ideas/{idea.id}")
    bob_page.fill("#body", "Idée stupide, comme celle qui la propose.")
    bob_page.get_by_role("button", name="Publier le commentaire").click()
    assert "Votre commentaire est publié." in bob_page.locator(".flashes").inner_text()
    alice_page.goto(f"/editions/{edition.slug}/ideas/{idea.id}")
    alice_page.locator(".comment").get_by_role("link", name="Signaler").click()
    alice_page.fill("#reason", "Attaque personnelle")
    alice_page.get_by_role("button", name="Envoyer le signalement").click()
    assert "les modérateurs vont l’examiner" in alice_page.locator(".flashes").inner_text()

    # 3. The moderator hides the comment from the queue, with a reason.
    moderator_page = _login(browser, live_server, moderator, screen)
    moderator_page.goto("/admin/")
    moderator_page.get_by_role("link", name="Modération").click()
    moderator_page.locator("table.moderation").get_by_role("link", name="Masquer").click()
    moderator_page.fill("#reason", "Les attaques personnelles sont contraires à la charte.")
    moderator_page.get_by_role("button", name="Masquer").click()
    assert "Le contenu est masqué" in moderator_page.locator(".flashes").inner_text()
    page.goto(f"/editions/{edition.slug}/ideas/{idea.id}")
    assert "Ce commentaire a été masqué par les modérateurs." in page.locator("#comments").inner_text()
    assert "Idée stupide" not in page.content()
    _fresh(session)
    assert session.scalar(sa.select(Comment.hidden_reason)) == "Les attaques personnelles sont contraires à la charte."

    # 4. The review: the administrator assigns the idea, the reviewer decides it is feasible.
    editions.set_phase(session, SYSTEM, edition, Phase.REVIEW)
    review.assign(session, admin, edition, [idea.id], reviewer_id=reviewer.id)
    session.commit()
    reviewer_page = _login(browser, live_server, reviewer, screen)
    reviewer_page.goto("/admin/")
    reviewer_page.get_by_role("link", name="Étude technique").click()
    reviewer_page.get_by_role("link", name="Des arbres fruitiers au square Jean Macé").click()
    for radio in reviewer_page.locator("input[type=radio][value=yes]").all():
        radio.check()
    reviewer_page.fill("#reviewed_cost_cents", "28 000")
    reviewer_page.check("input[name=decision][value=feasible]")
    reviewer_page.fill("#public_reason", "Faisable : les services planteront à l'automne.")
    reviewer_page.get_by_role("button", name="Enregistrer l’instruction").click()
    assert "Faisable" in reviewer_page.locator(".flashes").inner_text()
    _fresh(session)
    idea = session.get(Idea, idea.id)
    assert idea.status is IdeaStatus.FEASIBLE and idea.project.cost_cents == 28_000_00

    # 5. The council secretary records a session, the project discussed, and the council's opinion.
    secretary_page = _login(browser, live_server, secretary, screen)
    secretary_page.goto(f"/admin/councils/{council.id}")
    secretary_page.get_by_role("link", name="Enregistrer une séance").click()
    secretary_page.fill("#starts_at", "2027-03-10T18:30")
    secretary_page.fill("#place", "Maison des habitants")
    secretary_page.fill("#agenda", "Projets du budget participatif")
    secretary_page.get_by_label("Jeanne Dupont, présidente").check()
    secretary_page.get_by_role("button", name="Enregistrer la séance").click()
    secretary_page.select_option("#project_id", str(idea.project_id))
    secretary_page.get_by_label("Débattu").check()
    secretary_page.get_by_role("button", name="Ajouter à la séance").click()
    secretary_page.locator("#projects").get_by_role("link", name="Enregistrer l’avis").click()
    secretary_page.get_by_label("Réservé").check()
    secretary_page.fill("#text", "Favorable si les riverains sont consultés sur l'emplacement.")
    secretary_page.get_by_role("button", name="Enregistrer l’avis").click()
    assert "est enregistré" in secretary_page.locator(".flashes").inner_text()

    # 6. The administrator builds the ballot; the project page shows it on the ballot with the opinion.
    admin_page = _login(browser, live_server, admin, screen)
    admin_page.goto(f"/admin/editions/{edition.id}/ballot")
    admin_page.check("#confirm")
    admin_page.get_by_role("button", name="Constituer le bulletin").click()
    assert "Le bulletin est constitué" in admin_page.locator(".flashes").inner_text()
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    session.commit()
    page.goto(f"/editions/{edition.slug}/projects")
    page.get_by_role("link", name="Des arbres fruitiers au square Jean Macé").click()
    text = page.locator("main").inner_text()
    from flask_babel import force_locale

    with force_locale("fr"):  # the projects domain's catalogue says how "on the ballot" reads in French
        on_ballot = ProjectStatus.ON_BALLOT.label
    assert on_ballot in text and "Réservé" in text and "Conseil citoyen du quartier 1" in text
    _fresh(session)
    assert idea.project.status is ProjectStatus.ON_BALLOT
    # The author follows it all on the idea page: history, project and its status.
    alice_page.goto(f"/editions/{edition.slug}/ideas/{idea.id}")
    history = alice_page.locator("section[aria-labelledby=history-title]").inner_text()
    assert "Faisable" in history and "les services planteront" in history
    for p in (alice_page, bob_page, moderator_page, reviewer_page, secretary_page, admin_page):
        p.context.close()
