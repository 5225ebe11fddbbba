"""The ballot's rules as pure functions over plain data: what a voter may choose, and what is
left as they choose. No database, no request: the web page, the API and the tests all call
these with the stored costs (never costs sent by a client)."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Any, Mapping

from pb.voting import errors
from pb.voting.models import Scope


@dataclass(frozen=True)
class BallotRules:
    ballot_type: str  # approval | knapsack | majority_judgment | cumulative
    min_choices: int = 1
    max_choices: int | None = None
    knapsack_min_share: int = 0
    cumulative_points: int | None = None
    grade_count: int | None = None
    residence_rule: str = "residence"  # residence | choice

    @classmethod
    def of(cls, edition: Any) -> BallotRules:
        return cls(ballot_type=str(edition.ballot_type), min_choices=edition.min_choices,
                   max_choices=edition.max_choices, knapsack_min_share=edition.knapsack_min_share,
                   cumulative_points=edition.cumulative_points, grade_count=edition.grade_count,
                   residence_rule=str(edition.residence_rule))


@dataclass(frozen=True)
class DistrictInfo:
    id: int
    name: str
    envelope_cents: int
    is_citywide: bool


@dataclass
class ScopeBallot:
    """The part of a voter's choices in one scope, validated."""

    scope: Scope
    district: DistrictInfo
    choices: dict[str, int] = field(default_factory=dict)


@dataclass
class ScopeSummary:
    district: DistrictInfo
    count: int
    cost_cents: int
    points: int
    max_choices: int | None
    left_cents: int
    points_left: int | None
    minimum_cents: int


# -- reading what was sent ----------------------------------------------------------------------

_INT_TEXT = re.compile(r"-?[0-9]{1,18}")  # ASCII digits only: "--5", "²", "٣" and 5,000 digits are not numbers
_INT_RANGE = 10 ** 18


def _as_int(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise errors.Malformed(detail=what)
    if isinstance(value, int) and -_INT_RANGE < value < _INT_RANGE:
        return value
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    raise errors.Malformed(detail=what)


def parse_choices(rules: BallotRules, payload: Any) -> dict[int, int]:
    """{project id: value} from what a client sent: a list of ids (approval, budget), or an
    object {id: points} (cumulative) or {id: grade} (majority judgment)."""
    kind = rules.ballot_type
    if kind in ("approval", "knapsack"):
        if not isinstance(payload, list):
            raise errors.Malformed(detail="choices must be a list of project ids")
        ids = [_as_int(v, "a project id is not a number") for v in payload]
        if len(set(ids)) != len(ids):
            raise errors.Malformed(detail="a project is chosen twice")
        return {pid: 1 for pid in ids}
    if not isinstance(payload, dict):
        raise errors.Malformed(detail="grades must be an object {project id: grade}" if kind == "majority_judgment"
                               else "points must be an object {project id: points}")
    result: dict[int, int] = {}
    seen: set[int] = set()
    for key, value in payload.items():
        pid = _as_int(key, "a project id is not a number")
        if pid in seen:  # "209" and "0209": one project written twice
            raise errors.Malformed(detail="a project is given twice")
        seen.add(pid)
        number = _as_int(value, "a grade or a number of points is not a whole number")
        if kind == "majority_judgment":
            if not 0 <= number < (rules.grade_count or 5):
                raise errors.Malformed(detail=f"grades go from 0 to {(rules.grade_count or 5) - 1}")
        elif number < 0:
            raise errors.Malformed(detail="points cannot be negative")
        if number == 0 and kind == "cumulative":
            continue
        result[pid] = number
    return result


# -- validation ------------------------------------------------------------------------------------

def scopes_for(rules: BallotRules, residence_id: int | None, districts: Mapping[int, DistrictInfo],
               chosen: dict[int, int], costs: Mapping[int, tuple[int, int]]) -> dict[int, Scope]:
    """The districts whose ballots this voter fills, as {district id: scope}."""
    citywide = {d.id: Scope.CITYWIDE for d in districts.values() if d.is_citywide}
    if rules.residence_rule == "choice":
        local = {costs[p][0] for p in chosen if p in costs and not districts[costs[p][0]].is_citywide}
        if len(local) > 1:
            first = sorted(p for p in chosen if p in costs and costs[p][0] == max(local))[0]
            raise errors.WrongDistrict(project=first)
        return {**{d: Scope.DISTRICT for d in local}, **citywide}
    if residence_id is None:
        raise errors.NotEligible(reason="no district of residence on the register")
    return {residence_id: Scope.DISTRICT, **citywide}


def validate(rules: BallotRules, chosen: dict[int, int], costs: Mapping[int, tuple[int, int]],
             districts: Mapping[int, DistrictInfo], residence_id: int | None) -> list[ScopeBallot]:
    """The voter's ballots, one per scope they voted in, or a named refusal. A scope left empty
    is an abstention in that scope; a ballot empty everywhere is refused."""
    for pid in chosen:
        if pid not in costs:
            raise errors.UnknownProject(project=pid)
    allowed = scopes_for(rules, residence_id, districts, chosen, costs)
    for pid in sorted(chosen):
        if costs[pid][0] not in allowed:
            raise errors.WrongDistrict(project=pid)
    if not chosen:
        raise errors.NoChoice()
    ballots: list[ScopeBallot] = []
    for district_id, scope in allowed.items():
        mine = {pid: value for pid, value in chosen.items() if costs[pid][0] == district_id}
        if not mine:
            continue
        district = districts[district_id]
        _check_scope(rules, district, mine, costs)
        values = dict(mine)
        if rules.ballot_type == "majority_judgment":
            # A project left without a grade gets the lowest one, as the ballot says in words.
            for pid, (did, _cost) in costs.items():
                if did == district_id:
                    values.setdefault(pid, 0)
        ballots.append(ScopeBallot(scope=scope, district=district,
                                   choices={str(pid): values[pid] for pid in sorted(values)}))
    return ballots


def _check_scope(rules: BallotRules, district: DistrictInfo, mine: dict[int, int],
                 costs: Mapping[int, tuple[int, int]]) -> None:
    count = len(mine)
    name = district.name
    if rules.max_choices is not None and count > rules.max_choices and rules.ballot_type != "majority_judgment":
        raise errors.TooManyChoices(count=count, max=rules.max_choices, district=name)
    if count < rules.min_choices:
        raise errors.TooFewChoices(count=count, min=rules.min_choices, district=name)
    if rules.ballot_type == "knapsack":
        from pb.web.format import money

        total = sum(costs[pid][1] for pid in mine)
        if total > district.envelope_cents:
            raise errors.OverBudget(district=name, total=money(total), envelope=money(district.envelope_cents))
        minimum = minimum_cents(rules, district)
        if total < minimum:
            raise errors.UnderMinimumShare(district=name, share=rules.knapsack_min_share, minimum=money(minimum),
                                           total=money(total))
    if rules.ballot_type == "cumulative":
        points = sum(mine.values())
        if rules.cumulative_points is not None and points > rules.cumulative_points:
            raise errors.TooManyPoints(count=points, max=rules.cumulative_points, district=name)


def minimum_cents(rules: BallotRules, district: DistrictInfo) -> int:
    if rules.ballot_type != "knapsack" or not rules.knapsack_min_share:
        return 0
    return -(-district.envelope_cents * rules.knapsack_min_share // 100)


def summarise(rules: BallotRules, chosen: dict[int, int], costs: Mapping[int, tuple[int, int]],
              districts: list[DistrictInfo]) -> list[ScopeSummary]:
    """What the voter has chosen and what is left, per district shown on their ballot."""
    result = []
    for district in districts:
        mine = {pid: v for pid, v in chosen.items() if pid in costs and costs[pid][0] == district.id}
        cost = sum(costs[pid][1] for pid in mine) if rules.ballot_type != "majority_judgment" else 0
        points = sum(mine.values()) if rules.ballot_type == "cumulative" else 0
        result.append(ScopeSummary(
            district=district, count=len(mine), cost_cents=cost, points=points, max_choices=rules.max_choices,
            left_cents=district.envelope_cents - cost,
            points_left=(rules.cumulative_points - points) if rules.ballot_type == "cumulative"
            and rules.cumulative_points is not None else None,
            minimum_cents=minimum_cents(rules, district),
        ))
    return result
