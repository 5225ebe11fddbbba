"""One reader for every CSV file staff import, as French spreadsheets write them: `;` or `,`
(or tab) between fields, UTF-8 with or without a BOM, or Windows-1252 / Latin-1 (detected with
charset-normalizer), dates as JJ/MM/AAAA or AAAA-MM-JJ. Column names are matched without case,
accents or spaces, and through each import's French aliases. A file that cannot be read raises
`CsvFileError`, whose message names the line (and the column when there is one); no Python
exception text reaches a person.

The file is read as a stream (a register may have a million lines): the encoding is decided
on its first megabyte."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from pathlib import Path
from typing import IO, Iterator, Mapping, TextIO

from flask_babel import lazy_gettext as _l

from pb.errors import ValidationFailed
from pb.slugs import slugify

SAMPLE_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t")
csv.field_size_limit(1 << 20)


class CsvFileError(ValidationFailed):
    """The file, not one of its rows, is unusable: the import stops and says where."""

    code = "bad_file"

    def __init__(self, message: object, *, line: int | None = None, column: str | None = None,
                 **params: object) -> None:
        if line is not None and column:
            message, params = _l("Line %(line)s, column “%(column)s”: %(problem)s"), {
                "line": line, "column": column, "problem": _Text(message, params)}
        elif line is not None:
            message, params = _l("Line %(line)s: %(problem)s"), {"line": line, "problem": _Text(message, params)}
        super().__init__(message, field="file", **params)  # type: ignore[arg-type]
        self.line, self.column = line, column


class _Text:
    """A message with its own parameters, translated when the outer message is."""

    def __init__(self, message: object, params: Mapping[str, object]) -> None:
        self.message, self.params = message, dict(params)

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


def detect_encoding(sample: bytes) -> str:
    """'utf-8-sig' (a BOM), 'utf-8', or the single-byte encoding charset-normalizer finds most
    likely among those French spreadsheets save in (Windows-1252 when unsure)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # a cut last character is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1252", "latin_1"]).best()
    return best.encoding if best is not None else "cp1252"


def open_text(source: Path | IO[bytes]) -> "DecodedLines":
    """The lines of a file or binary stream as text, in its detected encoding."""
    binary = source.open("rb") if isinstance(source, Path) else source
    buffered = binary if isinstance(binary, io.BufferedReader) else io.BufferedReader(binary)  # type: ignore[arg-type]
    return DecodedLines(buffered, detect_encoding(buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]))


class DecodedLines:
    """Decodes line by line (no encoding puts a newline byte inside a character), so that a line
    in another encoding is reported with its own number."""

    def __init__(self, binary: io.BufferedReader, encoding: str) -> None:
        self.binary, self.encoding, self.number = binary, encoding, 0
        self.ascii = True  # every line so far: then a first non-UTF-8 line decides the encoding

    def readline(self) -> str:
        raw = self.binary.readline()
        self.number += 1
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError:
            if self.ascii and self.encoding == "utf-8":
                self.encoding = detect_encoding(raw)
                return self.readline_again(raw)
            raise CsvFileError(_l("this line is not in the same encoding as the start of the file "
                                  "(save the whole file as UTF-8)."), line=self.number) from None
        self.ascii = self.ascii and raw.isascii()
        return text.lstrip("\ufeff") if self.number == 1 else text

    def readline_again(self, raw: bytes) -> str:
        self.ascii = False
        return raw.decode(self.encoding)

    def __iter__(self) -> Iterator[str]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        self.binary.close()

    def __enter__(self) -> "DecodedLines":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def fold(name: str) -> str:
    """A column name without case, accents, spaces or punctuation: 'Date de naissance' -> 'date_de_naissance'."""
    return slugify(name, "_")


class CsvRows:
    """Iterates (line number, {column: value}) over a CSV text stream. `columns` are the names
    the import knows, `aliases` other spellings of them (folded); `required` must be present."""

    def __init__(self, stream: TextIO | DecodedLines, *, columns: tuple[str, ...], required: tuple[str, ...] = (),
                 aliases: Mapping[str, str] | None = None) -> None:
        self.stream = stream
        known = {fold(c): c for c in columns}
        known.update({fold(a): c for a, c in (aliases or {}).items()})
        first = stream.readline().lstrip("\ufeff")
        if not first.strip():
            raise CsvFileError(_l("the file is empty: its first line must name the columns."), line=1)
        self.delimiter = max(DELIMITERS, key=first.count)
        header = next(csv.reader([first], delimiter=self.delimiter), [])
        self.header = [known.get(fold(h), fold(h)) for h in header]
        missing = [c for c in required if c not in self.header]
        if missing:
            raise CsvFileError(_l("the file has no column %(columns)s (the first line must name the columns, "
                                  "separated by “;” or “,”)."), line=1, columns=", ".join(missing))
        self.line = 1

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(self.stream, delimiter=self.delimiter, strict=True)
        width = len(self.header)
        while True:
            start = self.line + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error:
                raise CsvFileError(_l("this line cannot be read: a quote (\") is misplaced or never closed."),
                                   line=start) from None
            self.line = reader.line_num + 1  # the header line was read before the reader
            if not any(v.strip() for v in values):
                continue
            if len(values) > width and any(v.strip() for v in values[width:]):
                raise CsvFileError(_l("this line has %(found)s fields, the first line names %(expected)s "
                                      "(a “%(delimiter)s” inside a value must be between quotes)."),
                                   line=start, found=len(values), expected=width, delimiter=self.delimiter)
            yield start, {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(self.header)}


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


def parse_date(text: str) -> dt.date:
    """A date as French files write it (31/12/1990, 31-12-1990, 31.12.1990) or ISO (1990-12-31);
    a time after it (Excel's '31/12/1990 00:00') is ignored. ValueError otherwise."""
    text = text.strip().split(" ")[0].split("T")[0]
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
