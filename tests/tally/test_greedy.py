"""Greedy rules on hand-made elections, with exact expected outcomes."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest

from pb.tally import Election, Project, run
from pb.tally.errors import MissingOption


def election(costs: dict[str, object], ballots, budget, vote_type="approval", meta=None) -> Election:
    return Election.build([(pid, c) for pid, c in costs.items()], ballots, budget, vote_type, meta)


ABC = election({"A": 50, "B": 60, "C": 40}, [["A", "B", "C"], ["A", "B"], ["A"]], 100)


def test_ranks_by_votes_and_skips_what_does_not_fit():
    out = run(ABC, "greedy")
    assert out.selected == ("A", "C")
    assert out.spent == 90 and out.budget == 100
    steps = [(s.project_id, s.score, s.status, s.remaining) for s in out.explanation.steps]
    assert steps == [("A", 3, "funded", 100), ("B", 2, "skipped", 50), ("C", 1, "funded", 50)]
    assert "did not fit" in out.explanation.steps[1].describe("en")
    assert "ne tenait pas" in out.explanation.steps[1].describe("fr")


def test_no_skip_stops_at_the_first_project_that_does_not_fit():
    out = run(ABC, "greedy-no-skip")
    assert out.selected == ("A",)
    assert [s.status for s in out.explanation.steps] == ["funded", "skipped", "not-reached"]


def test_threshold_excludes_projects_below_it():
    out = run(ABC, "greedy-threshold", threshold=2)
    assert out.selected == ("A",)
    assert [s.status for s in out.explanation.steps] == ["funded", "skipped", "below-threshold"]
    assert out.details == {"threshold": 2}
    meta = election({"A": 50, "B": 60, "C": 40}, [["A", "B", "C"], ["A", "B"], ["A"]], 100, meta={"min_project_score_threshold": "3"})
    assert run(meta, "greedy-threshold").selected == ("A",)
    assert run(meta, "greedy-threshold", threshold=1).selected == ("A", "C")
    with pytest.raises(MissingOption):
        run(ABC, "greedy-threshold")


def test_threshold_is_inclusive():
    assert run(ABC, "greedy-threshold", threshold=1).selected == ("A", "C")
    assert run(ABC, "greedy-threshold", threshold=4).selected == ()


def test_tie_at_the_budget_boundary_lexicographic():
    # "9" and "10" have the same votes; only one fits. As strings "10" < "9".
    e = election({"9": 60, "10": 60}, [["9", "10"]], 100)
    assert run(e, "greedy").selected == ("10",)
    assert run(e, "greedy", tie_break="lexicographic").selected == ("10",)


def test_tie_at_the_budget_boundary_cost_then_votes_then_draw():
    e = election({"9": 50, "10": 60}, [["9", "10"]], 60)
    assert run(e, "greedy").selected == ("10",)  # lexicographic: "10" first, then "9" no longer fits
    assert run(e, "greedy", "cost-votes-draw", seed="2024").selected == ("9",)  # cheaper first
    # Same points, different votes: with points, the project more voters chose wins the tie.
    cum = election({"x": 60, "y": 60}, [{"x": 2}, {"y": 1}, {"y": 1}], 100, "cumulative")
    assert run(cum, "greedy").selected == ("x",)
    assert run(cum, "greedy", "cost-votes-draw", seed="s").selected == ("y",)
    # Same cost and votes: the public draw (smallest SHA-256 of "seed:id") decides.
    eq = election({"p": 60, "q": 60}, [["p", "q"]], 100)
    for seed in ("2024", "Paris", "x"):
        expected = min(("p", "q"), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
        assert run(eq, "greedy", "cost-votes-draw", seed=seed).selected == (expected,)
    assert {run(eq, "greedy", "cost-votes-draw", seed=s).selected for s in map(str, range(20))} == {("p",), ("q",)}


def test_envelope_smaller_than_every_project():
    e = election({"A": 50, "B": 60}, [["A"], ["B"]], 49)
    out = run(e, "greedy")
    assert out.selected == () and out.spent == 0
    assert [s.status for s in out.explanation.steps] == ["skipped", "skipped"]


def test_zero_cost_project_is_funded_where_it_ranks():
    e = election({"A": 100, "free": 0, "B": 10}, [["A"], ["A"], ["B"]], 100)
    assert run(e, "greedy").selected == ("A", "free")  # B does not fit; free always does
    assert run(e, "greedy-no-skip").selected == ("A",)  # stopped at B, before free


def test_empty_ballots_change_nothing_for_greedy():
    e = election({"A": 50, "B": 60}, [[], ["B"], [], ["A"], ["B"]], 100)
    assert run(e, "greedy").selected == ("B",)


def test_no_ballots_at_all():
    e = election({"A": 50, "B": 60}, [], 100)
    assert run(e, "greedy").selected == ("A",)  # all tied at 0 votes: lexicographic; then B does not fit
    assert run(e, "greedy-threshold", threshold=1).selected == ()


def test_cumulative_ranks_by_points_not_votes():
    e = election({"x": 60, "y": 60}, [{"x": 5}, {"y": 1}, {"y": 1}, {"y": 1}], 100, "cumulative")
    assert run(e, "greedy").selected == ("x",)
    assert run(e, "greedy", utility="approval").selected == ("y",)
    assert run(e, "greedy").explanation.score == "points"


def test_ordinal_positional_points():
    # A ballot of k projects gives k, k-1, ..., 1: x = 2 + 2, y = 1 + 1 + 1, z = 3, w = 2, v = 1.
    ballots = [["x", "y"], ["x", "y"], ["y"], ["z", "w", "v"]]
    e = election({"x": 10, "y": 10, "z": 10, "w": 10, "v": 10}, ballots, 20, "ordinal")
    assert e.scores.tolist() == [4, 3, 3, 2, 1]
    assert run(e, "greedy").selected == ("x", "y")  # y and z tie at 3: "y" < "z"
    # Kraków gives 3, 2, 1 points by rank whatever the ballot's length.
    assert run(e, "greedy", ordinal_points=(3, 2, 1)).selected == ("y", "x")  # y = 2+2+3, x = 3+3
    assert run(e, "greedy", ordinal_points=(1,)).selected == ("x", "y")  # first choices: x 2, y 1, z 1


def test_amounts_beyond_float_precision_are_exact():
    big = 2**60
    e = election({"A": big, "B": 1}, [["A"], ["A"], ["B"]], big + 1)
    assert float(big + 1) - float(big) == 0.0  # a float tally would think B no longer fits
    assert run(e, "greedy").selected == ("A", "B")


def test_fractional_budget_fits_exactly():
    e = election({"A": Fraction("50.25"), "B": Fraction("50.25")}, [["A"], ["B"]], Fraction("100.5"))
    out = run(e, "greedy")
    assert out.selected == ("A", "B") and out.spent == Fraction("100.5")


def test_no_skip_with_a_threshold_as_gdynia_declares_it():
    # Below-threshold projects rank last (the threshold is on the ranking score), so they never
    # interfere with the stop of greedy-no-skip; they are reported as below the threshold.
    e = election({"A": 50, "B": 20, "C": 5}, [["A", "B"], ["A", "B"], ["A", "C"]], 60)
    out = run(e, "greedy-no-skip", threshold=2)
    assert out.selected == ("A",)
    assert [(s.project_id, s.status) for s in out.explanation.steps] == [("A", "funded"), ("B", "skipped"), ("C", "below-threshold")]
    assert run(e, "greedy", threshold=2).selected == ("A",)
    assert run(e, "greedy").selected == ("A", "C")


def test_explanation_sentences_in_both_languages():
    out = run(ABC, "greedy")
    fr, en = out.explanation.describe("fr"), out.explanation.describe("en")
    assert len(fr) == len(en) == 3
    assert fr[0].startswith("1. A (3 voix)") and "financé" in fr[0]
    assert en[0].startswith("1. A (3 votes)") and "funded" in en[0]
    assert out.to_dict()["explanation"]["steps"][1]["status"] == "skipped"


def test_greedy_on_a_project_list_with_selected_values_ignores_them():
    e = Election.build([Project("A", 50, selected=0), Project("B", 60, selected=1)], [["A"]], 60)
    assert run(e, "greedy").selected == ("A",)
