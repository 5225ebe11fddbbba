"""No public page scrolls sideways on a phone: every page a visitor reaches from the home page of
the demo is opened at 390×844 in Chromium, and the document must be no wider than the screen."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from pb.demo import load_demo

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SKIP = ("/account/logout", "/lang/", "/static/", ".csv", ".zip", ".pb", "/api/", "/uploads/", "/files/", "/vote/")
MAX_PAGES = 120


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def public_pages(client) -> list[str]:
    """Every page linked from the home page, as a visitor sees them (one per address pattern
    beyond the first few, so that a hundred ideas do not make a hundred visits)."""
    seen: list[str] = []
    todo = ["/"]
    shapes: dict[str, int] = {}
    while todo and len(seen) < MAX_PAGES:
        url = urldefrag(todo.pop(0))[0]
        if urlsplit(url).netloc or not url.startswith("/") or url in seen or any(s in url for s in SKIP):
            continue
        shape = "/".join("#" if part.isdigit() else part for part in url.split("?")[0].split("/"))
        if shapes.get(shape, 0) >= 2:
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        seen.append(url)
        parser = Links()
        parser.feed(response.get_data(as_text=True))
        todo.extend(parser.links)
    return seen


# What sticks out, to say where to look: the outermost elements whose right edge passes the screen.
WIDEST = """(() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > 391 && !(el.parentElement && el.parentElement.getBoundingClientRect().right
        > 391)) {
      out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : '') + ':'
               + Math.round(r.right));
    }
  }
  return out.slice(0, 3).join(' ');
})()"""


@pytest.fixture
def demo_pages(session, client) -> list[str]:
    load_demo(session)
    session.commit()
    return public_pages(client)


def test_no_public_page_scrolls_sideways_on_a_phone(browser, live_server, demo_pages) -> None:
    assert len(demo_pages) > 20
    context = browser.new_context(base_url=live_server, locale="fr-FR", viewport=PHONE, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    too_wide = {}
    try:
        for url in demo_pages:
            page.goto(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide[url] = (width, page.evaluate(WIDEST))
    finally:
        context.close()
    assert too_wide == {}, f"pages wider than a 390 px phone (scrollWidth): {too_wide}"
