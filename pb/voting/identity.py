"""Who a voter is, without storing who they are.

A voter is known by `voter_key` = HMAC-SHA256(voter_pepper, normalised identity). The
normalisation (docs/voting.md) makes two spellings of one person give one key:

- text is case-folded, accents stripped (Unicode NFKD, combining marks dropped), œ/æ spelled
  oe/ae, and every run of spaces, hyphens, apostrophes or other punctuation becomes one space;
- the last name loses every separator ("N'Guyen-Van" = "nguyen van" = "nguyenvan");
- the first name is reduced to the first given name ("Jean-Pierre Marie" → "jean"), because
  registers list every given name and people type one;
- the birth date is ISO (YYYY-MM-DD);
- an external identifier (a register number), when present, replaces name and birth date.

Random public things live here too: the voter reference printed on letters, the short voting
code typed from a letter, and the tracker shown after a vote. All use Crockford's base32
(no I, L, O, U) so that they read aloud and type without ambiguity."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = re.compile(r"[^0-9a-z]+")
KEY_VERSION = "v1"


def normalise_text(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ø", "o").replace("ł", "l").replace("đ", "d")
    return _SEPARATORS.sub(" ", text).strip()


def normalise_first_name(value: str) -> str:
    parts = normalise_text(value).split(" ")
    return parts[0] if parts else ""


def normalise_external_id(value: str) -> str:
    return normalise_text(value).replace(" ", "")


def identity_string(last_name: str, first_name: str, birth_date: dt.date, external_id: str = "") -> str:
    """The normalised identity that is hashed (never stored)."""
    if external_id and normalise_external_id(external_id):
        return f"{KEY_VERSION}|id|{normalise_external_id(external_id)}"
    last = normalise_text(last_name).replace(" ", "")
    return f"{KEY_VERSION}|name|{last}|{normalise_first_name(first_name)}|{birth_date.isoformat()}"


def voter_key(pepper: str, last_name: str, first_name: str, birth_date: dt.date, external_id: str = "") -> str:
    identity = identity_string(last_name, first_name, birth_date, external_id)
    return hmac.new(pepper.encode(), identity.encode(), hashlib.sha256).hexdigest()


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
