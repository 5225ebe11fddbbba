"""Formats shown to people: money (stored in cents), percentages, dates and times in the
territory's local time (never UTC, never ISO)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, format_percent
from flask_babel import format_date, format_datetime, get_locale, gettext as _


def _locale() -> str:
    try:
        return str(get_locale() or "fr")
    except RuntimeError:  # outside a request
        return "fr"


def day(value: dt.date | dt.datetime | None) -> str:
    """'23 février 2027': a date, or the local day of a moment."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value, "d MMMM y")
    return format_date(value, "d MMMM y")


def moment(value: dt.datetime | None) -> str:
    """'23 février 2027 à 10:00', in the territory's local time."""
    if value is None:
        return ""
    return format_datetime(value, _("d MMMM y 'at' HH:mm"))


def one(n: int | None) -> bool:
    """Whether a count takes the singular: 0 and 1 in French (« 0 projet financé »), 1 in English.
    Templates choose between two whole sentences with it, never a "(s)"."""
    n = n or 0
    return n <= 1 if _locale().startswith("fr") else n == 1


def money(cents: int | None, *, exact: bool = False) -> str:
    """12 345 € in French, €12,345 in English; cents shown only when there are any (or exact)."""
    if cents is None:
        return ""
    locale = Locale.parse(_locale())
    pattern = locale.currency_formats["standard"].pattern
    if cents % 100 == 0 and not exact:
        pattern = pattern.replace(".00", "")
    return format_currency(Decimal(cents) / 100, "EUR", locale=locale, format=pattern, currency_digits=False)


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0.123) as 12,3 % / 12.3%."""
    if value is None:
        return "–"
    locale = Locale.parse(_locale())
    pattern = locale.percent_formats[None].pattern
    if digits:
        pattern = re.sub(r"0(?=[\s\u00a0\u202f]*%)", "0." + "0" * digits, pattern, count=1)
    return format_percent(value, locale=locale, format=pattern)


def parse_money(text: str) -> int:
    """What people type ('12 345,50 €', '1,250.50', '150.000') → cents; ValueError otherwise.
    The last separator followed by one or two digits is the decimal one; others group thousands."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if not re.fullmatch(r"\d[\d.,]*", cleaned):
        raise ValueError(f"not an amount: {text!r}")
    whole, decimals = cleaned, ""
    last = max(cleaned.rfind(","), cleaned.rfind("."))
    if last >= 0 and len(cleaned) - last - 1 in (1, 2):
        whole, decimals = cleaned[:last], cleaned[last + 1:]
        if cleaned[last] in whole:  # "1,234,5": one sign cannot group thousands and mark decimals
            raise ValueError(f"not an amount: {text!r}")
    groups = re.split(r"[.,]", whole)
    if len(groups) > 1 and (len({whole[i] for i in range(len(whole)) if whole[i] in ".,"}) > 1
                            or not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])):
        raise ValueError(f"not an amount: {text!r}")
    try:
        return int("".join(groups)) * 100 + int(decimals.ljust(2, "0") or 0)
    except ValueError:
        raise ValueError(f"not an amount: {text!r}") from None
