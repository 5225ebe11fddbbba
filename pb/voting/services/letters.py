"""Voting letters by post: one printable A4 letter per voter, for the city's mail service.

The codes exist in clear only in the file written when they were issued (the database keeps
their HMAC), so the letters are made from that file: voter reference, district, short code and
personal link, with the link as a QR code (segno, drawn as inline SVG: nothing leaves the
server). pb holds no name nor postal address (the register keeps only an identity hash): the
mail service matches each letter's reference with its own address file, in the order the
letters come, sorted by district (in the edition's order) then reference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from markupsafe import Markup
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.editions.models import Edition
from pb.errors import NotFoundError
from pb.web.csv import french_rows


@dataclass(frozen=True)
class Letter:
    ref: str
    district_code: str
    district: str
    code: str
    url: str

    @property
    def qr(self) -> Markup:
        """The link as a QR code (error correction M: readable when a corner is creased)."""
        svg = segno.make(self.url, error="m").svg_inline(scale=3, border=2)
        return Markup(svg)


def letters(session: Session, actor: Any, edition: Edition, codes_file: Path | None,
            district_code: str = "") -> list[Letter]:
    """The letters of one issuing of codes (its file), sorted by district then reference;
    `district_code` keeps one district (to print in parts)."""
    require(actor, "voting.manage", edition)
    if codes_file is None or not codes_file.is_file():
        raise NotFoundError()
    order = {d.code: (d.position, d.name) for d in edition.districts}
    with codes_file.open(newline="", encoding="utf-8-sig") as f:  # written by FrenchWriter (TOKEN_COLUMNS)
        rows = [r for r in french_rows(f) if r.get("code")]
    result = [Letter(r["ref_votant"], r["quartier"], order.get(r["quartier"], (0, ""))[1], r["code"], r["lien"])
              for r in rows if not district_code or r["quartier"] == district_code]
    result.sort(key=lambda letter: (order.get(letter.district_code, (10**6, ""))[0], letter.district_code, letter.ref))
    audit.record(session, actor, "voting.letters", edition, after={"letters": len(result), "district": district_code})
    return result
