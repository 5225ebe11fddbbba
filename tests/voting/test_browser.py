"""End to end in Chromium: open a voting link, choose, see what is left, review, confirm, read
the tracker, find it on the board."""

from __future__ import annotations

import re

import pytest

from .conftest import build_world


@pytest.mark.browser
def test_cast_a_ballot_in_the_browser(page, live_server, session, make) -> None:
    world = build_world(session, make, ballot_type="knapsack", max_choices=None, envelope_cents=70_000_00,
                        cost_cents=30_000_00)
    token = world.tokens[0]
    mine = world.projects[world.districts[0 if token.district == "q1" else 1].id]
    page.goto(f"/vote/{token.token}")
    assert page.url.endswith(f"/editions/{world.slug}/vote")  # the token left the address bar
    page.get_by_label(re.compile(mine[0].title)).check()
    page.get_by_label(re.compile(mine[1].title)).check()
    left = page.locator(".left").first
    assert "9" in left.inner_text()  # updated live by static/voting.js: 70 000 € − 60 001 €
    page.get_by_role("button", name="Vérifier mes choix").click()
    assert "Reste" in page.locator(".left").first.inner_text()
    page.get_by_role("button", name="Confirmer mon vote").click()
    tracker = page.locator("#tracker").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", tracker)
    page.get_by_role("link", name="Retrouver mon traceur sur le tableau public").click()
    assert f"Le traceur {tracker} figure sur le tableau" in page.content()
    assert page.locator("tr.current code", has_text=tracker).count() == 1
