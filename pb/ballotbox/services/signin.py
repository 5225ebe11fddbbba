"""Signing a voter in at a station: the desk (or station software) finds the person in the
register, by identity (hashed exactly as the register is: `pb.voting.services.find_voter`) or
by the reference on their letter, and writes their participation rows at once.

The participation table's UNIQUE (edition, scope, voter_key) is what makes one person one
vote across channels: an online vote and a desk sign-in of the same person, whatever their
timing, cannot both be written (the second waits for the first's commit, then fails). A desk
sign-in writes every scope the person votes in (their district, and the city-wide scope when
there is one), so it collides with any online vote of theirs.

Offline stations upload their sign-in list after the close; a line whose person had already
signed in (online, or at another station) is kept apart with its counterpart (SigninCollision):
the paper ballot is in the box and the online one cannot be found, by design; reconciliation
counts them against the margin."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass
from typing import Any, TextIO

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.ballotbox import errors
from pb.ballotbox.models import PollingStation, SigninCollision
from pb.ballotbox.services.stations import is_closed, is_open, printable
from pb.db import utcnow
from pb.editions.models import Edition, Phase, ResidenceRule
from pb.errors import PbError, ValidationFailed
from pb.voting.models import Channel, Participation, Scope, Voter, VoterSource
from pb.voting.services.common import birth_cutoff, ineligibility, settings, vote_date
from pb.voting.services.register import check_row, district_index, find_voter, reason_text
from pb.web.format import day as day_words


@dataclass(frozen=True)
class Existing:
    """Where and when a person already signed in."""

    channel: str
    at: dt.datetime
    station_id: int | None
    station: str | None

    def as_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "at": self.at.isoformat(), "station": self.station,
                "station_id": self.station_id}


@dataclass(frozen=True)
class Lookup:
    voter: Voter
    existing: Existing | None

    @property
    def status(self) -> str:
        return "already_voted" if self.existing else "may_vote"


@dataclass(frozen=True)
class SignIn:
    id: int
    voter_ref: str
    scopes: list[str]
    district: str | None
    at: dt.datetime


def parse_birth_date(value: Any) -> dt.date | None:
    """YYYY-MM-DD, or DD/MM/YYYY as written in France."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_l("The date of birth is not a date (YYYY-MM-DD or DD/MM/YYYY)."),
                               field="birth_date") from None


def _find(session: Session, edition: Edition, voter_ref: str, last_name: str, first_name: str,
          birth_date: Any) -> Voter:
    voter_ref = printable(str(voter_ref or ""))[:40]
    if voter_ref:
        voter = find_voter(session, edition, ref=voter_ref)
    else:
        born = parse_birth_date(birth_date)
        if not (last_name or "").strip() or not (first_name or "").strip() or born is None:
            raise ValidationFailed(_l("Give the voter's reference, or their last name, first name and date of birth."),
                                   field="last_name")
        voter = find_voter(session, edition, last_name=last_name, first_name=first_name, birth_date=born)
    if voter is None:
        raise errors.NotRegistered()
    return voter


def existing_signin(session: Session, edition_id: int, voter_key: str) -> Existing | None:
    row = session.execute(
        sa.select(Participation.channel, Participation.signed_at, Participation.station_id, PollingStation.name)
        .outerjoin(PollingStation, PollingStation.id == Participation.station_id)
        .where(Participation.edition_id == edition_id, Participation.voter_key == voter_key)
        .order_by(Participation.signed_at).limit(1)
    ).first()
    if row is None:
        return None
    return Existing(str(Channel(row[0]).value), row[1], row[2], row[3])


def lookup(session: Session, actor: Any, station: PollingStation, *, voter_ref: str = "", last_name: str = "",
           first_name: str = "", birth_date: Any = None) -> Lookup:
    """Who is this person, and have they voted? (An officer of the station; at any time.)"""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)
    voter = _find(session, station.edition, voter_ref, last_name, first_name, birth_date)
    return Lookup(voter, existing_signin(session, station.edition_id, voter.voter_key))


def describe(existing: Existing) -> str:
    """The one line the desk shows for an existing sign-in (local time)."""
    from flask_babel import format_datetime

    when = format_datetime(existing.at, "d MMM HH:mm")
    if existing.channel == Channel.ONLINE.value:
        return _("already voted online on %(at)s", at=when)
    return _("already signed in at %(station)s on %(at)s", station=existing.station or "?", at=when)


def _scopes(station: PollingStation, voter: Voter) -> list[tuple[Scope, int]]:
    edition = station.edition
    reason = ineligibility(edition, voter.birth_date, voter.district_id)
    if reason:
        raise errors.NotEligibleHere(reason=reason)
    if edition.residence_rule == ResidenceRule.CHOICE and station.district_id is not None:
        district_id = station.district_id
    else:
        district_id = voter.district_id
    if station.district_id is not None and district_id != station.district_id:
        names = {d.id: d.name for d in edition.districts}
        raise errors.NotEligibleHere(reason=_("this person votes in %(district)s: a station of that district or a "
                                               "city-wide station signs them in.", district=names.get(district_id, "?")))
    scopes: list[tuple[Scope, int]] = []
    if district_id is not None:
        scopes.append((Scope.DISTRICT, district_id))
    scopes += [(Scope.CITYWIDE, d.id) for d in edition.districts if d.is_citywide]
    if not scopes:
        raise errors.NotEligibleHere(reason=_("no district to vote in."))
    return scopes


def _check_open(station: PollingStation, now: dt.datetime) -> None:
    if not station.edition.paper_voting:
        raise errors.PaperVotingDisabled()
    if not is_open(station, now):
        raise errors.StationClosed()


def sign_in(session: Session, actor: Any, station: PollingStation, *, voter_ref: str = "", last_name: str = "",
            first_name: str = "", birth_date: Any = None, now: dt.datetime | None = None) -> SignIn:
    """Sign the person in at this station: their participation rows, in the caller's
    transaction (a savepoint, so that a refusal leaves the transaction usable). Raises
    AlreadySignedIn with where and when the person signed in before."""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)
    now = now or utcnow()
    _check_open(station, now)
    voter = _find(session, station.edition, voter_ref, last_name, first_name, birth_date)
    return _sign_in_voter(session, actor, station, voter, now)


def register_and_sign_in(session: Session, actor: Any, station: PollingStation, *, last_name: str = "",
                         first_name: str = "", birth_date: Any = None, district: str = "", id_checked: bool = False,
                         now: dt.datetime | None = None) -> SignIn:
    """On-the-spot registration (when the edition allows it): a person missing from the register,
    whose ID the officer checked, is added to it exactly as an import line would be (same
    identity key, same checks: minimum age on the vote date, district of residence) and signed
    in at once, in one savepoint: a refusal leaves neither the register entry nor a sign-in.
    No name is stored, only the keyed hash of the identity."""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)
    now = now or utcnow()
    edition = station.edition
    if not edition.desk_registration or station.offline:
        raise errors.DeskRegistrationDisabled()
    _check_open(station, now)
    if not id_checked:
        raise errors.IdNotChecked()
    born = parse_birth_date(birth_date)
    if not (last_name or "").strip() or not (first_name or "").strip() or born is None:
        raise ValidationFailed(_l("Give the person's last name, first name and date of birth."), field="last_name")
    if find_voter(session, edition, last_name=last_name, first_name=first_name, birth_date=born) is not None:
        raise errors.AlreadyOnRegister()
    if not district and station.district_id is not None and edition.residence_rule == ResidenceRule.RESIDENCE:
        district = next((d.code for d in edition.districts if d.id == station.district_id), "")
    row = {"last_name": last_name, "first_name": first_name, "birth_date": born.isoformat(), "district": district}
    values, reason, _ignored = check_row(edition, row, district_index(edition), birth_cutoff(edition),
                                         settings().voter_pepper)
    if values is None:
        raise _registration_refusal(edition, str(reason))
    values["source"] = VoterSource.STAFF.value
    try:
        with session.begin_nested():
            voter = Voter(**values)
            session.add(voter)
            session.flush()
            done = _sign_in_voter(session, actor, station, voter, now)
    except IntegrityError:  # the same person registered meanwhile (another desk, an import)
        raise errors.AlreadyOnRegister() from None
    audit.record(session, actor, "ballotbox.desk_registration", station,
                 after={"voter": voter.ref, "district": done.district})
    return done


def _registration_refusal(edition: Edition, reason: str) -> PbError:
    if reason == "too_young":
        return errors.NotEligibleHere(reason=_("the minimum age is %(age)s on %(date)s.", age=edition.min_voter_age,
                                               date=day_words(vote_date(edition))))
    if reason == "bad_date":
        return ValidationFailed(_l("This date of birth is not plausible."), field="birth_date")
    if reason in ("unknown_district", "citywide_district") or (reason == "missing_field"):
        return ValidationFailed(_l("Choose the district where the person lives."), field="district")
    return ValidationFailed(reason_text(reason), field="last_name")


def _sign_in_voter(session: Session, actor: Any, station: PollingStation, voter: Voter,
                   now: dt.datetime) -> SignIn:
    scopes = _scopes(station, voter)
    rows = [{"edition_id": station.edition_id, "scope": scope.value, "district_id": district_id,
             "voter_key": voter.voter_key, "channel": Channel.PAPER.value, "station_id": station.id, "signed_at": now}
            for scope, district_id in scopes]
    try:
        with session.begin_nested():
            ids = list(session.scalars(sa.insert(Participation).returning(Participation.id), rows))
    except IntegrityError:
        existing = existing_signin(session, station.edition_id, voter.voter_key)
        raise _already(existing) from None
    audit.record(session, actor, "station.signin", station, after={"voter": voter.ref, "scopes": len(rows)})
    codes = {d.id: d.code for d in station.edition.districts}
    district = next((codes[d] for s, d in scopes if s is Scope.DISTRICT), None)
    return SignIn(ids[0], voter.ref, [s.value for s, _d in scopes], district, now)


def _already(existing: Existing | None) -> errors.AlreadySignedIn:
    if existing is None:  # the row that collided was removed meanwhile: say so plainly
        existing = Existing(Channel.ONLINE.value, utcnow(), None, None)
    from flask_babel import format_datetime

    where = _("online") if existing.channel == Channel.ONLINE.value else (existing.station or "?")
    return errors.AlreadySignedIn(existing.as_json(), where=where, at=format_datetime(existing.at, "d MMM HH:mm"))


def signins_of(session: Session, station: PollingStation) -> int:
    """People signed in at the station (one person, several scopes: one sign-in)."""
    return session.scalar(sa.select(sa.func.count(sa.distinct(Participation.voter_key))).where(
        Participation.station_id == station.id)) or 0


# -- offline stations ------------------------------------------------------------------------------

@dataclass
class UploadReport:
    lines: int = 0
    signed_in: int = 0
    collisions: int = 0
    rejected: list[tuple[int, str]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "signed_in": self.signed_in, "collisions": self.collisions,
                "rejected": [{"line": n, "reason": r} for n, r in (self.rejected or [])]}


def _parse_time(text: str, tz: dt.tzinfo) -> dt.datetime:
    text = text.strip()
    if not text:
        raise ValueError("no time")
    if "/" in text.split(" ")[0]:
        day, rest = (text.split(" ", 1) + ["00:00"])[:2]
        d = parse_birth_date(day)
        assert d is not None
        hour, minute = (int(x) for x in rest.strip().split(":")[:2])
        value = dt.datetime(d.year, d.month, d.day, hour, minute)
    else:
        value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(dt.timezone.utc)


def upload_signins(session: Session, actor: Any, station: PollingStation, stream: TextIO) -> UploadReport:
    """An offline station's sign-in list, after its close. Columns: `voter_ref`, or `last_name`,
    `first_name`, `birth_date`; and `time` (ISO or DD/MM/YYYY HH:MM, local time). Comma or
    semicolon separated, UTF-8 (with or without BOM), as the register import. Every line gets
    an outcome: signed in, collision (listed with its counterpart), or rejected with the reason;
    a file with a bad line is refused whole, so that nothing is half-uploaded."""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)
    if not station.offline:
        raise errors.NotOffline()
    if not is_closed(station):
        raise errors.StationStillOpen()
    edition = station.edition
    if edition.phase.rank < Phase.VOTE.rank:
        raise errors.StationClosed()
    if signins_of(session, station) or session.scalar(sa.select(SigninCollision.id).where(
            SigninCollision.station_id == station.id).limit(1)):
        raise ValidationFailed(_l("This station's sign-in list is already uploaded."), field="file")
    text = stream.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    if not lines:
        raise ValidationFailed(_l("The file is empty."), field="file")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    if "time" not in header or not ("voter_ref" in header or {"last_name", "first_name", "birth_date"} <= set(header)):
        raise ValidationFailed(_l("The file needs the columns voter_ref (or last_name, first_name, birth_date) and time."),
                               field="file")
    tz = zoneinfo.ZoneInfo(settings().timezone)
    report = UploadReport(rejected=[])
    assert report.rejected is not None
    parsed: list[tuple[int, Voter, dt.datetime, list[tuple[Scope, int]]]] = []
    for number, row in enumerate(reader, start=2):
        report.lines += 1
        get = lambda name: (row.get(name) or "").strip()  # noqa: E731
        try:
            at = _parse_time(get("time"), tz)
        except (ValueError, AssertionError, ValidationFailed):
            report.rejected.append((number, "bad_time"))
            continue
        try:
            voter = _find(session, edition, get("voter_ref"), get("last_name"), get("first_name"), get("birth_date"))
        except errors.NotRegistered:
            report.rejected.append((number, "not_registered"))
            continue
        except ValidationFailed:
            report.rejected.append((number, "missing_field"))
            continue
        try:
            scopes = _scopes(station, voter)
        except errors.NotEligibleHere:
            # The person was given a ballot at this station all the same: their sign-in is recorded.
            district_id = station.district_id or voter.district_id
            scopes = [(Scope.DISTRICT, district_id)] if district_id else []
        if not scopes:
            report.rejected.append((number, "no_district"))
            continue
        parsed.append((number, voter, at, scopes))
    if report.rejected:
        detail = ", ".join(f"{n}: {r}" for n, r in report.rejected[:20])
        raise ValidationFailed(_l("Nothing was uploaded: lines refused (line: reason): %(lines)s"), field="file",
                               lines=detail)
    for number, voter, at, scopes in parsed:
        rows = [{"edition_id": station.edition_id, "scope": s.value, "district_id": d, "voter_key": voter.voter_key,
                 "channel": Channel.PAPER.value, "station_id": station.id, "signed_at": at} for s, d in scopes]
        try:
            with session.begin_nested():
                session.execute(sa.insert(Participation), rows)
            report.signed_in += 1
        except IntegrityError:
            other = existing_signin(session, station.edition_id, voter.voter_key)
            session.add(SigninCollision(
                station_id=station.id, line=number, voter_ref=voter.ref, signed_at=at,
                other_channel=other.channel if other else "unknown", other_station_id=other.station_id if other else None,
                other_signed_at=other.at if other else None))
            report.collisions += 1
    session.flush()
    audit.record(session, actor, "station.upload", station, after=report.as_dict())
    return report


def collisions_of(session: Session, edition: Edition) -> list[SigninCollision]:
    return list(session.scalars(sa.select(SigninCollision).join(PollingStation, PollingStation.id == SigninCollision.station_id)
                                .where(PollingStation.edition_id == edition.id).order_by(SigninCollision.station_id,
                                                                                         SigninCollision.line)))
