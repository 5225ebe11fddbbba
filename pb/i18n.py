"""Languages: French first, English second.

Source texts are written in English in the code and templates; each domain keeps its French
catalogue beside its code (`pb/<domain>/translations/fr/LC_MESSAGES/messages.po`, plus
`pb/translations/` for the shared layout), so two domains never edit the same file.
Flask-Babel merges them. `pb i18n compile` (run by `make`) builds the .mo files;
`pb i18n extract` adds the new texts of one domain to its catalogue; a test fails when a text has
no French translation."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import current_app, g, request
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
TEMPLATES = ROOT / "templates"
LANG_COOKIE = "pb_lang"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "_n": (1, 2)}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]


def translation_dirs() -> list[str]:
    """Every catalogue directory: pb/translations and pb/<domain>/translations."""
    dirs = [PACKAGE / "translations"] + sorted(p for p in PACKAGE.glob("*/translations") if p.is_dir())
    return [str(d) for d in dirs if d.is_dir()]


def choose_locale(settings: Any, *, cookie: str | None, user_locale: str | None = None,
                  accept: LanguageAccept | None = None) -> str:
    """The language of a request, the one rule for Flask-Babel's selector below and for the vote's
    fast lane (pb/voting/lane.py): the language chosen on the site (the pb_lang cookie), else the
    logged-in user's, else (the API only passes it) the best of Accept-Language, else the default."""
    for chosen in (cookie, user_locale):
        if chosen in settings.locales:
            return chosen  # type: ignore[return-value]
    best = accept.best_match(settings.locales) if accept is not None else None
    return best or settings.default_locale


def select_locale() -> str:
    settings = current_app.config["PB_SETTINGS"]
    forced = g.get("pb_locale")
    if forced in settings.locales:
        return forced
    if not request:
        return settings.default_locale
    cookie = request.cookies.get(LANG_COOKIE)
    user = current_user.locale if cookie not in settings.locales and current_user and current_user.is_authenticated else None
    return choose_locale(settings, cookie=cookie, user_locale=user,
                         accept=request.accept_languages if request.path.startswith("/api/") else None)


def select_timezone() -> str:
    return current_app.config["PB_SETTINGS"].timezone


# -- catalogues -----------------------------------------------------------------------------------

def catalogue_files(locale: str = "fr") -> Iterator[Path]:
    for d in translation_dirs():
        po = Path(d) / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            yield po


def compile_catalogs() -> list[Path]:
    written = []
    for po in catalogue_files("fr"):
        with po.open("rb") as f:
            catalog = read_po(f, locale="fr")
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def domain_sources(domain: str | None) -> list[tuple[Path, Path | None]]:
    """(code dir, templates dir) of a domain; None is the shared layout (pb/*.py, pb/web, templates/*.html)."""
    if domain is None:
        return [(PACKAGE / "web", TEMPLATES)]
    return [(PACKAGE / domain, TEMPLATES / domain)]


def extract_messages(domain: str | None) -> dict[str, list[str]]:
    """msgid -> places, for one domain's code and templates (the shared layout: top-level pb/*.py,
    pb/web/ and the templates directly in templates/)."""
    found: dict[str, list[str]] = {}

    def add(base: Path, filename: str, lineno: int, message: str | tuple[str, ...]) -> None:
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, []).append(f"{base.name}/{filename}:{lineno}")

    if domain is None:
        for py in sorted(PACKAGE.glob("*.py")):
            for lineno, message, _c, _x in _extract_file(py):
                add(PACKAGE, py.name, lineno, message)
        sources = [(PACKAGE / "web", [("**.py", "python")]), (TEMPLATES, [("*.html", "jinja2"), ("*.txt", "jinja2")])]
    else:
        sources = [(PACKAGE / domain, [("**.py", "python")]), (TEMPLATES / domain, METHOD_MAP)]
    for base, method_map in sources:
        if not base.is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(base), method_map=method_map, keywords=KEYWORDS,
            options_map={"**.html": {"extensions": "jinja2.ext.do"}},
        ):
            add(base, filename, lineno, message)
    return found


def _extract_file(path: Path) -> Iterator[tuple[int, str | tuple[str, ...], list[str], str | None]]:
    from babel.messages.extract import extract

    with path.open("rb") as f:
        yield from extract("python", f, keywords=KEYWORDS)


def domains() -> list[str | None]:
    return [None] + sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
                           and p.name not in ("translations",))


def update_catalogue(domain: str | None) -> tuple[Path, list[str]]:
    """Adds the domain's new texts to its French catalogue (empty translations), drops texts no
    longer used; returns the file and the texts still to translate."""
    base = PACKAGE / "translations" if domain is None else PACKAGE / domain / "translations"
    po = base / "fr" / "LC_MESSAGES" / "messages.po"
    messages = extract_messages(domain)
    old: Catalog | None = None
    if po.exists():
        with po.open("rb") as f:
            old = read_po(f, locale="fr")
    elsewhere = known_translations()  # a text moved from another domain keeps its translation
    catalog = Catalog(locale="fr", project="pb", fuzzy=False)
    for msgid in sorted(messages):
        previous = old.get(msgid) if old is not None else None
        catalog.add(msgid, previous.string if previous is not None and previous.string else elsewhere.get(msgid, ""))
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as f:
        write_po(f, catalog, omit_header=True, sort_output=True, width=100, no_location=True)
    missing = [m for m in sorted(messages) if not catalog.get(m).string]
    return po, missing


def known_translations() -> dict[str, str]:
    """msgid -> French, from every catalogue."""
    known: dict[str, str] = {}
    for po in catalogue_files("fr"):
        with po.open("rb") as f:
            for message in read_po(f, locale="fr"):
                if message.id and message.string and not message.fuzzy and isinstance(message.id, str):
                    known[message.id] = str(message.string)
    return known


def untranslated() -> dict[str, list[str]]:
    """Texts used in code or templates with no French translation in any catalogue."""
    known = known_translations()
    missing: dict[str, list[str]] = {}
    for domain in domains():
        for msgid, places in extract_messages(domain).items():
            if msgid not in known:
                missing[msgid] = places
    return missing
