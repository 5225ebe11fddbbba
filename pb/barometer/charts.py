"""Charts drawn on the server as SVG: readable without JavaScript, no inline style (the CSP
forbids it: presentation attributes only). Each chart has a title and a description for screen
readers; the page puts the same numbers in a table beside it. Labels are written above the bars,
on their own line, so that they are never cut."""

from __future__ import annotations

import itertools
from typing import Sequence

from markupsafe import Markup, escape

WIDTH = 640
ROW = 38
BAR = 14
COLOURS = ("#1f5f8b", "#c2571a", "#2e7d32", "#6a1b9a", "#8d6e00")
_ids = itertools.count(1)


def _number(value: float, fmt: str) -> str:
    if fmt == "percent":
        return f"{value * 100:.1f} %".replace(".", ",")
    if fmt == "decimal":
        return f"{value:.2f}".replace(".", ",")
    return f"{int(value):,}".replace(",", "\u202f")


def bar_chart(title: str, rows: Sequence[tuple[str, float]], *, fmt: str = "count", maximum: float | None = None,
              marks: Sequence[tuple[str, float]] = ()) -> Markup:
    """Horizontal bars, one per (label, value); `marks` draws labelled reference lines (G4)."""
    uid = f"chart-{next(_ids)}"
    top = max([v for _l, v in rows] + [m for _l, m in marks] + [maximum or 0]) or 1
    span = WIDTH - 110
    height = ROW * len(rows) + (24 if marks else 8)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
             f'aria-labelledby="{uid}-t" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{escape(title)}</title>']
    for i, (label, value) in enumerate(rows):
        y = i * ROW
        length = span * (value / top) if value else 0
        parts.append(f'<text x="0" y="{y + 12}" font-size="13" fill="#222">{escape(label)}</text>')
        parts.append(f'<rect x="0" y="{y + 17}" width="{length:.1f}" height="{BAR}" fill="{COLOURS[0]}"/>')
        parts.append(f'<text x="{length + 6:.1f}" y="{y + 29}" font-size="12" fill="#222">{_number(value, fmt)}</text>')
    for n, (label, value) in enumerate(marks):
        x = span * value / top
        colour = COLOURS[1 + n % (len(COLOURS) - 1)]
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - 14}" stroke="{colour}" stroke-width="2" '
                     f'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" font-size="11" fill="{colour}" text-anchor="middle">'
                     f'{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(title: str, columns: Sequence[tuple[str, float]], *, every: int = 1) -> Markup:
    """Vertical columns over time (days, hours); one x label every `every` columns."""
    uid = f"chart-{next(_ids)}"
    height, base = 200, 170
    top = max([v for _l, v in columns] + [1])
    step = WIDTH / max(len(columns), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
             f'aria-labelledby="{uid}-t" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{uid}-t">{escape(title)}</title>',
             f'<line x1="0" x2="{WIDTH}" y1="{base}" y2="{base}" stroke="#555" stroke-width="1"/>',
             f'<text x="2" y="12" font-size="11" fill="#555">{_number(top, "count")}</text>']
    for i, (label, value) in enumerate(columns):
        h = (base - 20) * value / top
        x = i * step
        parts.append(f'<rect x="{x + step * 0.1:.1f}" y="{base - h:.1f}" width="{step * 0.8:.1f}" height="{h:.1f}" '
                     f'fill="{COLOURS[0]}"><title>{escape(label)} : {_number(value, "count")}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{base + 16}" font-size="10" fill="#222" '
                         f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
