"""User text is stored as plain text (never HTML) and rendered escaped, with line breaks."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str | None, *, multiline: bool = True) -> str:
    """Strips control characters and surrounding blanks; normalises line ends."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not multiline:
        text = " ".join(text.split())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def paragraphs(text: str | None) -> Markup:
    """Escaped text with paragraphs and line breaks (the Jinja filter `paragraphs`)."""
    blocks = [b for b in clean(text).split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{Markup('<br>').join(escape(line) for line in b.split(chr(10)))}</p>" for b in blocks))


def stored(text: object) -> str:
    """A text kept in the database (a public reason written by the platform): in the city's
    language, whatever the language of the person who clicked."""
    from flask import current_app
    from flask_babel import force_locale

    with force_locale(current_app.config["PB_SETTINGS"].default_locale):
        return str(text)
