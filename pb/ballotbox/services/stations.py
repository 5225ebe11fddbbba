"""Polling stations, their opening windows, officers and keys; opening and closing.

A station is open when the edition's vote is on, the edition has a paper vote, the station was
not closed early, and now falls inside one of its windows (no window: the vote window). It is
closed once it was closed early, once its last window (or the vote) has ended, or once the
edition left the vote phase; its report can be entered only then."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.accounts.models import User
from pb.authz import require
from pb.ballotbox import errors
from pb.ballotbox.models import PollingStation, StationKey, StationOfficer, StationWindow
from pb.db import utcnow
from pb.editions.copying import copy_hook
from pb.editions.models import District, Edition, Phase
from pb.errors import NotFoundError, ValidationFailed
from pb.voting.services.common import vote_window

KEY_PREFIX = "pbst_"


def printable(text: str | None) -> str:
    """Text without control characters (PostgreSQL refuses NUL; no one types the others)."""
    return "".join(ch for ch in (text or "") if ch.isprintable())


# -- reading -------------------------------------------------------------------------------------

def stations_of(session: Session, edition: Edition) -> list[PollingStation]:
    return list(session.scalars(sa.select(PollingStation).where(PollingStation.edition_id == edition.id)
                                .order_by(PollingStation.name)))


def get_station(session: Session, edition: Edition | None, station_id: int | str) -> PollingStation:
    try:
        station = session.get(PollingStation, int(station_id))
    except (TypeError, ValueError):
        station = None
    if station is None or (edition is not None and station.edition_id != edition.id):
        raise NotFoundError(_l("No polling station %(ref)s in this edition."), ref=station_id)
    return station


def windows(station: PollingStation) -> list[tuple[dt.datetime, dt.datetime]]:
    """The station's openings; none set: the vote window (when there is one)."""
    if station.windows:
        return [(w.starts_at, w.ends_at) for w in station.windows]
    start, end = vote_window(station.edition)
    return [(start, end)] if start is not None and end is not None else []


def closes_at(station: PollingStation) -> dt.datetime | None:
    """When the station closes (or closed): early by an officer, else the end of its last window."""
    if station.closed_at is not None:
        return station.closed_at
    spans = windows(station)
    return max(end for _s, end in spans) if spans else None


def is_closed(station: PollingStation, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    edition = station.edition
    if station.closed_at is not None or edition.phase.rank > Phase.VOTE.rank:
        return True
    end = closes_at(station)
    return end is not None and now >= end and edition.phase == Phase.VOTE


def is_open(station: PollingStation, now: dt.datetime | None = None) -> bool:
    now = now or utcnow()
    edition = station.edition
    if edition.phase != Phase.VOTE or not edition.paper_voting or is_closed(station, now):
        return False
    spans = windows(station)
    if not spans:  # a vote without a published window: open while the phase is the vote
        return True
    return any(start <= now < end for start, end in spans)


def state(station: PollingStation, now: dt.datetime | None = None) -> str:
    """open | closed | not_open (before, between its windows, or the vote not open)."""
    if is_closed(station, now):
        return "closed"
    return "open" if is_open(station, now) else "not_open"


def officer_stations(session: Session, user: Any) -> list[PollingStation]:
    return list(session.scalars(sa.select(PollingStation).join(StationOfficer).where(
        StationOfficer.user_id == user.id).order_by(PollingStation.edition_id.desc(), PollingStation.name)))


# -- stations ------------------------------------------------------------------------------------

def _district(session: Session, edition: Edition, code: str | None) -> District | None:
    if not code:
        return None
    code = code.strip().lower()
    for d in edition.districts:
        if d.code.lower() == code or str(d.id) == code:
            if d.is_citywide:
                return None  # the city-wide scope: a station for the whole city
            return d
    raise ValidationFailed(_l("No district “%(code)s” in this edition."), field="district", code=code)


def _check_window(opens: dt.datetime | None, closes: dt.datetime | None) -> list[tuple[dt.datetime, dt.datetime]]:
    if opens is None and closes is None:
        return []
    if opens is None or closes is None:
        raise ValidationFailed(_l("Give both the opening and the closing time (or neither: the vote window)."),
                               field="opens")
    for value in (opens, closes):
        if value.tzinfo is None:
            raise ValidationFailed(_l("Times must carry their time zone."), field="opens")
    if closes <= opens:
        raise ValidationFailed(_l("The station must close after it opens."), field="closes")
    return [(opens, closes)]


def create_station(session: Session, actor: Any, edition: Edition, *, name: str, address: str = "",
                   district: str | None = None, opens: dt.datetime | None = None, closes: dt.datetime | None = None,
                   offline: bool = False) -> PollingStation:
    require(actor, "ballotbox.manage", edition)
    name, address = printable(name).strip(), printable(address)
    if not name or len(name) > 120:
        raise ValidationFailed(_l("Give the station a name (120 characters at most)."), field="name")
    if len(address) > 255:
        raise ValidationFailed(_l("The address is too long (255 characters at most)."), field="address")
    if session.scalar(sa.select(PollingStation.id).where(PollingStation.edition_id == edition.id,
                                                         PollingStation.name == name)):
        raise ValidationFailed(_l("This edition already has a station named “%(name)s”."), field="name", name=name)
    spans = _check_window(opens, closes)
    d = _district(session, edition, district)
    station = PollingStation(edition=edition, edition_id=edition.id, name=name, address=address.strip(),
                             district_id=d.id if d else None, offline=offline)
    station.windows = [StationWindow(starts_at=s, ends_at=e) for s, e in spans]
    session.add(station)
    session.flush()
    audit.record(session, actor, "station.create", station,
                 after={"name": name, "district": d.code if d else None, "offline": offline,
                        "windows": [[s.isoformat(), e.isoformat()] for s, e in spans]})
    return station


def set_windows(session: Session, actor: Any, station: PollingStation,
                spans: Iterable[tuple[dt.datetime, dt.datetime]]) -> None:
    """Replace the station's openings (days and hours); an empty list: the vote window."""
    require(actor, "ballotbox.manage", station)
    checked = [w for s, e in spans for w in _check_window(s, e)]
    station.windows = [StationWindow(starts_at=s, ends_at=e) for s, e in sorted(checked)]
    session.flush()
    audit.record(session, actor, "station.windows", station,
                 after={"windows": [[s.isoformat(), e.isoformat()] for s, e in sorted(checked)]})


def close_station(session: Session, actor: Any, station: PollingStation, now: dt.datetime | None = None) -> None:
    """Close a station before the end of its window (an officer of it, or an administrator).
    Closing a closed station changes nothing."""
    require(actor, "ballotbox.close", station, error=errors.NotYourStation)
    now = now or utcnow()
    if is_closed(station, now):
        return
    station.closed_at = now
    session.flush()
    audit.record(session, actor, "station.close", station)


# -- officers ------------------------------------------------------------------------------------

def find_user(session: Session, email: str) -> User:
    from pb.accounts.services import find_user as lookup

    user = lookup(session, email)
    if user is None:
        raise NotFoundError(_l("No account with the e-mail address %(email)s."), email=email)
    return user


def grant_officer(session: Session, actor: Any, station: PollingStation, user: User) -> StationOfficer:
    require(actor, "ballotbox.manage", station)
    for existing in station.officers:
        if existing.user_id == user.id:
            return existing
    officer = StationOfficer(station_id=station.id, user_id=user.id, user=user, granted_by_id=getattr(actor, "id", None))
    station.officers.append(officer)
    session.flush()
    audit.record(session, actor, "station.officer_grant", station, after={"user": user.email})
    return officer


def create_officer_account(session: Session, actor: Any, station: PollingStation, email: str, password: str,
                           name: str = "") -> User:
    """A new account for an officer (the command line's --create), confirmed."""
    from pb.accounts.services import check_password_strength, hash_password, normalise_email
    from pb.accounts.services import find_user as lookup

    require(actor, "ballotbox.manage", station)
    email = normalise_email(email)
    if lookup(session, email) is not None:
        from pb.accounts.services import EmailTaken

        raise EmailTaken()
    check_password_strength(password, email)
    user = User(email=email, display_name=name or email.split("@")[0], password_hash=hash_password(password),
                email_confirmed_at=utcnow())
    session.add(user)
    session.flush()
    audit.record(session, actor, "account.create", user, edition_id=station.edition_id, after={"for": "polling officer"})
    return user


def revoke_officer(session: Session, actor: Any, station: PollingStation, user_id: int) -> None:
    """Remove an officer; their keys for this station stop working."""
    require(actor, "ballotbox.manage", station)
    for officer in list(station.officers):
        if officer.user_id == user_id:
            station.officers.remove(officer)
            session.execute(sa.update(StationKey).where(
                StationKey.station_id == station.id, StationKey.officer_id == user_id,
                StationKey.revoked_at.is_(None)).values(revoked_at=utcnow()))
            session.flush()
            audit.record(session, actor, "station.officer_revoke", station, before={"user_id": user_id})


# -- keys ----------------------------------------------------------------------------------------

def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.strip().encode()).hexdigest()


def create_key(session: Session, actor: Any, station: PollingStation, officer: User, label: str = "") -> tuple[StationKey, str]:
    """A bearer key for `officer` at `station`: returned once, stored only as its hash. An
    officer creates their own; an administrator creates one for any officer of the station."""
    own = getattr(actor, "id", None) == officer.id
    require(actor, "ballotbox.desk" if own else "ballotbox.manage", station, error=errors.NotYourStation)
    if not station.has_officer(officer.id):
        raise ValidationFailed(_l("%(email)s is not an officer of this station."), field="officer", email=officer.email)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = StationKey(station_id=station.id, officer_id=officer.id, officer=officer, key_hash=key_hash(raw),
                     label=printable(label).strip()[:80])
    session.add(key)
    session.flush()
    audit.record(session, actor, "station.key_create", station, after={"key": key.id, "officer": officer.email})
    return key, raw


def revoke_key(session: Session, actor: Any, station: PollingStation, key_id: int) -> None:
    key = session.get(StationKey, key_id)
    if key is None or key.station_id != station.id:
        raise NotFoundError()
    if getattr(actor, "id", None) != key.officer_id:  # an officer revokes their own key; others manage
        require(actor, "ballotbox.manage", station, error=errors.NotYourStation)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        audit.record(session, actor, "station.key_revoke", station, after={"key": key.id})


def keys_of(session: Session, station: PollingStation, officer: User | None = None) -> list[StationKey]:
    stmt = sa.select(StationKey).where(StationKey.station_id == station.id)
    if officer is not None:
        stmt = stmt.where(StationKey.officer_id == officer.id)
    return list(session.scalars(stmt.order_by(StationKey.id)))


def authenticate_key(session: Session, station_id: int | str, raw: str, now: dt.datetime | None = None) -> tuple[PollingStation, User]:
    """The station and the officer a bearer key stands for; BadStationKey for an unknown or
    revoked key, a key of another station, or an officer no longer of this station."""
    if not raw or len(raw) > 200:
        raise errors.BadStationKey()
    key = session.scalar(sa.select(StationKey).where(StationKey.key_hash == key_hash(raw)))
    if key is None or key.revoked_at is not None:
        raise errors.BadStationKey()
    if str(key.station_id) != str(station_id):
        raise errors.NotYourStation()
    station = session.get(PollingStation, key.station_id)
    if station is None or not station.has_officer(key.officer_id):
        raise errors.BadStationKey()
    key.last_used_at = now or utcnow()
    return station, key.officer


def check_desk(actor: Any, station: PollingStation) -> None:
    """The actor is an officer of this station (the command line acts as the system)."""
    require(actor, "ballotbox.desk", station, error=errors.NotYourStation)


@copy_hook
def copy_stations(session: Session, actor: Any, source: Edition, edition: Edition, districts: dict[int, int]) -> dict[str, int]:
    """Last year's polling stations, with their names, addresses, districts and offline desks; not
    their opening hours (the new vote's window applies), officers nor keys (people change)."""
    stations = list(session.scalars(sa.select(PollingStation).where(PollingStation.edition_id == source.id)
                                    .order_by(PollingStation.id)))
    session.flush()
    session.expire(edition, ["districts"])  # the districts the copy has just created
    for station in stations:
        create_station(session, actor, edition, name=station.name, address=station.address,
                       district=station.district.code if station.district else None, offline=station.offline)
    return {"stations": len(stations)}
