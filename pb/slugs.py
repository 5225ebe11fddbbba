"""Names written in ASCII for addresses, file names and comparisons: accents dropped and the
letters that Unicode does not decompose transliterated (Łódź gives lodz, not odz; Straße gives
strasse; Œuvre gives oeuvre). Every slug or plain-ASCII name pb derives goes through here."""

from __future__ import annotations

import re
import unicodedata

# Letters with no decomposition into a base letter and a mark (NFKD leaves them whole).
SPECIAL = str.maketrans({
    "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ħ": "H", "ħ": "h",
    "ı": "i", "ŀ": "l", "Ŀ": "L", "Ŧ": "T", "ŧ": "t", "ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae",
    "Œ": "OE", "œ": "oe", "Þ": "Th", "þ": "th", "ſ": "s", "’": "'", "‘": "'",
})


def transliterate(text: str) -> str:
    """The text in ASCII: 'Łódź, Cœur-de-Ville' -> 'Lodz, Coeur-de-Ville'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()


def slugify(text: str, separator: str = "-", *, lower: bool = True, max_length: int = 60) -> str:
    """'Budget participatif de Łódź 2027' -> 'budget-participatif-de-lodz-2027'."""
    plain = transliterate(text)
    plain = plain.lower() if lower else plain
    pattern = r"[^a-z0-9]+" if lower else r"[^A-Za-z0-9]+"
    return re.sub(pattern, separator, plain).strip(separator)[:max_length].strip(separator)
