"""Majority judgment: majority grade (lower median), majority gauge, tie-break, greedy funding."""

from __future__ import annotations

from fractions import Fraction

import pytest

from pb.tally import Election, run
from pb.tally.errors import MissingOption

PARIS = ["À rejeter", "Insuffisant", "Passable", "Assez bien", "Bien"]


def graded(costs: dict[str, int], grades: dict[str, list[int]], budget: int, meta=None) -> Election:
    """Every voter grades every project: ``grades[project][voter]``."""
    n = len(next(iter(grades.values())))
    ballots = [{p: g[v] for p, g in grades.items()} for v in range(n)]
    return Election.build(list(costs.items()), ballots, budget, "scoring", meta)


# Seven voters. E's majority grade is 3; A, C, D, B share grade 2 and the gauge orders them:
# A +3/7 (3 above, 2 below), C +2/7, D -1/7 (1 above, 1 below: not more above), B -3/7.
SEVEN = graded(
    {"A": 10, "B": 10, "C": 10, "D": 10, "E": 10},
    {
        "A": [0, 0, 2, 2, 3, 3, 3],
        "B": [0, 0, 0, 2, 2, 2, 3],
        "C": [0, 2, 2, 2, 2, 3, 3],
        "D": [1, 2, 2, 2, 2, 2, 3],
        "E": [3, 3, 3, 3, 1, 1, 1],
    },
    30,
)


def test_ranking_by_majority_grade_then_gauge():
    out = run(SEVEN, "mj", grades=4)
    assert [r.project_id for r in out.explanation.ranking] == ["E", "A", "C", "D", "B"]
    assert out.selected == ("E", "A", "C")
    gauges = {r.project_id: (r.median, r.sign, r.above, r.below) for r in out.explanation.ranking}
    assert gauges["A"] == (2, "+", Fraction(3, 7), Fraction(2, 7))
    assert gauges["C"] == (2, "+", Fraction(2, 7), Fraction(1, 7))
    assert gauges["D"] == (2, "-", Fraction(1, 7), Fraction(1, 7))
    assert gauges["B"] == (2, "-", Fraction(1, 7), Fraction(3, 7))
    assert gauges["E"][0] == 3


def test_even_number_of_voters_takes_the_lower_median():
    e = graded({"A": 10, "B": 10}, {"A": [0, 0, 3, 3], "B": [1, 1, 1, 1]}, 10)
    out = run(e, "mj", grades=4)
    medians = {r.project_id: r.median for r in out.explanation.ranking}
    assert medians == {"A": 0, "B": 1}
    assert out.selected == ("B",)


def test_exact_tie_goes_to_the_tie_break():
    e = graded({"b": 10, "a": 20}, {"b": [1, 2, 3], "a": [1, 2, 3]}, 20)
    assert run(e, "mj", grades=4).selected == ("a",)  # lexicographic: a first, then b does not fit
    assert run(e, "mj", "cost-votes-draw", seed="x", grades=4).selected == ("b",)  # cheaper first


def test_greedy_funding_skips_what_does_not_fit():
    e = graded({"A": 25, "B": 10, "C": 5}, {"A": [3, 3, 3], "B": [2, 2, 2], "C": [1, 1, 1]}, 30)
    out = run(e, "mj", grades=4)
    assert out.selected == ("A", "C")
    assert [s.status for s in out.explanation.funding.steps] == ["funded", "skipped", "funded"]


def test_grade_names_and_default_grade():
    # Voter 3 did not grade B: by default that counts as the lowest grade.
    e = Election.build([("A", 10), ("B", 10)], [{"A": 2, "B": 4}, {"A": 2, "B": 4}, {"A": 3}], 10, "scoring")
    out = run(e, "mj", grades=PARIS)
    ranking = {r.project_id: r for r in out.explanation.ranking}
    assert ranking["B"].grade == "Bien" and ranking["A"].grade == "Passable"
    assert out.selected == ("B",)
    lowest = run(e, "mj", grades=PARIS, default_grade=0)
    assert lowest.selected == ("B",)
    # With "Passable" as the default grade for a missing one, B is still Bien (4, 4, 2 -> median 4).
    assert run(e, "mj", grades=PARIS, default_grade=2).explanation.ranking[0].project_id == "B"
    meta = Election(e.projects, e.ballots, e.budget, "scoring", {"default_score": "0"})
    assert run(meta, "mj", grades=5).selected == ("B",)


def test_grade_outside_the_scale_is_refused():
    e = graded({"A": 10}, {"A": [5]}, 10)
    with pytest.raises(MissingOption, match="scale"):
        run(e, "mj", grades=3)
    with pytest.raises(MissingOption, match="default grade"):
        run(e, "mj", grades=6, default_grade=9)


def test_scale_defaults_to_the_grades_seen_and_meta_max_points():
    e = graded({"A": 10, "B": 10}, {"A": [1, 2], "B": [2, 2]}, 10, {"max_points": "5"})
    out = run(e, "mj")
    assert out.details["grades"] == ["0", "1", "2", "3", "4", "5"]
    assert out.selected == ("B",)


def test_explanation_sentences():
    out = run(SEVEN, "mj", grades=["0", "1", "2", "3"])
    fr, en = out.explanation.describe("fr"), out.explanation.describe("en")
    assert "mention majoritaire" in fr[0] and "majority grade" in en[0]
    assert "au-dessus" in fr[1] and "42,9" in fr[1]
    assert "below" in en[4]
    assert out.to_dict()["explanation"]["ranking"][0]["project_id"] == "E"


def test_approval_ballots_are_two_grade_judgments():
    e = Election.build([("A", 10), ("B", 10)], [["A"], ["A", "B"], ["B"], ["B"]], 10)
    out = run(e, "mj", grades=["non", "oui"])
    assert out.selected == ("B",)
