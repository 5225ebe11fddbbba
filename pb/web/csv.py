"""The one writer of CSV files meant for people: they open them in French Excel.

`;` between cells (a French Excel reads `,` as one column), UTF-8 with a BOM (it then reads the
accents), `\\r\\n` line ends, French column names given by the caller, and every text cell that a
spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return) prefixed with an
apostrophe. Numbers are written with a decimal comma (`12,5`), dates in ISO 8601 (`2027-03-01`),
booleans as `oui`/`non`, None as an empty cell.

Use `french_csv(header, rows)` for the text, `FrenchWriter(file, header)` to stream rows into a
file, `csv_response(text, filename)` for a download; `french_rows(file)` reads pb's own file back."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, Iterable, Iterator, Sequence, TextIO

from flask import Response

BOM = "\ufeff"
DELIMITER = ";"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def in_french(text: Any) -> str:
    """A translated text (lazy_gettext) in French, whatever the reader's language: the files
    are French files."""
    from flask_babel import force_locale

    with force_locale("fr"):
        return str(text)


def french_value(value: Any) -> str:
    """One cell as a French spreadsheet reads it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(safe_cell(str(value)))


class FrenchWriter:
    """Rows written one by one into an open text file (a register of a million lines): the BOM
    and the header first, then `writerow`. Open the file with newline=""."""

    def __init__(self, stream: TextIO, header: Sequence[str]) -> None:
        stream.write(BOM)
        self.width = len(header)
        self._writer = csv.writer(stream, delimiter=DELIMITER, lineterminator="\r\n")
        self._writer.writerow([french_value(h) for h in header])

    def writerow(self, row: Sequence[Any]) -> None:
        if len(row) != self.width:
            raise ValueError(f"a row has {len(row)} cells for {self.width} columns")
        self._writer.writerow([french_value(v) for v in row])


def french_rows(stream: TextIO) -> Iterator[dict[str, str]]:
    """The rows of a file FrenchWriter wrote (pb's own files, e.g. the voting codes), by column
    name, each cell as it was given (the apostrophe that kept a formula from running removed).
    Open the file with encoding="utf-8-sig" (or strip the BOM) and newline=""."""
    for row in csv.DictReader(stream, delimiter=DELIMITER):
        yield {k: _unsafe(v) for k, v in row.items()}


def _unsafe(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA) else value


def french_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file as text: BOM, header, rows; `;`-separated, CRLF, formula-safe."""
    buf = io.StringIO()
    writer = FrenchWriter(buf, header)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


def csv_response(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Content-Type": "text/csv; charset=utf-8"})
