"""Walk the demo as a visitor and as an administrator: every page linked from the home page
answers, and every page keeps the accessibility basics (a language, one h1, a label for every
field, unique ids, alt texts, captioned tables, a skip link)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest

from pb.demo import load_demo

MAX_PAGES = 250
SKIP = ("/account/logout", "/lang/", "/static/", ".csv", ".zip", ".pb", "/api/", "/uploads/", "/vote/")


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: list[str] = []
        self.labels: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.h1 = 0
        self.lang: str | None = None
        self.images_without_alt = 0
        self.tables = 0
        self.captions = 0
        self.skip_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            self.skip_link = self.skip_link or "skip-link" in (a.get("class") or "")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"] or "")
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type") in ("hidden", "submit", "button", "image", "reset"):
                return
            self.fields.append(a)
        elif tag == "img" and a.get("alt") is None:
            self.images_without_alt += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1


def _problems(html: str) -> tuple[Page, list[str]]:
    page = Page()
    page.feed(html)
    problems = []
    if not page.lang:
        problems.append("no lang on <html>")
    if page.h1 != 1:
        problems.append(f"{page.h1} h1")
    if not page.skip_link:
        problems.append("no skip link")
    duplicates = [i for i, n in Counter(page.ids).items() if n > 1]
    if duplicates:
        problems.append(f"duplicate ids {duplicates}")
    for field in page.fields:
        if not (field.get("id") in page.labels or field.get("aria-label") or field.get("aria-labelledby")):
            problems.append(f"unlabelled field {field.get('name')}")
    if page.images_without_alt:
        problems.append("image without alt")
    if page.captions < page.tables:
        problems.append("table without caption")
    return page, problems


def _crawl(client, start: list[str]) -> dict[str, list[str]]:
    seen: set[str] = set()
    todo = list(start)
    report: dict[str, list[str]] = {}
    while todo and len(seen) < MAX_PAGES:
        url = urldefrag(todo.pop(0))[0]
        parts = urlsplit(url)
        if parts.netloc or not url.startswith("/") or url in seen or any(s in url for s in SKIP):
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            continue
        if response.status_code != 200:
            report[url] = [f"status {response.status_code}"]
            continue
        if not response.mimetype.startswith("text/html"):
            continue
        page, problems = _problems(response.get_data(as_text=True))
        if problems:
            report[url] = problems
        todo.extend(page.links)
    assert len(seen) > 20, f"the crawl saw only {len(seen)} pages"
    return report


@pytest.fixture
def demo(session):
    load_demo(session)
    session.commit()


def test_public_pages(client, demo) -> None:
    assert _crawl(client, ["/"]) == {}


def test_staff_pages(client, auth, demo, session) -> None:
    import sqlalchemy as sa

    from pb.accounts.models import User

    admin = session.scalar(sa.select(User).where(User.email == "admin@grenoble.example"))
    from pb.accounts.services import hash_password

    admin.password_hash = hash_password("correct horse battery")
    session.commit()
    auth.login(admin)
    assert _crawl(client, ["/admin/", "/account/"]) == {}
