"""The dashboard's numbers: participation over the vote's days and hours, by district and
channel (sign-ins only, never a ballot's content), the funnel, delivery and the level."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb.barometer.export import indicator_values
from pb.barometer.queries import postgres
from pb.editions.models import Edition
from pb.tracking.services import DeliveryStats, delivery_stats
from pb.voting.models import Participation, Scope


@dataclass
class Dashboard:
    days: list[tuple[dt.date, int]]
    hours: list[tuple[int, int]]
    districts: list[tuple[str, int, int, float | None]]  # name, online, paper, rate of its population
    funnel: list[tuple[Any, int]]
    delivery: DeliveryStats
    values: dict[str, Any]

    @property
    def delivery_steps(self) -> list[tuple[Any, int]]:
        d = self.delivery
        return [(_l("In study"), d.in_study), (_l("In works"), d.in_works), (_l("Delivered"), d.delivered),
                (_l("Abandoned"), d.abandoned)]


def _hour_bucket(session: Session) -> Any:
    column = Participation.signed_at
    if postgres(session):
        return sa.func.date_trunc("hour", sa.func.timezone("UTC", column))
    return sa.func.strftime("%Y-%m-%d %H:00:00", column)


def _as_utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def timeline(session: Session, edition: Edition, zone: ZoneInfo) -> tuple[list[tuple[dt.date, int]], list[tuple[int, int]]]:
    """Voters signed in per local day (every day from the first to the last) and per hour of the day."""
    bucket = _hour_bucket(session)
    key = Participation.voter_key.collate("C") if postgres(session) else Participation.voter_key
    rows = session.execute(sa.select(bucket, sa.func.count(sa.distinct(key)))
                           .where(Participation.edition_id == edition.id).group_by(bucket)).all()
    days: Counter[dt.date] = Counter()
    hours: Counter[int] = Counter()
    for when, n in rows:
        local = _as_utc(when).astimezone(zone)
        days[local.date()] += n
        hours[local.hour] += n
    filled: list[tuple[dt.date, int]] = []
    if days:
        day, last = min(days), max(days)
        while day <= last:
            filled.append((day, days[day]))
            day += dt.timedelta(days=1)
    return filled, [(h, hours[h]) for h in range(24)]


def by_district(session: Session, edition: Edition) -> list[tuple[str, int, int, float | None]]:
    P = Participation
    counts = {(d, str(getattr(s, "value", s)), str(getattr(c, "value", c))): n for d, s, c, n in session.execute(
        sa.select(P.district_id, P.scope, P.channel, sa.func.count()).where(P.edition_id == edition.id)
        .group_by(P.district_id, P.scope, P.channel))}
    rows = []
    for d in edition.districts:
        scope = Scope.CITYWIDE.value if d.is_citywide else Scope.DISTRICT.value
        online, paper = counts.get((d.id, scope, "online"), 0), counts.get((d.id, scope, "paper"), 0)
        rows.append((d.name, online, paper, (online + paper) / d.population if d.population else None))
    return rows


FUNNEL = [("submitted", _l("Ideas submitted")), ("admissible", _l("Admissible ideas")), ("feasible", _l("Feasible ideas")),
          ("on_ballot", _l("Projects put to the vote")), ("funded", _l("Funded projects"))]


def build(session: Session, edition: Edition, zone: ZoneInfo) -> Dashboard:
    values = indicator_values(session, edition)
    days, hours = timeline(session, edition, zone)
    q4 = values["Q4"]
    funnel = [(label, q4[key]) for key, label in FUNNEL if q4[key] is not None]
    return Dashboard(days=days, hours=hours, districts=by_district(session, edition), funnel=funnel,
                     delivery=delivery_stats(session, edition), values=values)
