"""Demo: polling stations for each edition that reaches the vote. `bureau@` is an officer of
the town hall's station (two more officers, `assesseur1@` and `assesseur2@`, key the reports
twice). A few voters sign in at the desks; once the vote is over, each station's report is
keyed twice and signed off — the neighbourhood station with one envelope more than its
sign-ins, the offline market stand's list with a person who had voted online — so that the
reconciliation page and the paper column of the results show something real."""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.accounts.models import User
from pb.accounts.services import hash_password
from pb.authz import SYSTEM
from pb.ballotbox.models import PollingStation, SigninCollision
from pb.ballotbox.services import reports, signin
from pb.ballotbox.services import stations as svc
from pb.db import utcnow
from pb.editions.models import Edition, Phase
from pb.voting.models import Participation, Voter

OFFICERS = [("assesseur1@grenoble.example", "Inès Assesseure"), ("assesseur2@grenoble.example", "Jules Assesseur")]
STATIONS = [  # name, address, sector index (None: city-wide), offline
    ("Hôtel de ville", "11 boulevard Jean Pain", None, False),
    ("Maison des habitants Berriat", "59 rue Ampère", 0, False),
    ("Marché de l'Estacade (hors ligne)", "Quai de France", 1, True),
]
DESK_SIGNINS = 6  # per connected station


def _officers(session: Session, ctx: Any) -> list[User]:
    people = [ctx.users["bureau"]]
    for email, name in OFFICERS:
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, password_hash=hash_password(ctx.password), locale="fr",
                        email_confirmed_at=utcnow())
            session.add(user)
            session.flush()
        people.append(user)
    return people


def _not_voted(session: Session, edition: Edition, district_id: int | None, n: int) -> list[Voter]:
    voted = sa.select(Participation.voter_key).where(Participation.edition_id == edition.id)
    stmt = sa.select(Voter).where(Voter.edition_id == edition.id, Voter.voter_key.not_in(voted)).order_by(Voter.id.desc())
    if district_id is not None:
        stmt = stmt.where(Voter.district_id == district_id)
    return list(session.scalars(stmt.limit(n)))


def _open_stations(session: Session, ctx: Any, edition: Edition) -> None:
    officers = _officers(session, ctx)
    sectors = [d for d in edition.districts if not d.is_citywide]
    window = edition.window(Phase.VOTE)
    past = window is not None and window.ends_at < utcnow()
    day = (window.starts_at + dt.timedelta(days=3)).replace(hour=7, minute=0) if past and window else None
    for name, address, index, offline in STATIONS:
        station = svc.create_station(session, SYSTEM, edition, name=name, address=address,
                                     district=sectors[index].code if index is not None else None, offline=offline,
                                     opens=day, closes=day + dt.timedelta(hours=11) if day else None)
        for officer in (officers if index is None else officers[1:]):
            svc.grant_officer(session, SYSTEM, station, officer)
        if offline:
            continue
        at = (day + dt.timedelta(hours=2)) if day else utcnow()
        for i, v in enumerate(_not_voted(session, edition, station.district_id, DESK_SIGNINS)):
            signin.sign_in(session, SYSTEM, station, voter_ref=v.ref, now=at + dt.timedelta(minutes=7 * i))
    if not past:
        ctx.notes.append(f"Polling stations of “{edition.name}”: log in as bureau@grenoble.example and open /desk/ "
                         "to sign voters in (look them up by the reference on their letter).")


def _ballot(rng: random.Random, costs: dict[int, tuple[int, int]], district_ids: set[int], edition: Edition) -> dict[str, Any]:
    mine = [pid for pid, (did, _c) in costs.items() if did in district_ids]
    count = rng.randint(1, min(len(mine), edition.max_choices or 3, 3))
    return {"choices": rng.sample(mine, count)}


def _close_and_report(session: Session, edition: Edition) -> None:
    rng = random.Random(f"ballotbox-{edition.year}")
    costs = reports.station_projects
    officers = [session.scalar(sa.select(User).where(User.email == email)) for email, _n in OFFICERS]
    citywide = {d.id for d in edition.districts if d.is_citywide}
    sectors = [d for d in edition.districts if not d.is_citywide]
    for station in session.scalars(sa.select(PollingStation).where(PollingStation.edition_id == edition.id)
                                   .order_by(PollingStation.id)):
        if station.offline:
            _upload(session, edition, station, officers[0])
        # Everyone on the list put an envelope in the box (the offline collision too); the
        # neighbourhood station has one envelope more than its sign-ins; one ballot is blank.
        people = signin.signins_of(session, station) + session.scalar(
            sa.select(sa.func.count()).select_from(SigninCollision).where(SigninCollision.station_id == station.id))
        envelopes = people + (1 if station.district_id is not None and not station.offline else 0)
        projects = costs(session, station)
        home = {station.district_id} if station.district_id else {rng.choice(sectors).id}
        ballots = [_ballot(rng, projects, home | citywide, edition) for _ in range(max(envelopes - 1, 0))]
        body = {"envelopes": envelopes, "blank": envelopes - len(ballots), "spoilt": 0, "ballots": ballots}
        reports.submit_entry(session, officers[0], station, "first", body)
        reports.submit_entry(session, officers[1], station, "second", body)
        reports.sign_off(session, officers[1], station)


def _upload(session: Session, edition: Edition, station: PollingStation, officer: User) -> None:
    """The market stand's paper list: four people, one of whom had voted online."""
    online = session.scalar(sa.select(Voter).join(Participation, Participation.voter_key == Voter.voter_key).where(
        Voter.edition_id == edition.id, Participation.channel == "online", Voter.district_id == station.district_id)
        .limit(1))
    fresh = _not_voted(session, edition, station.district_id, 3)
    window = station.windows[0] if station.windows else None
    start = window.starts_at if window else utcnow()
    lines = ["voter_ref;time"] + [
        f"{v.ref};{(start + dt.timedelta(hours=1, minutes=20 * i)).strftime('%d/%m/%Y %H:%M')}"
        for i, v in enumerate(([online] if online else []) + fresh)]
    signin.upload_signins(session, officer, station, io.StringIO("\n".join(lines) + "\n"))


def run(session: Session, ctx: Any, edition: Edition, phase: Phase) -> None:
    if not edition.paper_voting:
        return
    if phase is Phase.VOTE:
        _open_stations(session, ctx, edition)
    elif phase is Phase.RESULTS:
        _close_and_report(session, edition)

