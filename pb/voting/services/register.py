"""The voter register: import from CSV (streamed, batch by batch), lookup by identity.

The file is read row by row: a batch of rows (2,000) is checked, hashed and inserted, then
forgotten; duplicates are found by the database's UNIQUE (edition, voter_key), not by a set in
memory. A one-million-row file therefore imports in constant memory (bench/import_register.py
measures it). Each line gets a status in the report file: accepted with its voter reference
(so that the city can merge letters with its own file by line number), or rejected with the
reason."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.csvimport import CsvRows, open_text, parse_date
from pb.editions.models import Edition, ResidenceRule
from pb.voting import identity
from pb.voting.models import Voter, VoterSource
from pb.voting.services.common import birth_cutoff, settings, vote_date

REQUIRED_COLUMNS = ("last_name", "first_name", "birth_date", "district")
OPTIONAL_COLUMNS = ("email", "phone", "address", "external_id")
# The French names a city's own file may use (matched without case, accents or spaces).
COLUMN_ALIASES = {"nom": "last_name", "nom_de_famille": "last_name", "prenom": "first_name",
                  "prenoms": "first_name", "date_de_naissance": "birth_date", "date_naissance": "birth_date",
                  "naissance": "birth_date", "quartier": "district", "secteur": "district", "courriel": "email",
                  "e_mail": "email", "mail": "email", "telephone": "phone", "tel": "phone", "adresse": "address",
                  "identifiant": "external_id", "numero_electeur": "external_id"}
MAX_EXAMPLES = 20  # rejected lines shown on the report page (all are in the report file)
BATCH_SIZE = 2000

# Reasons a row is rejected: stable codes (the report file) and words (the report page).
REASONS = {
    "missing_field": _l("a required field is empty"),
    "bad_date": _l("the date of birth is not a date (JJ/MM/AAAA or AAAA-MM-JJ)"),
    "too_young": _l("under the minimum age on the vote date"),
    "unknown_district": _l("unknown district"),
    "citywide_district": _l("the city-wide scope is not a district of residence"),
    "duplicate": _l("the same person is already on the register (same identity)"),
    "too_long": _l("a field is too long"),
}


@dataclass
class ImportReport:
    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    emails_ignored: int = 0
    examples: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, reason)

    def reject(self, line: int, reason: str, writer: Any) -> None:
        self.rejected += 1
        self.reasons[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((line, REASON_COLUMNS.get(reason, ""), reason))
        if writer:
            writer.writerow([line, "rejected", "", reason, REASON_COLUMNS.get(reason, "")])

    def as_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "accepted": self.accepted, "rejected": self.rejected,
                "reasons": dict(self.reasons), "emails_ignored": self.emails_ignored,
                "examples": [list(e) for e in self.examples]}


REASON_COLUMNS = {"bad_date": "birth_date", "too_young": "birth_date", "unknown_district": "district",
                  "citywide_district": "district"}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


def count_lines(path: Path) -> int:
    """Data lines of a file (for the progress bar), read by chunks."""
    n = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return max(0, n - 1)


def open_register(path: Path) -> TextIO:
    return open_text(path)


def _reader(stream: TextIO) -> CsvRows:
    return CsvRows(stream, columns=REQUIRED_COLUMNS + OPTIONAL_COLUMNS, required=REQUIRED_COLUMNS,
                   aliases=COLUMN_ALIASES)


def _district_index(edition: Edition) -> dict[str, tuple[int, bool]]:
    index: dict[str, tuple[int, bool]] = {}
    for d in edition.districts:
        index[d.code.lower()] = (d.id, d.is_citywide)
        index[identity.normalise_text(d.name)] = (d.id, d.is_citywide)
    return index


def _clean_email(value: str) -> str | None:
    value = value.strip().lower()
    if not value:
        return ""
    if len(value) > 254 or " " in value or value.count("@") != 1 or "." not in value.split("@")[1]:
        return None
    return value


def check_row(edition: Edition, row: dict[str, Any], districts: dict[str, tuple[int, bool]], cutoff: dt.date,
              pepper: str) -> tuple[dict[str, Any] | None, str | None, bool]:
    """(voter values, None, email ignored) or (None, reason code, False)."""
    get = lambda name: (row.get(name) or "").strip()  # noqa: E731
    last, first, born, district = get("last_name"), get("first_name"), get("birth_date"), get("district")
    external = get("external_id")
    if not born or (not external and not (last and first)):
        return None, "missing_field", False
    if not district and edition.residence_rule == ResidenceRule.RESIDENCE:
        return None, "missing_field", False
    if max(len(last), len(first), len(external), len(get("address"))) > 200:
        return None, "too_long", False
    try:
        birth_date = parse_date(born)
    except ValueError:
        return None, "bad_date", False
    if birth_date.year < 1890 or birth_date > cutoff.replace(year=cutoff.year + edition.min_voter_age):
        return None, "bad_date", False
    if birth_date > cutoff:
        return None, "too_young", False
    district_id = None
    if district:
        found = districts.get(district.lower()) or districts.get(identity.normalise_text(district))
        if found is None:
            return None, "unknown_district", False
        if found[1]:
            return None, "citywide_district", False
        district_id = found[0]
    email = _clean_email(get("email"))
    values = {
        "edition_id": edition.id,
        "voter_key": identity.voter_key(pepper, last, first, birth_date, external),
        "ref": identity.new_voter_ref(),
        "district_id": district_id,
        "birth_date": birth_date,
        "email": email or "",
        "phone": get("phone")[:32],
        "source": VoterSource.IMPORT.value,
    }
    return values, None, email is None


def import_register(session: Session, actor: Any, edition: Edition, stream: TextIO, *, report: TextIO | None = None,
                    progress: Callable[[int], None] | None = None, batch_size: int = BATCH_SIZE) -> ImportReport:
    """Import a register file into the edition. Columns: last_name, first_name, birth_date
    (JJ/MM/AAAA or AAAA-MM-JJ), district (code or name); optional email, phone, address (read,
    never stored), external_id (replaces name and date in the identity); or their French names
    (nom, prénom, date de naissance, quartier...). Read by pb.csvimport: `;` or `,`, UTF-8 or
    Windows-1252."""
    require(actor, "voting.manage", edition)
    reader = _reader(stream)
    result = ImportReport()
    districts = _district_index(edition)
    cutoff = birth_cutoff(edition)
    pepper = settings().voter_pepper
    writer = csv.writer(report) if report is not None else None
    if writer:
        writer.writerow(["line", "status", "voter_ref", "reason", "column"])
    batch: list[tuple[int, dict[str, Any], bool]] = []

    def flush() -> None:
        _insert_batch(session, batch, result, writer)
        batch.clear()
        if progress is not None:
            progress(result.lines)

    for number, row in reader:
        result.lines += 1
        values, reason, email_ignored = check_row(edition, row, districts, cutoff, pepper)
        if values is None:
            result.reject(number, reason or "?", writer)
            continue
        batch.append((number, values, email_ignored))
        if len(batch) >= batch_size:
            flush()
    flush()
    audit.record(session, actor, "voters.import", edition, after=result.as_dict())
    return result


def _insert_batch(session: Session, batch: list[tuple[int, dict[str, Any], bool]], result: ImportReport,
                  writer: Any) -> None:
    if not batch:
        return
    first_line: dict[str, int] = {}
    unique: list[tuple[int, dict[str, Any], bool]] = []
    for number, values, ignored in batch:
        if values["voter_key"] in first_line:
            unique.append((number, {}, ignored))  # duplicate inside the batch
        else:
            first_line[values["voter_key"]] = number
            unique.append((number, values, ignored))
    rows = [v for _n, v, _i in unique if v]
    inserted: dict[str, str] = {}
    pending = rows
    for _attempt in range(5):
        if not pending:
            break
        inserted.update({key: ref for key, ref in session.execute(_insert_ignoring_duplicates(session, pending))})
        missed = [v for v in pending if v["voter_key"] not in inserted]
        if not missed:
            break
        # Not inserted: a person already on the register, or (rarely) a random reference that
        # collided; draw new references for the latter and try again.
        known = set(session.scalars(sa.select(Voter.voter_key).where(
            Voter.edition_id == missed[0]["edition_id"], Voter.voter_key.in_([v["voter_key"] for v in missed]))))
        pending = [v for v in missed if v["voter_key"] not in known]
        for v in pending:
            v["ref"] = identity.new_voter_ref()
    for number, values, ignored in unique:
        ref = inserted.get(values["voter_key"]) if values else None
        if ref is not None and first_line.get(values["voter_key"]) == number:
            result.accepted += 1
            if ignored:
                result.emails_ignored += 1
            if writer:
                writer.writerow([number, "accepted", ref, "email_ignored" if ignored else ""])
        else:
            result.reject(number, "duplicate", writer)


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(Voter).values(rows) if rows else None
    assert stmt is not None
    return stmt.on_conflict_do_nothing().returning(Voter.voter_key, Voter.ref)


def import_text(session: Session, actor: Any, edition: Edition, text: str) -> ImportReport:
    """Import from a string (the demo, tests)."""
    return import_register(session, actor, edition, io.StringIO(text))


def find_voter(session: Session, edition: Edition, *, last_name: str = "", first_name: str = "",
               birth_date: dt.date | None = None, external_id: str = "", ref: str = "") -> Voter | None:
    """A register entry by its reference, or by identity (hashed the same way as at import):
    staff find a voter without pb storing names."""
    if ref:
        wanted = identity.normalise_base32(ref)
        wanted = identity.grouped(wanted, 5) if len(wanted) == 10 else ref.strip().upper()
        return session.scalar(sa.select(Voter).where(Voter.edition_id == edition.id, Voter.ref == wanted))
    if birth_date is None and not external_id:
        return None
    key = identity.voter_key(settings().voter_pepper, last_name, first_name, birth_date or dt.date(1900, 1, 1),
                             external_id)
    return session.scalar(sa.select(Voter).where(Voter.edition_id == edition.id, Voter.voter_key == key))


def register_counts(session: Session, edition: Edition) -> dict[str, Any]:
    from pb.voting.models import VotingToken

    total = session.scalar(sa.select(sa.func.count()).select_from(Voter).where(Voter.edition_id == edition.id)) or 0
    by_district = dict(session.execute(sa.select(Voter.district_id, sa.func.count()).where(
        Voter.edition_id == edition.id).group_by(Voter.district_id)).all())
    tokens = session.execute(sa.select(
        sa.func.count(),
        sa.func.count(VotingToken.used_at),
        sa.func.count(VotingToken.revoked_at),
        sa.func.count(VotingToken.emailed_at),
    ).where(VotingToken.edition_id == edition.id)).one()
    return {"voters": total, "by_district": by_district, "tokens": tokens[0], "used": tokens[1],
            "revoked": tokens[2], "emailed": tokens[3], "vote_date": vote_date(edition)}


def purge_personal_data(session: Session, actor: Any, edition: Edition) -> int:
    """After the vote and its appeal period: drop dates of birth and contact details. The keys
    stay (they are what makes one person one vote, and they reveal no one without the pepper)."""
    require(actor, "voting.manage", edition)
    count = session.execute(sa.update(Voter).where(Voter.edition_id == edition.id).values(
        birth_date=None, email="", phone="")).rowcount
    audit.record(session, actor, "voters.purge", edition, after={"voters": count})
    return count
