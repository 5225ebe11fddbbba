"""CSV imports read what French spreadsheets write (`;` or `,`, UTF-8 with or without BOM,
Windows-1252 or Latin-1, JJ/MM/AAAA dates), and a wrong file gets a French message that names
the line and the column, never a Python exception's text."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from pb.authz import SYSTEM
from pb.csvimport import CsvFileError, CsvRows, detect_encoding, open_text, parse_date
from pb.jobs import TaskRun
from pb.voting.models import Voter
from pb.voting.services.register import import_register, open_register

FRENCH = "Nom;Prénom;Date de naissance;Quartier;Courriel\r\nLefèvre;Élise;31/12/1990;q1;elise@ville.example\r\n" \
         "Müller;Zoé;01/02/1985;Quartier 2;\r\n"


def _rows(data: bytes, **kwargs) -> list[tuple[int, dict[str, str]]]:
    stream = open_text(io.BytesIO(data))
    return list(CsvRows(stream, columns=("a", "b"), **kwargs))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_encodings_and_delimiters_of_french_spreadsheets(encoding, delimiter) -> None:
    text = f"a{delimiter}b\r\nÉlise Lefèvre{delimiter}Cœur de ville ‘œ’\r\nAndré{delimiter}x\r\n"
    if encoding == "latin-1":
        text = text.replace("œ", "oe").replace("‘", "'").replace("’", "'")
    rows = _rows(text.encode(encoding), required=("a", "b"))
    assert rows[0][0] == 2 and rows[0][1]["a"] == "Élise Lefèvre"
    assert rows[1] == (3, {"a": "André", "b": "x"})


def test_detection_prefers_utf8_and_reads_windows_1252() -> None:
    assert detect_encoding("Élise".encode()) == "utf-8"
    assert detect_encoding("\ufeffa;b".encode("utf-8")) == "utf-8-sig"
    assert detect_encoding("Lefèvre;Zoé;Noël;Hélène;cœur\n".encode("cp1252") * 20) in ("cp1252", "windows-1252")


@pytest.mark.parametrize("text, date", [("31/12/1990", dt.date(1990, 12, 31)), ("1990-12-31", dt.date(1990, 12, 31)),
                                        ("1/2/1985", dt.date(1985, 2, 1)), ("31.12.1990", dt.date(1990, 12, 31)),
                                        ("31-12-1990", dt.date(1990, 12, 31)), ("31/12/1990 00:00", dt.date(1990, 12, 31))])
def test_dates_as_french_files_write_them(text, date) -> None:
    assert parse_date(text) == date


@pytest.mark.parametrize("text", ["31/02/1990", "12/31/1990", "1990", "", "demain"])
def test_what_is_not_a_date(text) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def _refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(CsvFileError) as refused:
        _rows(data, **kwargs)
    return refused.value.text()


@pytest.mark.parametrize("data, line, words", [
    (b"", 1, "empty"),
    (b"a;c\n1;2\n", 1, "no column b"),
    (b'a;b\n1;2\n3;"unclosed\n', 3, "quote"),
    (b"a;b\n1;2\n3;4;5\n", 3, "3 fields"),
    ("a;b\nÉlise;1\n".encode() + b"x;y\n" * 300_000 + "Lef\xe8vre;2\n".encode("latin-1"), 300_003, "encoding"),
])
def test_a_wrong_file_names_its_line(data, line, words) -> None:
    message = _refusal(data, required=("a", "b"))
    assert message.startswith(f"Line {line}:") and words in message, message


def test_a_file_in_ascii_for_its_first_megabyte_may_then_be_in_windows_1252() -> None:
    data = b"a;b\n" + b"Martin;1\n" * 200_000 + "Lefèvre;2\n".encode("cp1252")
    rows = _rows(data)
    assert rows[-1] == (200_002, {"a": "Lefèvre", "b": "2"})


def test_blank_lines_are_skipped_and_numbers_are_physical_lines() -> None:
    rows = _rows(b'a;b\n\n"two\nlines";x\n;\nlast;y\n')
    assert [(n, r["a"]) for n, r in rows] == [(3, "two\nlines"), (6, "last")]


def test_the_register_reads_a_french_excel_file(session, make, tmp_path) -> None:
    edition = make.edition()
    path = tmp_path / "liste.csv"
    path.write_bytes(FRENCH.encode("cp1252"))
    with open_register(path) as stream:
        result = import_register(session, SYSTEM, edition, stream)
    assert (result.accepted, result.rejected) == (2, 0)
    voters = session.scalars(sa.select(Voter).order_by(Voter.id)).all()
    assert [v.birth_date for v in voters] == [dt.date(1990, 12, 31), dt.date(1985, 2, 1)]
    assert voters[0].email == "elise@ville.example"


def test_rejected_rows_name_their_line_and_column(session, make) -> None:
    edition = make.edition()
    result = import_register(session, SYSTEM, edition, io.StringIO(
        "nom;prénom;date de naissance;quartier\nA;B;31/13/1990;q1\nC;D;01/01/1980;ailleurs\n"))
    assert result.examples == [(2, "birth_date", "bad_date"), (3, "district", "unknown_district")]


def _upload(client, session, make, auth, text: str) -> str:
    edition = make.edition()
    admin = make.admin()
    session.commit()
    auth.login(admin)
    upload = client.post(f"/admin/editions/{edition.id}/voting/import", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(text.encode("cp1252")), "liste.csv")})
    assert upload.status_code == 302
    return client.get(upload.headers["Location"]).get_data(as_text=True)


def test_the_import_page_speaks_french_for_a_wrong_file(client, session, make, auth) -> None:
    wrong = "nom;prénom;date de naissance;quartier\nLefèvre;Élise;31/12/1990;q1\n\"Roux;Ali;01/01/1980;q1\n"
    page = _upload(client, session, make, auth, wrong)
    assert "Ligne 3" in page and "guillemet" in page
    assert not re.search(r"Error|Traceback|codec|line \d", page)
    session.expire_all()
    assert session.scalar(sa.select(TaskRun.status)) == "failed"


def test_the_import_report_page_lists_rejected_lines_in_french(client, session, make, auth) -> None:
    text = "nom;prénom;date de naissance;quartier\nLefèvre;Élise;31/12/1990;q1\nRoux;Ali;31/02/1980;q1\n"
    page = _upload(client, session, make, auth, text)
    assert "Ligne 3, colonne « birth_date » : la date de naissance n’est pas une date" in page, page
