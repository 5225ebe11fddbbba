"""The count, its record, and its publication.

`run_tally` reads the sealed ballots (refused before the vote is closed), builds one election per
district envelope (the tally core's plain data: projects with their final costs in euros, the
ballots, the envelope), runs the edition's rule and tie-break, and records the run with a hash of
every input. Counting again makes another run; the record shows them all. `publish_run` makes one
run the result: its funded projects become winners, the other projects on the ballot "not
selected" (their holders are told), and the results pages and open data open."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.editions.models import BallotType, District, Edition
from pb.errors import PbError
from pb.projects.models import Project, ProjectStatus
from pb.projects.services import ballot_projects, set_status
from pb.results.models import DistrictResult, TallyRun
from pb.tally import Election, Outcome, run
from pb.tally import Project as TallyProject
from pb.voting.models import Channel
from pb.voting.services import sealed_ballots
from pb.voting.services.results import require_closed


class AlreadyPublished(PbError):
    code = "results_already_published"
    status = 409
    message = _l("The results of this edition are already published: they are final.")


class NotPublished(PbError):
    code = "results_not_published"
    status = 404
    message = _l("The count is under way: the results are not published yet.")


# Pabulib's names for the channels (its `voting_method` voter field).
PABULIB_CHANNEL = {Channel.ONLINE: "internet", Channel.PAPER: "paper"}


def euros(cents: int) -> int | Fraction:
    """Money for the tally core: euros, exact (add1 completions step one currency unit)."""
    value = Fraction(cents, 100)
    return int(value) if value.denominator == 1 else value


def vote_type(edition: Edition) -> str:
    """The Pabulib vote type of the edition's ballots (majority-judgment grades are scores)."""
    if edition.ballot_type == BallotType.APPROVAL and edition.max_choices == 1:
        return "choose-1"
    return {BallotType.CUMULATIVE: "cumulative", BallotType.MAJORITY_JUDGMENT: "scoring"}.get(
        edition.ballot_type, "approval")


def rule_options(edition: Edition) -> dict[str, Any]:
    if edition.aggregation_rule == "greedy-threshold":
        return {"threshold": edition.min_project_score}
    if edition.aggregation_rule == "mj":
        return {"grades": edition.grade_count, "default_grade": 0}
    return {}


@dataclass
class DistrictBallots:
    """The ballots of one scope as the count reads them."""

    district: District
    projects: list[Project]
    choices: list[dict[int, int]]
    channels: list[Channel]
    # The last `summarised` ballots stand for paper reports given as totals per project
    # (pb.ballotbox.services.count): counted, never exported as ballots.
    summarised: int = 0
    # Left out of the count by the edition's rule (no vote, or rejected by the majority), with
    # the score the results page shows for them.
    unsupported: dict[int, int] = field(default_factory=dict)
    left_out: list[Project] = field(default_factory=list)


def collect(session: Session, edition: Edition) -> list[DistrictBallots]:
    """Every district's projects and sealed ballots (refused before the close). Unless the
    edition funds them, projects nobody supported are left out of what the rule counts (and of
    the open data it is recounted from), so that no envelope money goes to them."""
    scopes = {d.id: DistrictBallots(d, [], [], []) for d in edition.districts}
    for project in ballot_projects(session, edition.id):
        scopes[project.district_id].projects.append(project)
    for ballot in sealed_ballots(session, edition):
        scope = scopes[ballot.district_id]
        scope.choices.append({int(k): v for k, v in ballot.choices.items()})
        scope.channels.append(ballot.channel)
    from pb.ballotbox.services.count import totals_ballots

    for district_id, ballots in totals_ballots(session, edition.id).items():
        scopes[district_id].choices.extend(ballots)
        scopes[district_id].channels.extend([Channel.PAPER] * len(ballots))
        scopes[district_id].summarised += len(ballots)
    if not edition.fund_unsupported:
        for scope in scopes.values():
            _leave_out_unsupported(edition, scope)
    return list(scopes.values())


def _leave_out_unsupported(edition: Edition, scope: DistrictBallots) -> None:
    """Approval, budget and points ballots: no vote, no point. Majority judgment: a majority
    grade that is the lowest one ("À rejeter"), grades left blank counting as the lowest."""
    totals = {p.id: 0 for p in scope.projects}
    grades: dict[int, list[int]] = {p.id: [] for p in scope.projects}
    for choice in scope.choices:
        for pid, value in choice.items():
            if pid in totals:
                totals[pid] += value
                grades[pid].append(value)
    if edition.ballot_type == BallotType.MAJORITY_JUDGMENT:
        n = len(scope.choices)
        majority = {pid: sorted(g + [0] * (n - len(g)))[(n - 1) // 2] if n else 0 for pid, g in grades.items()}
        out = {pid for pid, grade in majority.items() if grade <= 0}
    else:
        out = {pid for pid, total in totals.items() if total <= 0}
    scope.unsupported = {pid: totals[pid] for pid in out}
    scope.left_out = [p for p in scope.projects if p.id in out]
    scope.projects = [p for p in scope.projects if p.id not in out]
    scope.choices = [{pid: v for pid, v in c.items() if pid not in out} for c in scope.choices]


def election_of(edition: Edition, scope: DistrictBallots, meta: dict[str, str] | None = None, *,
                counted: bool = False) -> Election:
    """The tally core's election for one district: projects by their public identifier. With
    `counted`, the ballots standing for paper totals too (the count); without, real ballots only
    (exports)."""
    if not counted and scope.summarised:
        keep = len(scope.choices) - scope.summarised
        scope = DistrictBallots(scope.district, scope.projects, scope.choices[:keep], scope.channels[:keep])
    ids = {p.id: p.public_id for p in scope.projects}
    projects = [TallyProject(p.public_id, euros(p.cost_cents), p.title, None, _project_fields(p)) for p in scope.projects]
    kind = vote_type(edition)
    if kind in ("approval", "choose-1"):
        ballots: list[Any] = [[ids[pid] for pid in sorted(c)] for c in scope.choices]
    else:
        ballots = [{ids[pid]: value for pid, value in sorted(c.items())} for c in scope.choices]
    return Election.build(projects, ballots, euros(scope.district.envelope_cents), kind, meta or {},
                          voter_fields={"voting_method": [PABULIB_CHANNEL[c] for c in scope.channels]})


def _project_fields(project: Project) -> dict[str, str | None]:
    fields: dict[str, str | None] = {"category": project.theme or None}
    if project.latitude is not None and project.longitude is not None:
        fields.update(latitude=str(project.latitude), longitude=str(project.longitude))
    return fields


def tally_scope(edition: Edition, scope: DistrictBallots) -> tuple[Election, Outcome]:
    election = election_of(edition, scope, counted=True)
    outcome = run(election, edition.aggregation_rule, edition.tie_break, seed=edition.tie_break_seed or None,
                  **rule_options(edition))
    return election, outcome


def inputs_hash(edition: Edition, scopes: Iterable[DistrictBallots]) -> str:
    """SHA-256 of everything the count reads, in a canonical order: recounting the same inputs
    gives the same hash, and any change (a cost, a ballot, a rule) gives another."""
    payload = {
        "rule": edition.aggregation_rule, "tie_break": edition.tie_break, "seed": edition.tie_break_seed,
        "options": rule_options(edition), "ballot_type": str(edition.ballot_type),
        **({"fund_unsupported": True} if edition.fund_unsupported else {}),
        "scopes": [{
            "district": s.district.code, "envelope_cents": s.district.envelope_cents,
            "projects": sorted([p.public_id, p.cost_cents] for p in s.projects),
            "ballots": sorted(sorted([str(k), v] for k, v in c.items()) for c in s.choices),
            "channels": sorted(c.value for c in s.channels),
        } for s in scopes],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def run_tally(session: Session, actor: Any, edition: Edition) -> TallyRun:
    require(actor, "results.manage", edition)
    require_closed(edition)
    scopes = collect(session, edition)
    tally = TallyRun(edition_id=edition.id, rule=edition.aggregation_rule, tie_break=edition.tie_break,
                     tie_break_seed=edition.tie_break_seed, options=rule_options(edition),
                     inputs_hash=inputs_hash(edition, scopes), ran_by_id=getattr(actor, "id", None), ballots=0)
    for position, scope in enumerate(scopes):
        election, outcome = tally_scope(edition, scope)
        by_public = {p.public_id: p.id for p in scope.projects}
        scores = election.scores
        channels: dict[str, int] = defaultdict(int)
        for channel in scope.channels:
            channels[channel.value] += 1
        explanation = outcome.explanation
        tally.districts.append(DistrictResult(
            district_id=scope.district.id, position=position, budget_cents=scope.district.envelope_cents,
            spent_cents=int(Fraction(outcome.spent) * 100), ballots=len(scope.choices), channels=dict(channels),
            selected=[by_public[pid] for pid in outcome.selected],
            scores={**{str(by_public[p.id]): int(scores[i]) for i, p in enumerate(election.projects)},
                    **{str(pid): score for pid, score in scope.unsupported.items()}},
            details=_jsonable(outcome.to_dict().get("details", {})),
            explanation={lang: _left_out_words(scope, lang) + (explanation.describe(lang) if explanation is not None else [])
                         for lang in ("fr", "en")},
        ))
        tally.ballots += len(scope.choices)
    session.add(tally)
    session.flush()
    audit.record(session, actor, "results.run", edition, after={"run": tally.id, "rule": tally.rule,
                                                                "inputs_hash": tally.inputs_hash})
    return tally


def _left_out_words(scope: DistrictBallots, lang: str) -> list[str]:
    if not scope.left_out:
        return []
    refs = ", ".join(p.reference for p in scope.left_out)
    if lang == "fr":
        return [f"Projets que personne n’a soutenus, non financés (règle de l’édition) : {refs}."]
    return [f"Projects nobody supported, not funded (the edition's rule): {refs}."]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def publish_run(session: Session, actor: Any, tally: TallyRun) -> TallyRun:
    """Make `tally` the edition's result: final, once."""
    edition = tally.districts[0].district.edition if tally.districts else session.get(Edition, tally.edition_id)
    require(actor, "results.manage", edition)
    require_closed(edition)
    if published_run(session, edition) is not None:
        raise AlreadyPublished()
    tally.published_at = utcnow()
    tally.published_by_id = getattr(actor, "id", None)
    winners = {pid for result in tally.districts for pid in result.selected}
    for project in ballot_projects(session, edition.id):
        if project.status is ProjectStatus.ON_BALLOT:
            set_status(session, actor, project, ProjectStatus.WINNER if project.id in winners else ProjectStatus.NOT_SELECTED)
    session.flush()
    audit.record(session, actor, "results.publish", edition, after={"run": tally.id, "winners": sorted(winners)})
    return tally


def published_run(session: Session, edition: Edition) -> TallyRun | None:
    return session.scalar(sa.select(TallyRun).where(TallyRun.edition_id == edition.id,
                                                    TallyRun.published_at.is_not(None))
                          .options(selectinload(TallyRun.districts)))


def runs(session: Session, edition: Edition) -> list[TallyRun]:
    return list(session.scalars(sa.select(TallyRun).where(TallyRun.edition_id == edition.id)
                                .options(selectinload(TallyRun.districts)).order_by(TallyRun.id.desc())))


def public_results(session: Session, edition: Edition) -> TallyRun:
    """The published result, or a named refusal: sealed before the close, not yet published after."""
    require_closed(edition)
    tally = published_run(session, edition)
    if tally is None:
        raise NotPublished()
    return tally
