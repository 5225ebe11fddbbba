"""The voter register: import from CSV (streamed, batch by batch), lookup by identity.

The file is read row by row: a batch of rows (2,000) is checked, hashed and inserted, then
forgotten; duplicates are found by the database's UNIQUE (edition, voter_key), not by a set in
memory. A one-million-row file therefore imports in constant memory (bench/import_register.py
measures it). Each line gets a status in the report file: accepted with its voter reference
(so that the city can merge letters with its own file by line number), or rejected with the
reason."""

from __future__ import annotations

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
from pb.db import utcnow
from pb.editions.models import Edition, Phase, ResidenceRule
from pb.errors import PbError
from pb.voting import identity
from pb.voting.models import Voter, VoterSource
from pb.voting.services.common import birth_cutoff, settings, vote_date
from pb.web.csv import FrenchWriter, in_french

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
    "duplicate_external_id": _l("the same register number is already on the register"),
    "too_long": _l("a field is too long"),
    "email_ignored": _l("accepted; the e-mail address is not valid and was ignored"),
}


@dataclass
class ImportReport:
    lines: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    emails_ignored: int = 0
    near_duplicates: list[list[str]] = field(default_factory=list)
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
                "near_duplicates": self.near_duplicates,
                "examples": [list(e) for e in self.examples]}


REASON_COLUMNS = {"bad_date": "birth_date", "too_young": "birth_date", "unknown_district": "district",
                  "citywide_district": "district"}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


REPORT_COLUMNS = ["ligne", "statut", "ref_votant", "motif", "colonne"]
REPORT_STATUS = {"accepted": _l("imported"), "rejected": _l("rejected")}


class _Report:
    """The import report, one line per row of the register, as a French spreadsheet reads it."""

    def __init__(self, stream: TextIO) -> None:
        self.writer = FrenchWriter(stream, REPORT_COLUMNS)

    def writerow(self, row: list[Any]) -> None:
        number, status, ref, reason, *column = row
        self.writer.writerow([number, in_french(REPORT_STATUS[status]), ref, in_french(reason_text(reason)) if reason else "",
                              column[0] if column else ""])


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


def district_index(edition: Edition) -> dict[str, tuple[int, bool]]:
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
    if not born or not last or not first:  # the names make the identity, even with a register number
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
    near_prefix, near_suffix = identity.near_keys(pepper, last, birth_date)
    values = {
        "edition_id": edition.id,
        "voter_key": identity.voter_key(pepper, last, first, birth_date),
        "external_key": identity.external_key(pepper, external),
        "near_prefix": near_prefix,
        "near_suffix": near_suffix,
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
    never stored), external_id (a second key: one identifier is one person); or their French names
    (nom, prénom, date de naissance, quartier...). Read by pb.csvimport: `;` or `,`, UTF-8 or
    Windows-1252."""
    require(actor, "voting.manage", edition)
    reader = _reader(stream)
    result = ImportReport()
    districts = district_index(edition)
    cutoff = birth_cutoff(edition)
    pepper = settings().voter_pepper
    writer = _Report(report) if report is not None else None
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
    result.near_duplicates = near_duplicates(session, edition)
    audit.record(session, actor, "voters.import", edition, after=result.as_dict())
    return result


def near_duplicates(session: Session, edition: Edition, limit: int = 500) -> list[list[str]]:
    """Groups of register entries (their references) born the same day whose last names begin
    or end with the same letters: perhaps one person written two ways, perhaps twins. Staff
    compare them with the city's file and cancel the wrong one (docs/voting.md)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for column in (Voter.near_prefix, Voter.near_suffix):
        shared = (sa.select(column).where(Voter.edition_id == edition.id, column.is_not(None))
                  .group_by(column).having(sa.func.count() > 1).limit(limit).scalar_subquery())
        rows = session.execute(sa.select(column, Voter.ref).where(Voter.edition_id == edition.id, column.in_(shared))
                               .order_by(column, Voter.ref)).all()
        for key, ref in rows:
            groups.setdefault((column.key, key), []).append(ref)
    unique = sorted({tuple(refs) for refs in groups.values()})
    return [list(refs) for refs in unique][:limit]


def _insert_batch(session: Session, batch: list[tuple[int, dict[str, Any], bool]], result: ImportReport,
                  writer: Any) -> None:
    if not batch:
        return
    first_line: dict[str, int] = {}
    externals: set[str] = set()
    late_ids: list[dict[str, Any]] = []  # duplicates that bring a register number
    unique: list[tuple[int, dict[str, Any], bool]] = []
    for number, values, ignored in batch:
        if values["voter_key"] in first_line or (values["external_key"] and values["external_key"] in externals):
            unique.append((number, {}, ignored))  # duplicate inside the batch
            if values["external_key"]:
                externals.add(values["external_key"])
                late_ids.append(values)
        else:
            first_line[values["voter_key"]] = number
            if values["external_key"]:
                externals.add(values["external_key"])
            unique.append((number, values, ignored))
    rows = [v for _n, v, _i in unique if v]
    inserted: dict[str, str] = {}
    known_external: set[str] = set()
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
        edition_id = missed[0]["edition_id"]
        known = set(session.scalars(sa.select(Voter.voter_key).where(
            Voter.edition_id == edition_id, Voter.voter_key.in_([v["voter_key"] for v in missed]))))
        known_ids = set(session.scalars(sa.select(Voter.external_key).where(
            Voter.edition_id == edition_id, Voter.external_key.in_([v["external_key"] for v in missed if v["external_key"]]))))
        known_external |= known_ids
        pending = [v for v in missed if v["voter_key"] not in known and v["external_key"] not in known_ids]
        for v in pending:
            v["ref"] = identity.new_voter_ref()
    late_ids += [v for v in rows if v["external_key"] and v["voter_key"] not in inserted]
    _attach_external_ids(session, late_ids)
    for number, values, ignored in unique:
        ref = inserted.get(values["voter_key"]) if values else None
        if ref is not None and first_line.get(values["voter_key"]) == number:
            result.accepted += 1
            if ignored:
                result.emails_ignored += 1
            if writer:
                writer.writerow([number, "accepted", ref, "email_ignored" if ignored else "", "email" if ignored else ""])
        else:
            reason = "duplicate_external_id" if values and values["external_key"] in known_external else "duplicate"
            result.reject(number, reason, writer)


def _attach_external_ids(session: Session, rows: list[dict[str, Any]]) -> None:
    """A line refused as a person already on the register may bring that person's register
    number: keep it on the entry (if it has none and no other entry has it), so that a later line
    with this number and other names is the same person too."""
    for values in rows:
        taken = sa.select(Voter.id).where(Voter.edition_id == values["edition_id"],
                                          Voter.external_key == values["external_key"])
        session.execute(sa.update(Voter).where(
            Voter.edition_id == values["edition_id"], Voter.voter_key == values["voter_key"],
            Voter.external_key.is_(None), ~sa.exists(taken))
            .values(external_key=values["external_key"]))


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
    pepper = settings().voter_pepper
    if external_id and identity.external_key(pepper, external_id):
        return session.scalar(sa.select(Voter).where(Voter.edition_id == edition.id,
                                                     Voter.external_key == identity.external_key(pepper, external_id)))
    if birth_date is None:
        return None
    key = identity.voter_key(pepper, last_name, first_name, birth_date)
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


class PurgeTooEarly(PbError):
    code = "purge_too_early"
    status = 409
    message = _l("The register cannot be purged yet: %(reason)s")


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)  # pragma: no cover - day 28 exists in every month


def purge_date(session: Session, edition: Edition) -> dt.datetime | None:
    """When the register may be purged: the end of the recourse period (`recourse_months`
    after the results were first published); None while the vote is open or no result is
    published."""
    from pb.results.models import TallyRun

    if edition.phase.rank <= Phase.VOTE.rank:
        return None
    published = session.scalar(sa.select(sa.func.min(TallyRun.published_at)).where(
        TallyRun.edition_id == edition.id, TallyRun.published_at.is_not(None)))
    return add_months(published, settings().recourse_months) if published is not None else None


def purge_personal_data(session: Session, actor: Any, edition: Edition, *, now: dt.datetime | None = None) -> int:
    """After the vote and its recourse period: drop dates of birth, contact details and the near-
    duplicate keys. The keys stay (they are what makes one person one vote, and they reveal no
    one without the pepper). Refused while the vote is open and until the recourse period
    after the results' publication has ended: the register is what a challenge is judged on."""
    require(actor, "voting.manage", edition)
    due = purge_date(session, edition)
    if due is None:
        raise PurgeTooEarly(reason=_l("the vote is not over or its results are not published."))
    if (now or utcnow()) < due:
        raise PurgeTooEarly(reason=_l("the results can be challenged until %(date)s.", date=due.date().isoformat()))
    count = session.execute(sa.update(Voter).where(Voter.edition_id == edition.id).values(
        birth_date=None, email="", phone="", near_prefix=None, near_suffix=None)).rowcount
    audit.record(session, actor, "voters.purge", edition, after={"voters": count})
    return count


def purge_due(session: Session, actor: Any, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled purge (`pb voters purge-due`, daily): every edition whose recourse period
    has ended and whose register still holds personal data. {edition slug: voters purged}."""
    done: dict[str, int] = {}
    holding = sa.select(Voter.edition_id).where(sa.or_(Voter.birth_date.is_not(None), Voter.email != "",
                                                       Voter.phone != "")).distinct()
    for edition in session.scalars(sa.select(Edition).where(Edition.id.in_(holding)).order_by(Edition.id)):
        due = purge_date(session, edition)
        if due is not None and (now or utcnow()) >= due:
            done[edition.slug] = purge_personal_data(session, actor, edition, now=now)
    return done
