"""The Pabulib writer: canonical output the official checker accepts, and read(write(e)) == e."""

from __future__ import annotations

import contextlib
import io
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pabulib.checker import Checker

from pb.tally import Election, Project, pabulib, run
from pb.tally.pabulib import META_ORDER, PROJECT_ORDER, VOTE_ORDER

from .helpers import file_names, load


def check(text: str) -> dict:
    """Run the official Pabulib checker on a file's text; return its errors and warnings."""
    with contextlib.redirect_stdout(io.StringIO()):
        result = Checker().process_files([text])
    (key,) = [k for k in result if k not in ("metadata", "summary")]
    return result[key]["results"]


def sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = ""
    for line in text.splitlines():
        if line in ("META", "PROJECTS", "VOTES"):
            current = line
            out[current] = []
        else:
            out[current].append(line)
    return out


MEMBERS = Election.build(
    [Project("1", 60, "Parc \"du\" nord; est", 1, {"category": "nature", "latitude": None, "zone": "A"}), Project("2", Fraction(101, 2), None, 0), Project("10", 30, "Rue", 0)],
    [["1", "2"], [], ["10", "2"]],
    Fraction(74877264, 100),
    meta={"rule": "greedy", "description": "Test", "country": "France", "zzz": "custom", "currency": "EUR", "unit": "Paris", "instance": "2024"},
    voter_ids=["b", "a", "c"],
    voter_fields={"sex": ["F", None, "M"], "age": ["30", "40", None], "postcode": ["75001", "75002", "75003"]},
)


def test_canonical_order_of_keys_and_columns():
    s = sections(pabulib.write(MEMBERS))
    keys = [line.split(";")[0] for line in s["META"][1:]]
    known = [k for k in keys if k in META_ORDER]
    assert known == sorted(known, key=META_ORDER.index)
    assert keys[-1] == "zzz"  # unknown keys after the known ones
    assert {"num_projects", "num_votes", "budget", "vote_type"} <= set(keys)
    assert s["META"][0] == "key;value"
    assert s["PROJECTS"][0] == "project_id;cost;votes;name;category;selected;zone"
    assert s["VOTES"][0] == "voter_id;vote;age;sex;postcode"
    assert "budget;748772.64" in s["META"]
    assert s["PROJECTS"][1] == '1;60;1;"Parc ""du"" nord; est";nature;1;A'
    assert s["PROJECTS"][2] == "2;50.5;2;;;0;"
    assert s["VOTES"][1:] == ["b;1,2;30;F;75001", "a;;40;;75002", "c;10,2;;M;75003"]


def test_round_trip_of_a_hand_made_election(tmp_path):
    assert pabulib.read(pabulib.write(MEMBERS)) == MEMBERS
    path = tmp_path / "out.pb"
    pabulib.write(MEMBERS, file=path)
    assert pabulib.read(path) == MEMBERS
    buf = io.StringIO()
    pabulib.write(MEMBERS, file=buf)
    assert pabulib.read(buf.getvalue()) == MEMBERS


def test_outcome_sets_selected_and_rule():
    small = Election(MEMBERS.projects, MEMBERS.ballots, 100, MEMBERS.vote_type, MEMBERS.meta)
    outcome = run(small, "greedy")
    assert outcome.selected == ("2", "10")  # "1" (tied with "10", first) no longer fits
    back = pabulib.read(pabulib.write(small, outcome))
    assert {p.id: p.selected for p in back.projects} == {"1": 0, "2": 1, "10": 1}
    assert back.meta["rule"] == "greedy"
    mes = run(MEMBERS, "mes-add1")
    assert pabulib.read(pabulib.write(MEMBERS, mes)).meta["rule"] == "equalshares/add1"


def test_points_and_score_columns():
    e = Election.build([("a", 40), ("b", 70)], [{"a": 3, "b": 2}, {"b": 2, "a": 3}], 100, "cumulative", {"max_sum_points": "5"})
    s = sections(pabulib.write(e))
    assert s["PROJECTS"][0] == "project_id;cost;votes;score"
    assert s["PROJECTS"][1:] == ["a;40;2;6", "b;70;2;4"]
    assert s["VOTES"][1:] == ["1;a,b;3,2", "2;b,a;2,3"]
    assert pabulib.read(pabulib.write(e)) == e


def test_fractional_amount_without_decimal_expansion_is_refused():
    e = Election.build([("a", Fraction(1, 3))], [["a"]], 1)
    with pytest.raises(ValueError, match="finite decimal"):
        pabulib.write(e)


ids_st = st.lists(st.sampled_from(["1", "2", "3", "9", "10", "11", "x", "P-7"]), min_size=1, max_size=6, unique=True)
text_st = st.one_of(st.none(), st.text(alphabet='ab ;"é\n,', min_size=1, max_size=6).filter(lambda s: s.strip().lower() not in ("", "none")))


@st.composite
def elections(draw) -> Election:
    vote_type = draw(st.sampled_from(["approval", "choose-1", "cumulative", "ordinal", "scoring"]))
    pids = draw(ids_st)
    costs = draw(st.lists(st.one_of(st.integers(0, 10**12), st.fractions(0, 10**6).map(lambda f: Fraction(round(f * 100), 100))), min_size=len(pids), max_size=len(pids)))
    names = draw(st.lists(text_st, min_size=len(pids), max_size=len(pids)))
    projects = [Project(i, c, n, draw(st.sampled_from([None, 0, 1])), {"category": draw(text_st)}) for i, c, n in zip(pids, costs, names)]
    n = draw(st.integers(0, 6))
    ballots = []
    for _ in range(n):
        if vote_type == "choose-1":
            chosen = draw(st.lists(st.sampled_from(pids), max_size=1))
        else:
            chosen = draw(st.lists(st.sampled_from(pids), max_size=len(pids), unique=True))
        if vote_type in ("cumulative", "scoring"):
            ballots.append({c: draw(st.integers(0, 20)) for c in chosen})
        else:
            ballots.append(chosen)
    if vote_type in ("cumulative", "scoring") and not ballots:
        ballots = [{}]
    budget = draw(st.one_of(st.integers(0, 10**15), st.just(Fraction(74877264, 100))))
    meta = {"rule": draw(st.sampled_from(["greedy", "equalshares/add1", "unknown"])), "comment": draw(st.text(alphabet="ab;\"", max_size=4))}
    fields = {"sex": [draw(st.sampled_from([None, "F", "M"])) for _ in ballots]}
    return Election.build(projects, ballots, budget, vote_type, meta, voter_fields=fields)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_round_trip_property(e):
    assert pabulib.read(pabulib.write(e)) == e


@pytest.mark.parametrize("name", file_names())
def test_round_trip_of_every_stored_file(name):
    e = load(name)
    assert pabulib.read(pabulib.write(e)) == e


# The checker verifies MES outcomes itself, which takes seconds: a varied handful of files suffices.
CHECKED = [
    "Poland_Warszawa_2018_Praga-Poludnie.pb",  # fractional budget, none values, greedy-threshold
    "Poland_Zabrze_2020.pb",  # choose-1, voter district
    "Poland_Gdansk_2020_Piecki_Migowo.pb",  # cumulative, age and sex
    "Poland_Krakow_2023_Nowa_Huta.pb",  # ordinal
    "Switzerland_Zurich_S5D10.pb",  # cumulative with 0 points, many voter fields
    "Netherlands_Assen_2024.pb",  # equalshares/add1
]


@pytest.mark.parametrize("name", CHECKED)
def test_the_checker_finds_nothing_new_in_written_files(name, pabulib_dir):
    original = check((pabulib_dir / name).read_text(encoding="utf-8-sig"))
    written = check(pabulib.write(load(name)))
    assert written.get("errors", {}) == original.get("errors", {}) == {}
    new_warnings = set(written.get("warnings", {})) - set(original.get("warnings", {})) - {"missing selected field in projects"}
    assert not new_warnings, new_warnings


@pytest.mark.parametrize("rule", ["greedy", "greedy-no-skip", "greedy-threshold", "mes-add1"])
def test_the_checker_accepts_pb_outcomes(rule):
    e = load("Poland_Warszawa_2018_Praga-Poludnie.pb" if rule.startswith("greedy") else "Netherlands_Assen_2024.pb")
    result = check(pabulib.write(e, run(e, rule)))
    assert result.get("errors", {}) == {}
    assert not {w for w in result.get("warnings", {}) if "order" in w}


def test_orders_match_the_checker():
    from pabulib_helpers import fields

    assert tuple(fields.META_FIELDS_ORDER) == META_ORDER
    assert tuple(fields.PROJECTS_FIELDS_ORDER) == PROJECT_ORDER
    assert tuple(fields.VOTES_FIELDS_ORDER) == VOTE_ORDER
