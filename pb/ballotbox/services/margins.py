"""Per district, the margin of the count (pb/ballotbox/margin.py) set against the unexplained
discrepancy of the stations whose ballots can be in that district's box, with a verdict in
words. It reads the count's record (the published run, else the latest): the votes per project
are already there, so reconciling 200,000 sign-ins does not read 200,000 ballots again."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from pb.ballotbox.margin import Margin, greedy_funded, greedy_margin
from pb.editions.models import Edition
from pb.projects.services import ballot_projects
from pb.tally.tiebreak import draw_key

GREEDY = {"greedy": True, "greedy-no-skip": False}


def tie_order(tie_break: str, seed: str, ids: list[str], costs: list[int]) -> list[int]:
    """Each project's position among projects of equal score (lower wins), as the tie-break
    orders them (for the greedy rules, votes are equal among them)."""
    if tie_break == "cost-votes-draw":
        keys = [(costs[i], draw_key(seed, ids[i]), ids[i]) for i in range(len(ids))]
    else:
        keys = [(ids[i],) for i in range(len(ids))]
    order = sorted(range(len(ids)), key=lambda i: keys[i])
    ranks = [0] * len(ids)
    for position, i in enumerate(order):
        ranks[i] = position
    return ranks


def scope_margin(edition: Edition, rule: str, tie_break: str, seed: str, scores: list[int], costs: list[int],
                 ids: list[str], budget: int, selected: set[int]) -> Margin:
    kind = str(edition.ballot_type)
    if rule not in GREEDY or kind == "majority_judgment":
        return Margin(1, False, "trivial")
    ranks = tie_order(tie_break, seed, ids, costs)
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], ranks[i]))
    if greedy_funded(order, costs, budget, GREEDY[rule]) != selected:
        return Margin(1, False, "trivial")  # not the count's own outcome: claim nothing
    unit = (edition.cumulative_points or 1) if kind == "cumulative" else 1
    return greedy_margin(scores, costs, budget, ranks, skip=GREEDY[rule], unit=unit,
                         min_choices=edition.min_choices, max_choices=edition.max_choices,
                         max_cost=budget if kind == "knapsack" else None)


def district_margins(session: Session, edition: Edition, stations: list[Any]) -> list[dict[str, Any]]:
    """For each district scope of the latest count: ballots counted, margin, discrepancy,
    verdict. `stations`: the reconciliation's lines (the difference of a signed-off report,
    or all the sign-ins of a station without one)."""
    from pb.results.services import published_run, runs

    tally = published_run(session, edition) or next(iter(runs(session, edition)), None)
    if tally is None:
        return []
    projects = ballot_projects(session, edition.id)
    out = []
    for result in sorted(tally.districts, key=lambda r: r.position):
        d = result.district
        mine = [p for p in projects if p.district_id == d.id]
        scores = [int(result.scores.get(str(p.id), 0)) for p in mine]
        costs = [p.cost_cents for p in mine]
        selected = {i for i, p in enumerate(mine) if p.id in set(result.selected)}
        margin = scope_margin(edition, tally.rule, tally.tie_break, tally.tie_break_seed, scores, costs,
                              [p.public_id for p in mine], result.budget_cents, selected)
        near = [s for s in stations if d.is_citywide or s.district_id in (None, d.id)]
        discrepancy = sum(abs(s.difference) if s.difference is not None else s.signins for s in near)
        discrepancy += sum(s.collisions for s in near)
        safe = margin.verdict(discrepancy)
        out.append({"district": d.code, "name": d.name, "ballots": result.ballots, "margin": margin.ballots,
                    "exact": margin.exact, "method": margin.method, "discrepancy": discrepancy,
                    "verdict": "cannot_change" if safe else "could_change",
                    "words": _("cannot change the outcome") if safe else _("could change the outcome")})
    return out
