"""The foundation in a real browser: register, confirm, log in, switch language; an admin
creates an edition with a district and rules, with the keyboard where it matters."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from pb import mail

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_register_confirm_login_and_switch_language(page, live_server) -> None:
    page.goto("/")
    page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_label("Nom affiché").fill("Léa Dupont")
    page.get_by_label("Adresse e-mail").fill("lea@ville.example")
    page.get_by_label("Mot de passe (au moins").fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile("/account/login"))
    for _ in range(300):  # the e-mail leaves once the response is sent (pb.jobs.AfterResponse); up to 30 s on a loaded CI machine
        if mail.outbox:
            break
        time.sleep(0.1)
    link = re.search(r"https?://\S+(/account/confirm/\S+)", mail.outbox[-1].get_content()).group(1)
    page.goto(link)
    page.locator("#email").fill("lea@ville.example")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".flash-success").first).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="My account")).to_be_visible()


def test_skip_link_is_the_first_focus_and_moves_to_the_content(page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))


def test_admin_creates_an_edition_with_a_district_and_rules(page, make, session) -> None:
    admin = make.admin("maire@ville.example")
    session.commit()
    page.goto("/account/login")
    page.locator("#email").fill(admin.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.goto("/admin/")
    page.locator("a.button.primary").click()
    page.locator("#name").fill("Budget participatif 2029")
    page.locator("#slug").fill("bp-2029")
    page.locator("#year").fill("2029")
    page.locator("form.form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/editions/\d+$"))
    page.locator("a.button", has_text=re.compile("quartier|district", re.I)).last.click()
    page.locator("#name").fill("Centre-ville")
    page.locator("#code").fill("centre")
    page.locator("#envelope_cents").fill("abc")
    page.locator("form.form button[type=submit]").click()
    # A clear message on the field, and what was typed is kept.
    expect(page.locator("#envelope_cents-error")).to_be_visible()
    expect(page.locator("#name")).to_have_value("Centre-ville")
    page.locator("#envelope_cents").fill("200 000")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator("td.num", has_text="200").first).to_be_visible()
    page.locator("a.button", has_text=re.compile("Règles|Rules")).click()
    page.locator("#ballot_type").select_option("knapsack")
    page.locator("#max_choices").fill("")
    page.locator("form.form button[type=submit]").click()
    expect(page.locator(".flash-success").first).to_be_visible()
    page.goto("/editions/bp-2029")
    expect(page.locator("h1")).to_have_text("Budget participatif 2029")
