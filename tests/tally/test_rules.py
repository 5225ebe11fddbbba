"""The rule registry, ``run`` and ``--rule auto``."""

from __future__ import annotations

import pytest

from pb.tally import RULES, Election, TallyError, resolve_auto, run
from pb.tally.errors import MissingOption, UnknownRule, UnsupportedRule
from pb.tally.rules import PABULIB_RULES, pabulib_label

E = Election.build([("A", 50), ("B", 60), ("C", 40)], [["A", "B", "C"], ["A", "B"], ["A"]], 100)


def with_meta(**meta) -> Election:
    return Election(E.projects, E.ballots, E.budget, E.vote_type, meta)


def test_every_rule_has_descriptions_and_runs():
    assert list(RULES) == ["greedy", "greedy-no-skip", "greedy-threshold", "mes", "mes-add1", "mes-add1e", "mes-add1-greedy", "mes-add1-comparison", "mj"]
    for name, rule in RULES.items():
        assert rule.describe("fr") and rule.describe("en") and rule.describe("fr") != rule.describe("en")
        options = {"threshold": 1} if name == "greedy-threshold" else {}
        outcome = run(E, name, **options)
        assert outcome.rule == name and outcome.budget == 100
        assert outcome.spent == sum(E.projects[E.index[i]].cost for i in outcome.selected) <= 100


@pytest.mark.parametrize(
    ("label", "rule"),
    [("greedy", "greedy"), ("greedy-no-skip", "greedy-no-skip"), ("greedy-threshold", "greedy-threshold"), ("equalshares", "mes"),
     ("equalshares/add1", "mes-add1"), ("equalshares/add1-comparison", "mes-add1-comparison"), ("mj", "mj"), ("mes-add1e", "mes-add1e")],
)  # fmt: skip
def test_auto_maps_pabulib_labels(label, rule):
    e = with_meta(rule=label, min_project_score_threshold="1")
    name, options = resolve_auto(e)
    assert name == rule
    assert options == ({"threshold": 1} if rule.startswith("greedy") else {})
    assert run(e, "auto").rule == rule


@pytest.mark.parametrize("label", ["greedy-exclusive", "greedy-custom", "unknown", "equalshares-comparison", "borda"])
def test_auto_refuses_labels_pb_does_not_implement(label):
    with pytest.raises(UnsupportedRule, match=f"'{label}' is not implemented"):
        run(with_meta(rule=label), "auto")


def test_auto_without_a_rule():
    with pytest.raises(UnsupportedRule, match="no META rule"):
        run(E, "auto")


def test_auto_greedy_honours_the_file_threshold():
    e = with_meta(rule="greedy-no-skip", min_project_score_threshold="2")
    assert run(e, "auto").selected == ("A",)
    assert run(e, "auto").details == {"threshold": 2}
    assert run(e, "greedy").selected == ("A", "C")  # an explicit rule ignores the file's threshold


def test_errors():
    with pytest.raises(UnknownRule, match="unknown rule 'borda'"):
        run(E, "borda")
    with pytest.raises(TallyError, match="does not take option"):
        run(E, "mes", threshold=3)
    with pytest.raises(MissingOption):
        run(with_meta(min_project_score_threshold="many"), "greedy-threshold")


def test_pabulib_labels():
    assert pabulib_label("mes-add1") == "equalshares/add1"
    assert pabulib_label("mes") == "equalshares"
    assert pabulib_label("mes-add1-comparison") == "equalshares/add1-comparison"
    assert all(PABULIB_RULES[pabulib_label(name)] == name for name in RULES)


def test_outcome_to_dict_is_json_ready():
    import json

    from fractions import Fraction

    e = Election(E.projects, E.ballots, Fraction("100.5"), E.vote_type, {})
    data = run(e, "mes").to_dict()
    text = json.dumps(data)
    assert json.loads(text)["budget"] == 100.5
    assert data["selected"] == list(run(e, "mes").selected)
    assert data["explanation"]["kind"] == "mes"
