"""Per district, the margin of the count (pb/ballotbox/margin.py) set against the unexplained
discrepancy of the stations whose ballots can be in that district's box, with a verdict in
words. Computed once the vote is closed (the count's inputs are sealed before)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from pb.ballotbox.margin import Margin, greedy_margin
from pb.editions.models import Edition
from pb.tally.tiebreak import draw_key
from pb.voting.services.results import results_open

GREEDY = {"greedy": True, "greedy-no-skip": False}


def tie_order(edition: Edition, ids: list[str], costs: list[int]) -> list[int]:
    """Each project's position among projects of equal score (lower wins), as the edition's
    tie-break orders them (for the greedy rules, votes are equal among them)."""
    if edition.tie_break == "cost-votes-draw":
        seed = edition.tie_break_seed or ""
        keys = [(costs[i], draw_key(seed, ids[i]), ids[i]) for i in range(len(ids))]
    else:
        keys = [(ids[i],) for i in range(len(ids))]
    order = sorted(range(len(ids)), key=lambda i: keys[i])
    ranks = [0] * len(ids)
    for position, i in enumerate(order):
        ranks[i] = position
    return ranks


def scope_margin(edition: Edition, scores: list[int], costs: list[int], ids: list[str], budget: int) -> Margin:
    rule, kind = edition.aggregation_rule, str(edition.ballot_type)
    if rule not in GREEDY or kind == "majority_judgment":
        return Margin(1, False, "trivial")
    unit = (edition.cumulative_points or 1) if kind == "cumulative" else 1
    return greedy_margin(scores, costs, budget, tie_order(edition, ids, costs), skip=GREEDY[rule], unit=unit,
                         min_choices=edition.min_choices, max_choices=edition.max_choices,
                         max_cost=budget if kind == "knapsack" else None)


def district_margins(session: Session, edition: Edition, stations: list[Any]) -> list[dict[str, Any]]:
    """For each district scope: ballots counted, margin, discrepancy, verdict. `stations`: the
    reconciliation's lines (signed-off difference, or the sign-ins of a station without report)."""
    if not results_open(edition):
        return []
    from pb.results.services import collect, election_of

    out = []
    for scope in collect(session, edition):
        d = scope.district
        election = election_of(edition, scope, counted=True)
        scores = [int(s) for s in election.scores]
        costs = [p.cost_cents for p in scope.projects]
        margin = scope_margin(edition, scores, costs, [p.public_id for p in scope.projects], d.envelope_cents)
        mine = [s for s in stations if d.is_citywide or s.district_id in (None, d.id)]
        discrepancy = sum(abs(s.difference) if s.difference is not None else s.signins for s in mine)
        discrepancy += sum(s.collisions for s in mine)
        safe = margin.verdict(discrepancy)
        out.append({"district": d.code, "name": d.name, "ballots": len(scope.choices), "margin": margin.ballots,
                    "exact": margin.exact, "method": margin.method, "discrepancy": discrepancy,
                    "verdict": "cannot_change" if safe else "could_change",
                    "words": _("cannot change the outcome") if safe else _("could change the outcome")})
    return out
