"""A paper-voting world: the voting world (tests/voting/conftest.py) plus polling stations, their
officers and keys; helpers to call the station API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.ballotbox.services import stations as svc
from pb.voting.models import Participation, Voter

from ..voting.conftest import World, build_world, fresh_locale, post_ballot  # noqa: F401 - fixtures re-exported
from ..voting.conftest import _forget_snapshots  # noqa: F401


@dataclass
class Desk:
    station: Any
    officers: list[Any]
    keys: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.station.id

    def headers(self, i: int = 0) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[i]}", "Accept-Language": "en"}


def identity_of(i: int) -> dict[str, str]:
    """The identity of the register's line i (tests/voting/conftest.register_csv)."""
    return {"last_name": f"Habitant{i}", "first_name": f"Prénom{i}",
            "birth_date": (dt.date(1980, 1, 1) + dt.timedelta(days=i)).isoformat()}


def open_desk(session: Session, make: Any, world: World, *, district: int | None = 0, officers: int = 2,
              name: str | None = None, **kwargs: Any) -> Desk:
    """A station of `world` (in its district `district`, None: city-wide) with officers and a key each."""
    code = world.districts[district].code if district is not None else None
    station = svc.create_station(session, SYSTEM, world.edition, name=name or f"Bureau {code or 'ville'}",
                                 district=code, **kwargs)
    desk = Desk(station, [])
    for _ in range(officers):
        user = make.user()
        svc.grant_officer(session, SYSTEM, station, user)
        desk.officers.append(user)
        desk.keys.append(svc.create_key(session, SYSTEM, station, user)[1])
    session.commit()
    return desk


def voter(session: Session, world: World, i: int) -> Voter:
    """The register's line i (ids follow the import order)."""
    return session.scalars(sa.select(Voter).where(Voter.edition_id == world.edition.id).order_by(Voter.id)).all()[i]


def token_for(world: World, v: Voter) -> Any:
    return world.token_of(v.id)


def own_choices(world: World, v: Voter) -> list[int]:
    index = next(i for i, d in enumerate(world.districts) if d.id == v.district_id)
    return world.ids(index, 1)


def participations(session: Session, voter_key: str) -> list[Participation]:
    session.commit()
    return list(session.scalars(sa.select(Participation).where(Participation.voter_key == voter_key)))


@pytest.fixture
def paper(session: Session, make: Any) -> tuple[World, Desk]:
    world = build_world(session, make, voters=8)
    return world, open_desk(session, make, world)
