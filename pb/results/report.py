"""What the results pages show: per district, every project on the ballot with its votes, cost
and funding, the envelope used, the channels, the rule and the tie-break in words, the rule's
own account of its decisions, and the geometry of a bar chart drawn by the server as SVG."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    label: str
    value: int
    funded: bool
    y: int
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


CHART_WIDTH, BAR_HEIGHT, BAR_GAP, LABEL_WIDTH = 640, 22, 6, 260


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
    span = CHART_WIDTH - LABEL_WIDTH - 60
    for i, row in enumerate(report.rows):
        report.bars.append(Bar(label=f"{row.project.reference} {row.project.title}"[:38], value=row.score,
                               funded=row.funded, y=i * (BAR_HEIGHT + BAR_GAP),
                               width=round(span * row.score / top, 1)))
    report.chart_height = max(1, len(report.rows)) * (BAR_HEIGHT + BAR_GAP)


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
