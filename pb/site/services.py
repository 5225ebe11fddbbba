"""Editing the institutional pages, the home page's text, the contact details and the
territory's look (logo, colour). Administrators only (`site.manage`); every change is audited."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.editions.services import get_territory
from pb.errors import NotFoundError, ValidationFailed
from pb.ideas.text import clean
from pb.site.models import Conformity, SitePage, SiteSettings
from pb.site.pages import PAGES, sanitize

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_CONTRAST = 4.5  # RGAA 3.2 / WCAG 1.4.3: white text on the colour (buttons, header)


@dataclass
class PageText:
    key: str
    title: str
    body: Markup
    is_default: bool
    updated_at: dt.datetime | None


def get_settings(session: Session) -> SiteSettings:
    """The settings row, or unsaved defaults (reading never writes)."""
    return session.scalar(sa.select(SiteSettings).order_by(SiteSettings.id).limit(1)) or SiteSettings(
        contact_email="", postal_address="", dpo_email="", conformity=Conformity.NONE, accent_color="",
        logo_name="", logo_type="", logo_alt="")


def _saved_settings(session: Session) -> SiteSettings:
    settings = session.scalar(sa.select(SiteSettings).order_by(SiteSettings.id).limit(1))
    if settings is None:
        settings = get_settings(session)
        session.add(settings)
    return settings


def page(session: Session, key: str) -> PageText:
    """The text of a page: what staff saved, or the default text filled in."""
    kind = PAGES.get(key)
    if kind is None:
        raise NotFoundError()
    row = session.scalar(sa.select(SitePage).where(SitePage.key == key))
    if row is not None:
        return PageText(key, row.title, Markup(row.body), False, row.updated_at)
    return PageText(key, str(kind.title), default_body(session, key), True, None)


def default_body(session: Session, key: str) -> Markup:
    return Markup(sanitize(render_template(f"site/defaults/{key}.html", territory=get_territory(session),
                                           settings=get_settings(session))))


def save_page(session: Session, actor: Any, key: str, *, title: str, body: str) -> SitePage:
    require(actor, "site.manage")
    if key not in PAGES:
        raise NotFoundError()
    title = clean(title, multiline=False)
    if not 2 <= len(title) <= 200:
        raise ValidationFailed(_l("Give a title of 2 to 200 characters."), field="title")
    body = sanitize(body)
    if len(re.sub(r"<[^>]+>", "", body).strip()) < 20:
        raise ValidationFailed(_l("Write the text of the page (20 characters at least)."), field="body")
    row = session.scalar(sa.select(SitePage).where(SitePage.key == key))
    before = {"title": row.title, "body": row.body} if row else {"default": True}
    if row is None:
        row = SitePage(key=key, title=title, body=body)
        session.add(row)
    row.title, row.body, row.updated_at, row.updated_by_id = title, body, utcnow(), getattr(actor, "id", None)
    session.flush()
    audit.record(session, actor, "site.page", None, before=before, after={"key": key, "title": title, "body": body})
    return row


def reset_page(session: Session, actor: Any, key: str) -> None:
    """Back to the default text (the text staff wrote stays in the audit log)."""
    require(actor, "site.manage")
    row = session.scalar(sa.select(SitePage).where(SitePage.key == key))
    if row is None:
        raise NotFoundError()
    audit.record(session, actor, "site.page_reset", None, before={"key": key, "title": row.title, "body": row.body},
                 after={"default": True})
    session.delete(row)
    session.flush()


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def darker(colour: str, factor: float = 0.8) -> str:
    """The hover shade of a colour."""
    return "#" + "".join(f"{int(int(colour[i:i + 2], 16) * factor):02x}" for i in (1, 3, 5))


def save_settings(session: Session, actor: Any, *, contact_email: str, postal_address: str, dpo_email: str,
                  conformity: Conformity | str, audit_date: dt.date | None, audit_rate: int | None,
                  accent_color: str) -> SiteSettings:
    require(actor, "site.manage")
    contact_email, dpo_email = contact_email.strip().lower(), dpo_email.strip().lower()
    for name, value in (("contact_email", contact_email), ("dpo_email", dpo_email)):
        if value and (len(value) > 254 or not EMAIL.match(value)):
            raise ValidationFailed(_l("Give an e-mail address such as budget@ville.fr."), field=name)
    if "noreply" in contact_email.replace("-", "").replace("_", ""):
        raise ValidationFailed(_l("Residents write to this address: give one that someone reads."),
                               field="contact_email")
    conformity = Conformity(conformity)
    if audit_rate is not None and not 0 <= audit_rate <= 100:
        raise ValidationFailed(_l("Give a percentage between 0 and 100."), field="audit_rate")
    if conformity is not Conformity.NONE and audit_date is None:
        raise ValidationFailed(_l("A conformity status other than “not compliant” needs the date of its audit."),
                               field="audit_date")
    accent_color = accent_color.strip().lower()
    if accent_color:
        if not COLOUR.match(accent_color):
            raise ValidationFailed(_l("Give a colour as #RRGGBB, for example #1b5e8c."), field="accent_color")
        ratio = contrast_with_white(accent_color)
        if ratio < MIN_CONTRAST:
            raise ValidationFailed(_l("White text on this colour has a contrast of %(ratio)s:1; at least 4.5:1 is "
                                      "needed (RGAA): choose a darker colour."), field="accent_color",
                                   ratio=f"{ratio:.1f}".replace(".", ","))
    settings = _saved_settings(session)
    fields = ("contact_email", "postal_address", "dpo_email", "conformity", "audit_date", "audit_rate", "accent_color")
    before = audit.snapshot(settings, fields)
    settings.contact_email, settings.postal_address, settings.dpo_email = contact_email, clean(postal_address)[:500], dpo_email
    settings.conformity, settings.audit_date, settings.audit_rate = conformity, audit_date, audit_rate
    settings.accent_color, settings.updated_at = accent_color, utcnow()
    session.flush()
    old, new = audit.changes(before, audit.snapshot(settings, fields))
    audit.record(session, actor, "site.settings", None, before=old, after=new)
    return settings


def set_logo(session: Session, actor: Any, stream: IO[bytes], alt: str) -> SiteSettings:
    """The territory's logo: a PNG or JPEG (re-encoded: no metadata; SVG refused, it can carry
    scripts), shown in every page's header with its text alternative."""
    from pb.ideas.uploads import FileTooLarge, FileTypeRefused, reencode_image, sniff, upload_folder

    require(actor, "site.manage")
    alt = clean(alt, multiline=False)[:200]
    if len(alt) < 2:
        raise ValidationFailed(_l("Give the logo's text alternative (what it says, usually the territory's name)."),
                               field="logo_alt")
    data = stream.read(2 * 1024 * 1024 + 1)
    if len(data) > 2 * 1024 * 1024:
        raise FileTooLarge(mb=2)
    content_type = sniff(data[:16])
    if content_type is None or not content_type.startswith("image/"):
        raise FileTypeRefused()
    data = reencode_image(data, content_type)
    name = secrets.token_hex(16)
    with (upload_folder() / name).open("xb") as f:
        f.write(data)
    settings = _saved_settings(session)
    before = {"logo": settings.logo_name, "alt": settings.logo_alt}
    settings.logo_name, settings.logo_type, settings.logo_alt, settings.updated_at = name, content_type, alt, utcnow()
    session.flush()
    audit.record(session, actor, "site.logo", None, before=before, after={"logo": name, "alt": alt})
    return settings


def remove_logo(session: Session, actor: Any) -> None:
    require(actor, "site.manage")
    settings = _saved_settings(session)
    before = {"logo": settings.logo_name, "alt": settings.logo_alt}
    settings.logo_name, settings.logo_type, settings.logo_alt = "", "", ""
    session.flush()
    audit.record(session, actor, "site.logo", None, before=before, after={"logo": ""})


def logo_path(session: Session) -> tuple[Path, str]:
    from pb.ideas.uploads import upload_folder

    settings = get_settings(session)
    path = upload_folder() / settings.logo_name if settings.logo_name else None
    if path is None or not path.is_file():
        raise NotFoundError()
    return path, settings.logo_type
