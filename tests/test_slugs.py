"""Addresses and file names transliterate names: Łódź gives lodz, not odz."""

from __future__ import annotations

from pathlib import Path

import pytest

from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.slugs import slugify, transliterate

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("text, slug", [
    ("Łódź", "lodz"), ("Budget participatif de Łódź 2027", "budget-participatif-de-lodz-2027"),
    ("Cœur de ville", "coeur-de-ville"), ("Straße", "strasse"), ("Ærø", "aero"), ("Saint-Étienne", "saint-etienne"),
    ("Đakovo", "dakovo"), ("L’Haÿ-les-Roses", "l-hay-les-roses"), ("  --  ", ""),
])
def test_slugs_transliterate(text, slug) -> None:
    assert slugify(text) == slug


def test_file_name_parts_keep_their_case() -> None:
    assert slugify("Łódź Śródmieście", "_", lower=False) == "Lodz_Srodmiescie"
    assert transliterate("Øresund, Þingvellir") == "Oresund, Thingvellir"


def test_an_edition_without_an_address_gets_one_from_its_name(session, make) -> None:
    edition = editions.create_edition(session, SYSTEM, name="Budżet obywatelski Łódź 2027", slug="", year=2027)
    assert edition.slug == "budzet-obywatelski-lodz-2027"


def test_no_other_module_drops_letters_it_cannot_decompose() -> None:
    """Every ASCII form is made by pb.slugs (voter identities fold names their own way, on purpose)."""
    allowed = {"pb/slugs.py", "pb/voting/identity.py"}
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "pb").rglob("*.py")
                 if 'encode("ascii", "ignore")' in p.read_text(encoding="utf-8")
                 and str(p.relative_to(ROOT)) not in allowed]
    assert offenders == []
