"""Who a voter is, without storing who they are.

A voter is known by `voter_key` = HMAC-SHA256(voter_pepper, normalised identity). The
normalisation (docs/voting.md) makes two spellings of one person give one key:

- look-alike letters of another script inside a Latin word are read as the Latin letter they
  imitate (Unicode TR39 confusables: a Cyrillic "о" in "Dupоnt" is an "o"); then every text is
  transliterated to ASCII (anyascii: "Müller" → "muller", "Пётр" → "petr"), case-folded, and
  every run of spaces, hyphens, apostrophes or other punctuation becomes one separator;
- the last name loses every separator ("N'Guyen-Van" = "nguyen van" = "nguyenvan");
- the first name keeps the first 4 letters of its first given name, hyphens and apostrophes
  dropped ("Jean-Pierre", "JeanPierre", "Jean Pierre Marie" and "Jean" are all "jean"), because
  registers list every given name, people type one, and some type a compound name run together,
  hyphenated or with a space;
- the birth date is ISO (YYYY-MM-DD).

The register's own identifier (`external_id`) is not part of the key: a person is the same
person with or without it. It has a key of its own (`external_key`), so that two rows with one
identifier are one person too. Two entries with the same birth date and last names that begin
or end alike are "near duplicates", listed for staff (`near_keys`).

Random public things live here too: the voter reference printed on letters, the short voting
code typed from a letter, and the tracker shown after a vote. All use Crockford's base32
(no I, L, O, U) so that they read aloud and type without ambiguity."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import unicodedata

from anyascii import anyascii
from confusable_homoglyphs import confusables

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = re.compile(r"[^0-9a-z]+")
_JOINERS = re.compile("[-'\u2010-\u2015\u2019\u02bc\u2212]")  # hyphens and apostrophes inside a given name
KEY_VERSION = "v2"
FIRST_NAME_LETTERS = 4
NEAR_LETTERS = 3


@functools.lru_cache(maxsize=4096)
def _latin_lookalike(ch: str) -> str:
    """The Latin letter `ch` imitates (TR39 confusables), or `ch` itself."""
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True) or []
    for item in found:
        for glyph in item["homoglyphs"]:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalpha():
                return target
    return ch


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def unconfuse(word: str) -> str:
    """In a word that mixes Latin letters with letters of another script, the other script's
    letters that imitate a Latin one become that Latin letter ("Dupоnt" with a Cyrillic о).
    A word written wholly in another script is left to the transliteration."""
    letters = [ch for ch in word if ch.isalpha()]
    scripts = {_script(ch) for ch in letters}
    if "LATIN" not in scripts or len(scripts) < 2:
        return word
    return "".join(ch if not ch.isalpha() or _script(ch) == "LATIN" else _latin_lookalike(ch) for ch in word)


def fold(value: str) -> str:
    """Look-alike letters read as Latin, transliterated to ASCII, case-folded, separators made
    single spaces."""
    text = unicodedata.normalize("NFKC", value)
    if not text.isascii():
        text = " ".join(unconfuse(word) for word in text.split())
        text = anyascii(text)
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def normalise_text(value: str) -> str:
    return fold(value)


def normalise_last_name(value: str) -> str:
    return fold(value).replace(" ", "")


def normalise_first_name(value: str) -> str:
    """The first given name, its hyphens and apostrophes dropped, cut to 4 letters."""
    words = fold(_JOINERS.sub("", value)).split(" ")
    return words[0][:FIRST_NAME_LETTERS] if words else ""


def normalise_external_id(value: str) -> str:
    return fold(value).replace(" ", "")


def identity_string(last_name: str, first_name: str, birth_date: dt.date) -> str:
    """The normalised identity that is hashed (never stored)."""
    return f"{KEY_VERSION}|name|{normalise_last_name(last_name)}|{normalise_first_name(first_name)}|{birth_date.isoformat()}"


def _hmac(pepper: str, message: str) -> str:
    return hmac.new(pepper.encode(), message.encode(), hashlib.sha256).hexdigest()


def voter_key(pepper: str, last_name: str, first_name: str, birth_date: dt.date) -> str:
    return _hmac(pepper, identity_string(last_name, first_name, birth_date))


def external_key(pepper: str, external_id: str) -> str | None:
    """The key of a register identifier, or None when there is none."""
    folded = normalise_external_id(external_id or "")
    return _hmac(pepper, f"{KEY_VERSION}|id|{folded}") if folded else None


def near_keys(pepper: str, last_name: str, birth_date: dt.date) -> tuple[str, str]:
    """Two short keyed hashes: (birth date, first letters) and (birth date, last letters) of the
    folded last name. One change of letter (a typo, a look-alike the folding missed) leaves one
    of the two ends intact in any name of 6 letters or more, so two such spellings of one
    person share a key."""
    last = normalise_last_name(last_name)
    day = birth_date.isoformat()
    return (_hmac(pepper, f"near|p|{day}|{last[:NEAR_LETTERS]}")[:16],
            _hmac(pepper, f"near|s|{day}|{last[-NEAR_LETTERS:]}")[:16])


def random_base32(length: int) -> str:
    bits = secrets.randbits(5 * length)  # one draw, 5 bits a character
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(length))


def grouped(text: str, size: int = 4) -> str:
    return "-".join(text[i:i + size] for i in range(0, len(text), size))


def normalise_base32(value: str) -> str:
    """What a person typed: case, spaces, dashes and look-alike letters do not matter."""
    return re.sub(r"[^0-9A-Z]", "", value.upper()).translate(_TYPO)


def new_voter_ref() -> str:
    """10 characters (50 bits), printed on letters and in the token CSV: "7KQ2M-9XD4R"."""
    return grouped(random_base32(10), 5)


def new_code() -> str:
    """The short code of a paper letter: 12 characters (60 bits) in three groups."""
    return grouped(random_base32(12))


def new_tracker() -> str:
    """The tracker shown to a voter and listed on the board: 12 characters (60 bits)."""
    return grouped(random_base32(12))


def looks_like_code(value: str) -> bool:
    return len(value.strip()) <= 20 and len(normalise_base32(value)) == 12  # the cheap test first: tokens are long


def code_hash(pepper: str, edition_id: int, code: str) -> str:
    """Short codes are stored only as this HMAC: a copy of the database does not reveal them."""
    message = f"code|{edition_id}|{normalise_base32(code)}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def attempt_key(value: str) -> str:
    """The rate-limit key of a submitted code or token (a hash: the limiter store never holds a
    usable credential)."""
    return hashlib.sha256(normalise_base32(value).encode() if looks_like_code(value) else value.strip().encode()).hexdigest()[:32]
