"""What the ballot box needs to know about an edition, read once and kept by each process.

A vote is checked against the edition's rules, districts, envelopes and the projects' stored
costs. Once the vote has opened these cannot change: the ballot is frozen (`Edition.is_frozen`;
the editions, review and ideas services refuse every change to the rules, envelopes, districts
and projects on the ballot from then on, and the phase never goes back). So a snapshot taken
from a frozen edition is kept by the process and stays right; a snapshot of an edition whose
vote has not opened is never kept (it serves only to refuse the vote), so no vote is ever
checked against costs that could still change.

What can still change during the vote is NOT read from here: the phase (the close) and the
vote window (the calendar) are read inside the vote's own transaction, after the close lock
(casting.py). The phase kept here only lets a vote that is certainly over be refused early:
once frozen, an edition's phase only moves forward.

Kept snapshots are reloaded after REFRESH_SECONDS, for the words they hold (names, slug), and
at once when this process changes an edition, a district, the calendar or a project."""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pb.editions.models import District, Edition, Phase, PhaseWindow
from pb.projects.models import Project
from pb.projects.services import project_costs
from pb.voting import rules
from pb.voting.models import BallotKey

REFRESH_SECONDS = 30.0
# engine -> {edition id or slug: (loaded at, snapshot)}; weak keys: a dropped engine (tests make
# many) takes its snapshots with it.
_cache: weakref.WeakKeyDictionary[Engine, dict[int | str, tuple[float, "BoxSnapshot"]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


@dataclass(frozen=True)
class BoxSnapshot:
    id: int  # the edition's id (a snapshot stands for its edition where only the id is read)
    slug: str
    name: str
    phase: Phase  # when loaded: exact if not frozen; once frozen, the phase is this one or a later one
    frozen: bool
    online_voting: bool
    vote_opened_at: dt.datetime | None
    min_voter_age: int
    rules: rules.BallotRules
    districts: dict[int, rules.DistrictInfo]
    costs: dict[int, tuple[int, int]]
    public_key: str | None  # the ballots are sealed to it (hex); created when the vote opens


def load(session: Session, edition: Edition) -> BoxSnapshot:
    """A snapshot of `edition` as `session` sees it (never kept)."""
    districts = {d.id: rules.DistrictInfo(d.id, d.name, d.envelope_cents, d.is_citywide)
                 for d in session.scalars(sa.select(District).where(District.edition_id == edition.id))}
    return BoxSnapshot(edition.id, edition.slug, edition.name, Phase(edition.phase), edition.is_frozen,
                       edition.online_voting, edition.vote_opened_at, edition.min_voter_age,
                       rules.BallotRules.of(edition), districts, project_costs(session, edition.id),
                       session.scalar(sa.select(BallotKey.public_key).where(BallotKey.edition_id == edition.id)))


def ballot_box(engine: Engine, ref: int | str) -> BoxSnapshot:
    """The snapshot of the edition `ref` (id, digits or slug), kept if the edition is frozen.
    Read with a session of its own: it never sees a caller's uncommitted changes. Raises
    NotFoundError for an unknown edition."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(engine, {}).get(ref)
    if hit is not None and now - hit[0] < REFRESH_SECONDS:
        return hit[1]
    from pb.editions.services import get_edition

    with Session(engine) as own:
        box = load(own, get_edition(own, ref))
    if box.frozen:
        with _lock:
            kept = _cache.setdefault(engine, {})
            # The keys get_edition would resolve to it (digits are always an id, never a slug).
            for key in (box.id, str(box.id)) + (() if box.slug.isdigit() else (box.slug,)):
                kept[key] = (now, box)
    return box


def forget(edition_id: int | None = None) -> None:
    with _lock:
        for kept in _cache.values():
            for key in [k for k, (_at, box) in kept.items() if edition_id is None or box.id == edition_id]:
                del kept[key]


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """A change to an edition, its districts, calendar or projects made in this process is seen
    at once (other processes see the words within REFRESH_SECONDS; the rules cannot change)."""
    if not any(_cache.values()):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Edition, District, PhaseWindow, Project, BallotKey)):
            forget()
            return
