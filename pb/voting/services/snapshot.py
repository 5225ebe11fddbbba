"""What the ballot box needs to know about an edition, read once and kept a moment.

A vote needs the edition's rules, districts, envelopes, vote window and the projects' stored
costs. They do not change during a vote (rules and envelopes are frozen when it opens), so each
process keeps them for SNAPSHOT_SECONDS instead of reading four tables per ballot. The phase is
NOT taken from here: the vote transaction reads it fresh, after the close lock."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from pb.editions.models import District, Edition, Phase, PhaseWindow
from pb.projects.models import Project
from pb.projects.services import project_costs
from pb.voting import rules

SNAPSHOT_SECONDS = 2.0
_cache: dict[tuple[str, int], tuple[float, "BoxSnapshot"]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class BoxSnapshot:
    edition_id: int
    rules: rules.BallotRules
    districts: dict[int, rules.DistrictInfo]
    costs: dict[int, tuple[int, int]]
    vote_starts_at: dt.datetime | None
    vote_ends_at: dt.datetime | None
    birth_cutoff: dt.date
    vote_date: dt.date
    min_voter_age: int


def _load(session: Session, edition_id: int) -> BoxSnapshot:
    edition = session.get(Edition, edition_id)
    assert edition is not None
    districts = {d.id: rules.DistrictInfo(d.id, d.name, d.envelope_cents, d.is_citywide)
                 for d in session.scalars(sa.select(District).where(District.edition_id == edition_id))}
    window = session.execute(sa.select(PhaseWindow.starts_at, PhaseWindow.ends_at).where(
        PhaseWindow.edition_id == edition_id, PhaseWindow.phase == Phase.VOTE)).first()
    from pb.voting.services.common import birth_cutoff, vote_date

    return BoxSnapshot(edition_id, rules.BallotRules.of(edition), districts, project_costs(session, edition_id),
                       window[0] if window else None, window[1] if window else None, birth_cutoff(edition),
                       vote_date(edition), edition.min_voter_age)


def snapshot(session: Session, edition_id: int, *, fresh: bool = False) -> BoxSnapshot:
    key = (str(session.get_bind().url), edition_id)
    now = time.monotonic()
    if not fresh:
        with _lock:
            hit = _cache.get(key)
        if hit is not None and now - hit[0] < SNAPSHOT_SECONDS:
            return hit[1]
    value = _load(session, edition_id)
    with _lock:
        _cache[key] = (now, value)
    return value


def forget(edition_id: int | None = None) -> None:
    with _lock:
        for key in [k for k in _cache if edition_id is None or k[1] == edition_id]:
            del _cache[key]



@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """A change to an edition, its districts, calendar or projects made in this process is seen
    at once (other processes see it within SNAPSHOT_SECONDS)."""
    if not _cache:
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Edition, District, PhaseWindow, Project)):
            forget()
            return
