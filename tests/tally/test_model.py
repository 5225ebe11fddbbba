"""The plain data types: exact money, validation, derived counts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from pb.tally import Ballots, Election, InvalidElection, Project
from pb.tally.model import as_money, format_money


def test_money_is_exact():
    assert as_money("748772.64") == Fraction(74877264, 100)
    assert as_money("40000.0") == 40000 and isinstance(as_money("40000.0"), int)
    assert as_money(Decimal("0.10")) == Fraction(1, 10)
    assert as_money(np.int64(5)) == 5
    with pytest.raises(TypeError):
        as_money(0.1)
    with pytest.raises(TypeError):
        as_money(True)


@pytest.mark.parametrize(("value", "text"), [(5, "5"), (Fraction(1, 4), "0.25"), (Fraction(74877264, 100), "748772.64"), (Fraction(-1, 8), "-0.125"), (Fraction(1, 20), "0.05")])
def test_format_money(value, text):
    assert format_money(value) == text
    assert as_money(text) == value


def test_format_money_refuses_infinite_decimals():
    with pytest.raises(ValueError):
        format_money(Fraction(1, 3))


def test_validation():
    with pytest.raises(InvalidElection, match="duplicate project ids: a"):
        Election.build([("a", 1), ("a", 2)], [], 10)
    with pytest.raises(InvalidElection, match="unknown project 'z'"):
        Election.build([("a", 1)], [["z"]], 10)
    with pytest.raises(InvalidElection, match="same project twice"):
        Election.build([("a", 1)], [["a", "a"]], 10)
    with pytest.raises(InvalidElection, match="choose-1"):
        Election.build([("a", 1), ("b", 1)], [["a", "b"]], 10, "choose-1")
    with pytest.raises(InvalidElection, match="need points"):
        Election.build([("a", 1)], [["a"]], 10, "cumulative")
    with pytest.raises(InvalidElection, match="vote type"):
        Election.build([("a", 1)], [], 10, "knapsack")
    with pytest.raises(InvalidElection, match="negative"):
        Election.build([("a", -1)], [], 10)
    with pytest.raises(InvalidElection, match="negative"):
        Election.build([("a", 1)], [], -10)
    with pytest.raises(InvalidElection, match="non-empty string"):
        Project(" a", 1)
    with pytest.raises(InvalidElection, match="outside"):
        Election((Project("a", 1),), Ballots(np.array([0, 1]), np.array([3])), 10)
    with pytest.raises(InvalidElection, match="unique"):
        Ballots.from_lists([[0], [0]], voter_ids=["v", "v"])
    with pytest.raises(InvalidElection, match="non-negative"):
        Ballots.from_lists([[0]], points=[[-1]])


def test_derived_counts_and_structural_meta():
    e = Election.build([("a", 1), ("b", 2), ("c", 3)], [{"a": 3, "b": 1}, {"b": 2}], 10, "cumulative", {"budget": "999", "rule": " greedy ", "num_votes": "7"})
    assert e.meta == {"rule": "greedy"}  # budget/num_votes live in the Election itself
    assert e.votes.tolist() == [1, 2, 0]
    assert e.scores.tolist() == [3, 3, 0]
    assert e.index == {"a": 0, "b": 1, "c": 2}
    assert e.total_cost([0, 2]) == 4


def test_project_normal_form():
    p = Project("a", "12.50", " ", 1, {"x": "none", "y": "", "z": "v"})
    assert p.cost == Fraction(25, 2) and p.name is None and p.fields == {"z": "v"}
    assert hash(p) == hash(Project("a", Fraction(25, 2)))


def test_ballots_equality_and_default_ids():
    a = Ballots.from_lists([[0, 1], [1]])
    b = Ballots.from_lists([[0, 1], [1]], voter_ids=["1", "2"])
    assert a == b and a.ids == ("1", "2")
    assert a != Ballots.from_lists([[1, 0], [1]])
    assert a != Ballots.from_lists([[0, 1], [1]], points=[[1, 1], [1]])
    assert a.ballot(0) == (0, 1) and a.ballot_points(0) is None
