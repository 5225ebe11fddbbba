"""The institutional pages every French municipal site must have, and the home page's text.

Each page has a default text (a template in `templates/site/defaults/`, in French: the city's
legal texts are in its language) filled in with the territory's name and the contact details of
`SiteSettings`; staff replace it in the admin. What staff write is HTML cleaned by `sanitize`
(nh3: an allow-list of tags and attributes; no script, style, event handler or foreign image)."""

from __future__ import annotations

from dataclasses import dataclass

import nh3
from flask_babel import LazyString, lazy_gettext as _l


@dataclass(frozen=True)
class PageKind:
    key: str
    title: LazyString
    in_footer: bool = True


PAGES = {p.key: p for p in (
    PageKind("legal", _l("Legal notice")),
    PageKind("privacy", _l("Personal data")),
    PageKind("charter", _l("Participation charter")),
    PageKind("contact", _l("Contact")),
    PageKind("accessibility", _l("Accessibility")),
    PageKind("home", _l("Home page text"), in_footer=False),
)}
FOOTER = [p for p in PAGES.values() if p.in_footer]

ALLOWED_TAGS = {"p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "abbr",
                "table", "caption", "thead", "tbody", "tr", "th", "td", "address", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang", "lang"}, "abbr": {"title"}, "th": {"scope"},
                      "*": {"lang"}}


def sanitize(html: str) -> str:
    """Only the allowed tags and attributes; links to http(s), mail and phone only."""
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer").strip()
