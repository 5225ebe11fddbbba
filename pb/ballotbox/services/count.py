"""What the paper ballot boxes give the count (read by pb.voting.services.sealed_ballots and
pb.results.services.collect, after the close only):

- the keyed ballots of the signed-off reports, as anonymous ballots of channel paper;
- for the reports given as totals per project (allowed only for the greedy rules, which read
  nothing but the votes per project), ballots that carry exactly those totals: in each scope,
  as many ballots as the most-voted project's votes, project p on the first n_p of them. The
  greedy outcome depends only on the votes per project, so it is the same; these ballots are
  not real ones, so the Pabulib export leaves them out."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.ballotbox.models import PaperBallot, PollingStation, StationReport
from pb.projects.services import project_costs
from pb.voting.models import Channel


def keyed_ballots(session: Session, edition_id: int) -> Iterator[tuple[int, Channel, dict[int, int]]]:
    stmt = sa.select(PaperBallot.district_id, PaperBallot.choices).where(
        PaperBallot.edition_id == edition_id).order_by(PaperBallot.id)
    for district_id, choices in session.execute(stmt.execution_options(yield_per=2000)):
        yield district_id, Channel.PAPER, {int(k): int(v) for k, v in choices.items()}


def totals_ballots(session: Session, edition_id: int) -> dict[int, list[dict[int, int]]]:
    """{district id: ballots standing for the per-project totals of the signed-off reports}."""
    reports = session.scalars(sa.select(StationReport).join(PollingStation, PollingStation.id == StationReport.station_id)
                              .where(PollingStation.edition_id == edition_id, StationReport.keyed == 0)).all()
    if not reports:
        return {}
    districts = {pid: did for pid, (did, _cost) in project_costs(session, edition_id).items()}
    out: dict[int, list[dict[int, int]]] = defaultdict(list)
    for report in reports:
        by_scope: dict[int, dict[int, int]] = defaultdict(dict)
        for pid, votes in report.totals.items():
            if int(votes) > 0 and int(pid) in districts:
                by_scope[districts[int(pid)]][int(pid)] = int(votes)
        for district_id, totals in by_scope.items():
            for i in range(max(totals.values())):
                out[district_id].append({pid: 1 for pid, n in totals.items() if i < n})
    return dict(out)
