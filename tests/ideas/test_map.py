"""The map of ideas and projects (Leaflet vendored from npm, tiles from a configurable server),
with the list of places as its accessible alternative, and the location picked on a map."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pb import config
from pb.ideas.models import IdeaStatus
from pb.projects.services import create_project

ROOT = Path(__file__).resolve().parents[2]
LEAFLET = ROOT / "static" / "vendor" / "leaflet"


def test_leaflet_is_vendored_from_its_npm_package_by_the_documented_step() -> None:
    version = re.search(r"^LEAFLET_VERSION = (\S+)$", (ROOT / "Makefile").read_text(), re.M).group(1)
    assert (LEAFLET / "VERSION").read_text().strip() == f"leaflet@{version}"
    assert f"Leaflet {version}" in (LEAFLET / "leaflet.js").read_text()[:200]
    for name in ("leaflet.css", "LICENSE", "images/marker-icon.png", "images/marker-shadow.png"):
        assert (LEAFLET / name).is_file(), name
    for path in (ROOT / "templates").rglob("*.html"):  # served by pb, never from a CDN
        assert not re.search(r"(unpkg|jsdelivr|cdnjs)\.", path.read_text()), path


def test_the_tile_server_is_configurable_and_allowed_by_the_csp(client) -> None:
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in client.get("/").headers["Content-Security-Policy"]
    settings = config.load({"env": "test", "map_tile_url": "https://{s}.tuiles.ville.example/{z}/{x}/{y}.png"})
    assert settings.map_tile_origin == "https://*.tuiles.ville.example"
    with pytest.raises(config.ConfigError, match="map_tile_url"):
        config.load({"env": "test", "map_tile_url": "javascript:alert(1)"})
    with pytest.raises(config.ConfigError, match="map_center"):
        config.load({"env": "test", "map_center": ["north", "5"]})


def test_the_map_page_lists_the_places_it_shows(session, cycle, make, client) -> None:
    edition = cycle.edition()
    placed = cycle.idea(edition, title="Des bancs place Grenette", latitude=45.1925, longitude=5.7275,
                        address="Place Grenette")
    cycle.idea(edition, title="Une idée sans lieu")
    cycle.idea(edition, status=IdeaStatus.DRAFT, title="Un brouillon placé", latitude=45.19, longitude=5.72)
    hidden = cycle.idea(edition, title="Une idée masquée placée", latitude=45.18, longitude=5.71)
    from pb.ideas import moderation

    moderation.hide(session, make.user(roles=["moderator"]), hidden, "Hors charte.")
    create_project(session, edition, edition.districts[0], title="Un parc pour les chiens", cost_cents=10_000_00,
                   latitude=45.17, longitude=5.73)
    session.commit()
    page = client.get(f"/editions/{edition.slug}/map").get_data(as_text=True)
    items = re.findall(r'<li data-lat="([^"]+)" data-lng="([^"]+)" data-kind="(\w+)">\s*<a href="([^"]+)">([^<]+)</a>', page)
    assert [(kind, title) for _lat, _lng, kind, _href, title in items] == [
        ("project", "Un parc pour les chiens"), ("idea", "Des bancs place Grenette")]
    assert items[1][:2] == ("45.1925", "5.7275") and items[1][3] == f"/editions/{edition.slug}/ideas/{placed.id}"
    assert 'id="places-map"' in page and 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in page
    assert "/static/vendor/leaflet/leaflet.js" in page and "/static/map.js" in page
    assert f'/editions/{edition.slug}/map"' in client.get(f"/editions/{edition.slug}").get_data(as_text=True)


def test_the_idea_forms_offer_the_map_and_keep_the_coordinates_without_javascript(session, cycle, make, client,
                                                                                 auth, app, monkeypatch) -> None:
    edition = cycle.edition()
    moderator = make.user(roles=["moderator"])
    session.commit()
    auth.login(moderator)
    for url in (f"/editions/{edition.slug}/ideas/new", f"/admin/editions/{edition.id}/ideas/enter"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="location-picker"' in page and 'class="coords"' in page, url
        assert 'id="latitude"' in page and 'id="longitude"' in page, url
    monkeypatch.setitem(app.config, "PB_SETTINGS", dataclasses.replace(app.config["PB_SETTINGS"], map_tile_url=""))
    page = client.get(f"/editions/{edition.slug}/ideas/new").get_data(as_text=True)
    assert 'id="location-picker"' not in page and "leaflet.js" not in page and 'id="latitude"' in page
    assert 'id="places-map"' not in client.get(f"/editions/{edition.slug}/map").get_data(as_text=True)


@pytest.mark.browser
def test_the_map_in_a_browser(session, cycle, make, browser, live_server) -> None:
    from ..conftest import PASSWORD

    edition = cycle.edition()
    cycle.idea(edition, title="Des bancs place Grenette", latitude=45.1925, longitude=5.7275)
    cycle.idea(edition, title="Un verger", latitude=45.18, longitude=5.70)
    alice = make.user("alice.map@ville.example")
    session.commit()
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())  # no network
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"/editions/{edition.slug}/map")
    page.wait_for_selector("#places-map .leaflet-marker-icon")
    assert page.locator("#places-map .leaflet-marker-icon").count() == page.locator(".places li").count() == 2
    page.locator("#places-map .leaflet-marker-icon").first.click()
    assert page.locator(".leaflet-popup-content a").inner_text() in ("Des bancs place Grenette", "Un verger")
    # The location is picked on the map: the coordinate fields are filled, and hidden.
    page.goto("/account/login")
    page.fill("input[name=email]", alice.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/account/login" not in url)
    page.goto(f"/editions/{edition.slug}/ideas/new")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.wait_for_selector("#location-picker .leaflet-container")
    assert not page.locator("#latitude").is_visible()
    box = page.locator("#location-picker .map").bounding_box()
    page.wait_for_timeout(500)  # the map's first zoom animation
    page.locator("#location-picker .map").click(position={"x": box["width"] / 3, "y": box["height"] / 2})
    assert not errors, errors
    lat, lng = float(page.input_value("#latitude")), float(page.input_value("#longitude"))
    assert -90 <= lat <= 90 and -180 <= lng <= 180
    page.get_by_role("button", name="Retirer le point").click()
    assert page.input_value("#latitude") == "" and page.input_value("#longitude") == ""
    page.get_by_role("button", name="Placer le point au centre de la carte").click()
    assert page.input_value("#latitude") != ""
    context.close()
