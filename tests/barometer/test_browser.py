"""The public barometer pages in a real browser: readable without JavaScript, no sideways
scroll on a 390 × 844 phone, charts drawn (SVG with its title)."""

from __future__ import annotations

import pytest

from pb.authz import SYSTEM
from pb.barometer import services
from pb.barometer.models import Dataset

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_dashboard_and_open_data_fit_the_screen(browser, live_server, session, known, width, height):
    from tests.barometer.test_views import publish_results

    edition, _p = known
    services.save_profile(session, SYSTEM, kind="commune", siret="21380185500019", licence="Licence Ouverte 2.0",
                          licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    publish_results(session, edition)
    for dataset in Dataset:
        services.publish_dataset(session, SYSTEM, edition, dataset)
    session.commit()
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport={"width": width, "height": height},
                                  java_script_enabled=False)
    page = context.new_page()
    try:
        for path in (f"/editions/{edition.slug}/dashboard", f"/editions/{edition.slug}/open-data"):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            widest = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right
                > document.documentElement.clientWidth).slice(0, 3).map(e => e.tagName + '.' + e.className + ' '
                + Math.round(e.getBoundingClientRect().right))""")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px: {widest}"
        page.goto(f"/editions/{edition.slug}/dashboard")
        assert page.locator("svg.chart").count() >= 5
        assert (page.locator("svg.chart title").first.text_content() or "").strip() != ""
    finally:
        context.close()
