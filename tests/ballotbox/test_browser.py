"""End to end in Chromium: an officer signs a voter in at the desk, closes the station and keys the
report; a second officer keys it again (first with a slip, shown field by field), then it agrees
and is signed off."""

from __future__ import annotations

import pytest

from .conftest import open_desk, voter
from ..conftest import PASSWORD
from ..voting.conftest import build_world


def _login(page, user) -> None:  # type: ignore[no-untyped-def]
    page.goto("/account/login")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()


@pytest.mark.browser
def test_sign_in_key_the_report_and_confirm_it(page, live_server, session, make) -> None:
    world = build_world(session, make, voters=4)
    desk = open_desk(session, make, world)
    v = voter(session, world, 0)
    numbers = [p.number for p in world.projects[world.districts[0].id][:2]]
    _login(page, desk.officers[0])
    page.goto(f"/desk/{desk.id}")
    page.get_by_label("Référence sur le courrier de vote").fill(v.ref)
    page.get_by_role("button", name="Rechercher").click()
    assert "peut voter" in page.locator("#answer").inner_text()
    page.get_by_role("button", name=f"Émarger {v.ref}").click()
    assert "Émargé" in page.locator("#answer").inner_text()
    page.get_by_role("link", name="Fermer le bureau").click()
    page.get_by_label("Je confirme").check()
    page.get_by_role("button", name="Fermer le bureau").click()
    page.get_by_label("Première saisie").check()
    page.get_by_label("Enveloppes trouvées dans l'urne").fill("1")
    page.get_by_label("Bulletins saisis un par un").fill(f"{numbers[0]} {numbers[1]}")
    page.get_by_role("button", name="Enregistrer ma saisie").click()
    assert "en attente de celle du second assesseur" in page.locator("#report-state").inner_text()
    _logout(page)
    _login(page, desk.officers[1])
    page.goto(f"/desk/{desk.id}/report")
    page.get_by_label("Seconde saisie").check()
    page.get_by_label("Enveloppes trouvées dans l'urne").fill("1")
    page.get_by_label("Bulletins saisis un par un").fill(f"{numbers[0]}")  # a slip
    page.get_by_role("button", name="Enregistrer ma saisie").click()
    assert "diffèrent sur : ballots[1]" in page.locator("#report-state").inner_text()
    page.get_by_label("Seconde saisie").check()
    page.get_by_label("Enveloppes trouvées dans l'urne").fill("1")
    page.get_by_label("Bulletins saisis un par un").fill(f"{numbers[1]} {numbers[0]}")
    page.get_by_role("button", name="Enregistrer ma saisie").click()
    assert "concordent" in page.locator("#report-state").inner_text()
    page.get_by_role("button", name="Signer le procès-verbal").click()
    assert "Signé le" in page.locator("#report-state").inner_text()
    page.get_by_role("link", name="Procès-verbal à imprimer").click()
    assert "Procès-verbal du bureau de vote" in page.content()
