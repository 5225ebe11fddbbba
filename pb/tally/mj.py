"""Majority judgment (jugement majoritaire), as Paris has used since 2021, then greedy funding.

Each voter grades each project on the edition's scale (grade 0 is the worst). A project's
*majority grade* is its median grade, the lower of the two middle grades when the number of
voters is even. Projects are ranked by majority grade; equal majority grades are separated by the
*majority gauge* of Balinski and Laraki: with ``above`` (resp. ``below``) the share of voters who
grade the project strictly above (resp. below) its majority grade, the gauge is ``+above`` when
above > below and ``-below`` otherwise; a ``+`` beats a ``-``, a larger ``+above`` beats a smaller
one, a smaller ``-below`` beats a larger one. Every project is graded by every voter (a missing
grade counts as the default grade), so shares have the same denominator and the comparison is on
integer counts: exact. A remaining tie goes to the edition's tie-break. The projects are then
funded down this ranking, skipping those that no longer fit.

Pabulib has no MJ standard; pb reads MJ ballots as ``scoring`` ballots whose points are grades.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from pb.tally.errors import MissingOption
from pb.tally.explain import GreedyExplanation, MJExplanation, MJProject
from pb.tally.greedy import fund_in_order
from pb.tally.model import Election, Outcome
from pb.tally.tiebreak import TieBreak


def grade_counts(election: Election, num_grades: int, default_grade: int) -> np.ndarray:
    """counts[p, g]: how many voters gave project p grade g (missing grades count as default)."""
    b = election.ballots
    m = len(election.projects)
    grades = b.points if b.points is not None else np.ones(len(b.indices), dtype=np.int64)
    if len(grades) and grades.max() >= num_grades:
        raise MissingOption(f"a ballot gives grade {int(grades.max())} but the scale has only {num_grades} grades (0 to {num_grades - 1})")
    counts = np.bincount(b.indices.astype(np.int64) * num_grades + grades, minlength=m * num_grades).reshape(m, num_grades)
    counts[:, default_grade] += len(b) - counts.sum(axis=1)
    return counts


def majority_gauges(counts: np.ndarray) -> list[tuple[int, int, int]]:
    """Per project: (majority grade, voters grading strictly above it, voters strictly below)."""
    n = int(counts[0].sum()) if len(counts) else 0
    out = []
    for row in counts:
        cum = np.cumsum(row)
        median = int(np.searchsorted(cum, (n - 1) // 2 + 1)) if n else 0
        above, below = int(row[median + 1 :].sum()), int(row[:median].sum())
        out.append((median, above, below))
    return out


def mj(
    election: Election,
    tie_break: TieBreak,
    *,
    grades: Sequence[str] | int | None = None,
    default_grade: int | None = None,
    explain: bool = True,
) -> Outcome:
    """Majority-judgment ranking, then greedy funding in that order.

    ``grades``: the scale, worst first (names such as ("À rejeter", ..., "Excellent"), or a number
    of grades); by default 0 .. max(max grade in the ballots, META max_points). ``default_grade``:
    the grade of a project a voter left ungraded (default: META ``default_score``, else 0).
    """
    meta = election.meta
    if isinstance(grades, int):
        names = [str(g) for g in range(grades)]
    elif grades is not None:
        names = [str(g) for g in grades]
    else:
        top = int(election.ballots.points.max()) if election.ballots.points is not None and len(election.ballots.points) else 1
        if meta.get("max_points", "").isdigit():
            top = max(top, int(meta["max_points"]))
        names = [str(g) for g in range(top + 1)]
    if default_grade is None:
        default_grade = int(meta["default_score"]) if meta.get("default_score", "").isdigit() else 0
    if not 0 <= default_grade < len(names):
        raise MissingOption(f"the default grade {default_grade} is not on the scale 0..{len(names) - 1}")
    counts = grade_counts(election, len(names), default_grade)
    gauges = majority_gauges(counts)
    ranks = tie_break.ranks(election)

    def key(i: int) -> tuple:
        median, above, below = gauges[i]
        gauge = (1, above) if above > below else (0, -below)
        return (-median, -gauge[0], -gauge[1], int(ranks[i]))

    order = sorted(range(len(election.projects)), key=key)
    medians = [g[0] for g in gauges]
    funded, steps = fund_in_order(election, order, medians, election.budget)
    explanation = None
    if explain:
        n = max(election.num_voters, 1)
        ranking = tuple(
            MJProject(election.projects[i].id, gauges[i][0], names[gauges[i][0]], Fraction(gauges[i][1], n), Fraction(gauges[i][2], n), "+" if gauges[i][1] > gauges[i][2] else "-")
            for i in order
        )
        explanation = MJExplanation(ranking, GreedyExplanation("grades", None, tuple(steps)))
    return Outcome(
        "mj",
        tie_break.spec(),
        tuple(election.projects[i].id for i in funded),
        election.total_cost(funded),
        election.budget,
        explanation,
        {"grades": names, "default_grade": default_grade},
    )
