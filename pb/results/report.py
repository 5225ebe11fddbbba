"""What the results pages show: per district, every project on the ballot with its votes, cost
and funding, the envelope used, the channels, the rule and the tie-break in words, the rule's
own account of its decisions, and the geometry of a bar chart drawn by the server as SVG."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pb.editions.models import BallotType, Edition
from pb.projects.models import Project
from pb.projects.services import ballot_projects
from pb.results.models import DistrictResult, TallyRun
from pb.tally import RULES, tie_breaks


@dataclass(frozen=True)
class Row:
    project: Project
    score: int
    funded: bool
    order: int | None  # 1 for the first project funded


@dataclass(frozen=True)
class Bar:
    lines: list[str]  # the project's full name, wrapped (never cut)
    value: int
    funded: bool
    y: int  # top of the label
    bar_y: int
    width: float


@dataclass
class DistrictReport:
    result: DistrictResult
    rows: list[Row]
    explanation: list[str]
    bars: list[Bar] = field(default_factory=list)
    chart_height: int = 0

    @property
    def used(self) -> float:
        return self.result.spent_cents / self.result.budget_cents if self.result.budget_cents else 0.0


# The chart is drawn for a phone first: 400 units wide, each project's name on its own lines
# above its bar, so that no name is cut and the text stays readable at 390 px.
CHART_WIDTH, BAR_HEIGHT, LINE_HEIGHT, GAP, LABEL_CHARS, VALUE_ROOM = 400, 18, 15, 10, 52, 130


def district_reports(session: Session, edition: Edition, tally: TallyRun, lang: str) -> list[DistrictReport]:
    projects: dict[int, Project] = {p.id: p for p in ballot_projects(session, edition.id)}
    reports = []
    for result in tally.districts:
        order = {pid: i + 1 for i, pid in enumerate(result.selected)}
        rows = [Row(projects[int(pid)], score, int(pid) in order, order.get(int(pid)))
                for pid, score in result.scores.items() if int(pid) in projects]
        rows.sort(key=lambda r: (-r.score, r.order or 10**9, r.project.number))
        report = DistrictReport(result, rows, list(result.explanation.get(lang) or result.explanation.get("fr") or []))
        _chart(report)
        reports.append(report)
    return reports


def _chart(report: DistrictReport) -> None:
    top = max((r.score for r in report.rows), default=0) or 1
    span = CHART_WIDTH - VALUE_ROOM
    y = 0
    for row in report.rows:
        lines = textwrap.wrap(f"{row.project.reference} · {row.project.title}", LABEL_CHARS) or [""]
        bar_y = y + len(lines) * LINE_HEIGHT + 2
        report.bars.append(Bar(lines=lines, value=row.score, funded=row.funded, y=y, bar_y=bar_y,
                               width=max(1.0, round(span * row.score / top, 1))))
        y = bar_y + BAR_HEIGHT + GAP
    report.chart_height = max(y, 1)


@dataclass(frozen=True)
class Summary:
    """What a city shows first: projects funded, the money, who voted."""

    funded: int
    on_ballot: int
    funded_cents: int
    envelope_cents: int
    voters: int
    ballots: int
    population: int
    scopes: int  # ballots a voter can cast: one for their district, one more when a city-wide scope exists

    @property
    def turnout(self) -> float | None:
        return self.voters / self.population if self.population else None


def summary(session: Session, edition: Edition, tally: TallyRun, reports: list[DistrictReport]) -> Summary:
    from pb.voting.services import count_voters

    return Summary(funded=sum(len(r.result.selected) for r in reports), on_ballot=sum(len(r.rows) for r in reports),
                   funded_cents=sum(r.result.spent_cents for r in reports),
                   envelope_cents=sum(r.result.budget_cents for r in reports), voters=count_voters(session, edition),
                   ballots=tally.ballots, population=edition.population,
                   scopes=2 if any(d.is_citywide for d in edition.districts) else 1)


def run_numbers(session: Session, edition: Edition) -> dict[int, int]:
    """Each count's number within its edition: the first count of an edition is n° 1."""
    ids = session.scalars(sa.select(TallyRun.id).where(TallyRun.edition_id == edition.id).order_by(TallyRun.id))
    return {run_id: n for n, run_id in enumerate(ids, start=1)}


def rule_words(edition: Edition, tally: TallyRun, lang: str) -> dict[str, str]:
    rule = RULES[tally.rule].describe(lang) if tally.rule in RULES else tally.rule
    tie = tie_breaks.get(tally.tie_break, tally.tie_break_seed or None).describe(lang)
    return {"rule": rule, "tie_break": tie}


def score_label(edition: Edition) -> str:
    from flask_babel import gettext as _

    if edition.ballot_type is BallotType.CUMULATIVE:
        return _("Points")
    if edition.ballot_type is BallotType.MAJORITY_JUDGMENT:
        return _("Sum of grades")
    return _("Votes")


def as_json(edition: Edition, tally: TallyRun, reports: list[DistrictReport],
            board_head: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "board_head": board_head,
        "edition": {"id": edition.id, "slug": edition.slug, "name": edition.name},
        "rule": tally.rule, "tie_break": tally.tie_break, "tie_break_seed": tally.tie_break_seed,
        "inputs_hash": tally.inputs_hash, "published_at": tally.published_at.isoformat() if tally.published_at else None,
        "ballots": tally.ballots, "currency": "EUR", "amounts": "cents",
        "districts": [{
            "id": r.result.district.id, "code": r.result.district.code, "name": r.result.district.name,
            "envelope": r.result.budget_cents, "spent": r.result.spent_cents,
            "ballots": r.result.ballots, "channels": r.result.channels,
            "projects": [{"id": row.project.id, "reference": row.project.public_id, "title": row.project.title,
                          "cost": row.project.cost_cents, "votes": row.score, "selected": row.funded,
                          "funding_order": row.order} for row in r.rows],
        } for r in reports],
    }
