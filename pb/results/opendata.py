"""Open data: the anonymised ballots as Pabulib files, and the projects as CSV.

The Pabulib export holds, per district envelope, the projects with `votes`, `score` and
`selected`, and the ballots in the box's shuffled order, numbered 1, 2, 3... with their channel
(`voting_method`): no tracker, no voter key, nothing else. The canonical key order is the
tally core's writer's, which the official Pabulib checker accepts."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy.orm import Session

from pb.editions.models import BallotType, District, Edition, Phase
from pb.editions.services import get_territory
from pb.results.models import TallyRun
from pb.results.services import collect, election_of, published_run, runs
from pb.slugs import slugify
from pb.tally import Outcome, pabulib
from pb.voting.services.board import published_head


def pabulib_meta(session: Session, edition: Edition, district: District, projects: int | None = None) -> dict[str, str]:
    """The META section of one district's file; `projects`, the number of projects on its ballot,
    caps the lengths (Pabulib's checker refuses a max_length above the projects there are)."""
    territory = get_territory(session)
    meta = {
        "description": f"{edition.name} – {district.name}",
        "country": "France",
        "unit": territory.name,
        "subunit": district.name,
        "instance": str(edition.year),
        "language": "fr",
        "currency": "EUR",
        "edition": str(edition.year),
    }
    head = published_head(session, edition.id)
    if head is not None:  # the public board as signed at the close (docs/voting.md), in Pabulib's free comment
        comments = meta.get("comment", "")
        number = comments.count("#") + 1
        meta["comment"] = (comments + " " if comments else "") + (
            f"#{number}: public board of trackers signed at the close: head {head['position']}:{head['hash']}, "
            f"Ed25519 signature {head['signature']}, key {head['signing_key']} (pb board verify --head)")
    window = edition.window(Phase.VOTE)
    begin, end = (window.starts_at, window.ends_at) if window else (edition.vote_opened_at, edition.vote_opened_at)
    if begin is not None and end is not None:
        meta["date_begin"], meta["date_end"] = begin.strftime("%d.%m.%Y"), end.strftime("%d.%m.%Y")
    if edition.ballot_type in (BallotType.APPROVAL, BallotType.KNAPSACK):
        cap = projects if projects is not None else max(edition.min_choices, edition.max_choices or 0)
        meta["min_length"] = str(min(edition.min_choices, cap))
        if edition.max_choices:
            meta["max_length"] = str(min(edition.max_choices, cap))
        if edition.ballot_type is BallotType.KNAPSACK:
            meta["max_sum_cost"] = str(district.envelope_cents // 100)
    elif edition.ballot_type is BallotType.CUMULATIVE and edition.cumulative_points:
        meta["max_sum_points"] = str(edition.cumulative_points)
    elif edition.ballot_type is BallotType.MAJORITY_JUDGMENT and edition.grade_count:
        meta["min_points"], meta["max_points"] = "0", str(edition.grade_count - 1)
        meta["default_score"] = "0"
    return meta


def result_run(session: Session, edition: Edition) -> TallyRun | None:
    """The run whose `selected` the export shows: the published one, else the latest."""
    return published_run(session, edition) or next(iter(runs(session, edition)), None)


def export_pabulib(session: Session, edition: Edition) -> dict[str, str]:
    """district code -> the Pabulib text of that envelope. Refused before the vote is closed."""
    tally = result_run(session, edition)
    by_district = {r.district_id: r for r in tally.districts} if tally else {}
    files = {}
    for scope in collect(session, edition):
        election = election_of(edition, scope, pabulib_meta(session, edition, scope.district, len(scope.projects)))
        outcome = None
        result = by_district.get(scope.district.id)
        if result is not None:
            public = {p.id: p.public_id for p in scope.projects}
            outcome = Outcome(rule=tally.rule, tie_break=tally.tie_break,  # type: ignore[union-attr]
                              selected=tuple(public[pid] for pid in result.selected),
                              spent=election.total_cost(election.index[public[pid]] for pid in result.selected),
                              budget=election.budget, details=dict(tally.options))  # type: ignore[union-attr]
        files[scope.district.code] = pabulib.write(election, outcome)
    return files


def file_name(session: Session, edition: Edition, district: District) -> str:
    """France_<Territory>_<year>_<district>.pb, as Pabulib names its files."""
    def part(text: str) -> str:
        return slugify(text, "_", lower=False, max_length=100)

    return f"France_{part(get_territory(session).name)}_{edition.year}_{part(district.name)}.pb"


def districts_with_files(edition: Edition) -> Iterable[District]:
    return edition.districts
