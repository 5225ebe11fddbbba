"""Formats shown to people: money (stored in cents), percentages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, format_percent
from flask_babel import get_locale


def _locale() -> str:
    try:
        return str(get_locale() or "fr")
    except RuntimeError:  # outside a request
        return "fr"


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
    pattern = locale.percent_formats[None].pattern.replace("0%", "0." + "0" * digits + "%") if digits else None
    return format_percent(value, locale=locale, format=pattern)


def parse_money(text: str) -> int:
    """'12 345,50 €' or '12345.5' → cents. Raises ValueError with a plain message."""
    cleaned = text.replace("€", "").replace("\xa0", "").replace("\u202f", "").replace(" ", "").strip()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    if not cleaned:
        raise ValueError("empty amount")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if value < 0:
        raise ValueError("negative amount")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError("more than two decimals")
    return int(cents)
