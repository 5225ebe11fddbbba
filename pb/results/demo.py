"""Demo: an edition reaching the results phase is counted and its results published."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pb.authz import SYSTEM
from pb.editions.models import Edition, Phase
from pb.results.services import publish_run, run_tally


def run(session: Session, ctx: object, edition: Edition, phase: Phase) -> None:
    if phase is Phase.RESULTS:
        publish_run(session, SYSTEM, run_tally(session, SYSTEM, edition))
