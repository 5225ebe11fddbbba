"""The Pabulib reader: the quirks of real exports, and a named error with the line number for each
kind of malformed file."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pytest

from pb.tally import pabulib
from pb.tally.errors import (
    BadBallot,
    BadHeader,
    BadNumber,
    CountMismatch,
    DuplicateId,
    MissingField,
    MissingSection,
    PabulibError,
    UnknownProject,
    UnknownVoteType,
    WrongColumnCount,
)

from .helpers import file_names, load

APPROVAL = """META
key;value
description;Test
num_projects;3
num_votes;3
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;votes;name
1;60;2;Parc
2;50;2;École
10;30;1;Rue
VOTES
voter_id;vote
v1;1,2
v2;1
v3;2,10
"""


def ids(election):
    return [[election.projects[j].id for j in election.ballots.ballot(i)] for i in range(election.num_voters)]


def test_reads_a_plain_approval_file():
    e = pabulib.read(APPROVAL)
    assert [p.id for p in e.projects] == ["1", "2", "10"]
    assert [p.cost for p in e.projects] == [60, 50, 30]
    assert e.projects[1].name == "École"
    assert e.budget == 100 and e.vote_type == "approval"
    assert e.meta == {"description": "Test", "rule": "greedy"}
    assert ids(e) == [["1", "2"], ["1"], ["2", "10"]]
    assert e.ballots.voter_ids == ("v1", "v2", "v3")
    assert e.votes.tolist() == [2, 2, 1]


def test_crlf_and_mixed_line_endings_read_the_same():
    crlf = APPROVAL.replace("\n", "\r\n")
    mixed = "".join(line + ("\r\n" if n % 2 else "\n") for n, line in enumerate(APPROVAL.splitlines()))
    assert pabulib.read(crlf) == pabulib.read(APPROVAL)
    assert pabulib.read(mixed) == pabulib.read(APPROVAL)


def test_bom_is_ignored_in_text_bytes_and_files(tmp_path):
    path = tmp_path / "bom.pb"
    path.write_bytes(b"\xef\xbb\xbf" + APPROVAL.encode())
    assert pabulib.read(path) == pabulib.read(APPROVAL)
    assert pabulib.read(str(path)) == pabulib.read(APPROVAL)
    assert pabulib.read("\ufeff" + APPROVAL) == pabulib.read(APPROVAL)
    assert pabulib.read(b"\xef\xbb\xbf" + APPROVAL.encode()) == pabulib.read(APPROVAL)
    assert pabulib.read(io.BytesIO(b"\xef\xbb\xbf" + APPROVAL.encode())) == pabulib.read(APPROVAL)
    assert pabulib.read(io.StringIO(APPROVAL)) == pabulib.read(APPROVAL)


def test_quoted_fields_with_doubled_quotes_and_semicolons():
    text = APPROVAL.replace("1;60;2;Parc", '1;60;2;"Parc ""Jardin"" ; nord"').replace("description;Test", 'description;"a;b"')
    e = pabulib.read(text)
    assert e.projects[0].name == 'Parc "Jardin" ; nord'
    assert e.meta["description"] == "a;b"


def test_lower_case_section_names_and_blank_lines():
    text = APPROVAL.replace("META", "meta").replace("PROJECTS", "projects").replace("VOTES", "Votes")
    text = text.replace("VOTES", "VOTES").replace("voter_id;vote\n", "voter_id;vote\n\n   \n")
    assert pabulib.read(text) == pabulib.read(APPROVAL)


def test_none_and_empty_values_are_missing():
    text = APPROVAL.replace("project_id;cost;votes;name", "project_id;cost;votes;name;category;latitude")
    text = text.replace("1;60;2;Parc", "1;60;2;none;none;50.1").replace("2;50;2;École", "2;50;2;École;;NONE").replace("10;30;1;Rue", "10;30;1;Rue;culture;")
    e = pabulib.read(text)
    assert e.projects[0].name is None
    assert e.projects[0].fields == {"latitude": "50.1"}
    assert e.projects[1].fields == {}
    assert e.projects[2].fields == {"category": "culture"}


def test_fractional_budget_and_costs_are_exact():
    text = APPROVAL.replace("budget;100", "budget;748772.64").replace("1;60;2", "1;60.5;2").replace("10;30;1", "10;30.0;1")
    e = pabulib.read(text)
    assert e.budget == Fraction(74877264, 100)
    assert e.projects[0].cost == Fraction(121, 2)
    assert e.projects[2].cost == 30 and isinstance(e.projects[2].cost, int)


def test_choose_one_file():
    text = APPROVAL.replace("vote_type;approval", "vote_type;choose-1").replace("v1;1,2", "v1;1").replace("v3;2,10", "v3;2")
    text = text.replace("1;60;2;Parc", "1;60;2;Parc").replace("2;50;2;École", "2;50;1;École").replace("10;30;1;Rue", "10;30;0;Rue")
    e = pabulib.read(text)
    assert e.vote_type == "choose-1"
    assert ids(e) == [["1"], ["1"], ["2"]]


CUMULATIVE = """META
key;value
budget;100
vote_type;cumulative
max_sum_points;5
PROJECTS
project_id;cost;votes;score
a;40;2;6
b;70;2;4
VOTES
voter_id;vote;points;age;sex;voting_method
1;a,b;3,2;34;F;internet
2;b,a;2,3;none;M;paper
"""


def test_cumulative_file_with_points_and_voter_fields():
    e = pabulib.read(CUMULATIVE)
    assert e.vote_type == "cumulative"
    assert ids(e) == [["a", "b"], ["b", "a"]]
    assert e.ballots.points.tolist() == [3, 2, 2, 3]
    assert e.scores.tolist() == [6, 4]
    assert e.ballots.voter_fields == {"age": ("34", None), "sex": ("F", "M"), "voting_method": ("internet", "paper")}


def test_repeated_project_in_a_cumulative_vote_adds_its_points():
    # Częstochowa 2020 writes 4 points on one project as "579,579,579,579;1,1,1,1".
    text = CUMULATIVE.replace("1;a,b;3,2;", "1;a,a,a,b;1,1,1,2;").replace("a;40;2;6", "a;40;4;6")
    e = pabulib.read(text)
    assert ids(e)[0] == ["a", "b"]
    assert e.ballots.points.tolist()[:2] == [3, 2]
    assert e.votes.tolist() == [2, 2]


def test_scoring_file():
    text = CUMULATIVE.replace("vote_type;cumulative", "vote_type;scoring")
    assert pabulib.read(text).vote_type == "scoring"


ORDINAL = """META
key;value
budget;10
vote_type;ordinal
PROJECTS
project_id;cost;votes;score
x;5;2;4
y;5;2;4
z;5;1;1
VOTES
voter_id;vote
1;x,y,z
2;y,x
"""


def test_ordinal_file_keeps_order_and_scores_by_position():
    e = pabulib.read(ORDINAL)
    assert ids(e) == [["x", "y", "z"], ["y", "x"]]
    assert e.ballots.points is None
    assert e.scores.tolist() == [3 + 1, 2 + 2, 1]  # k, k-1, ..., 1 for a ballot of k projects


def test_ordinal_file_with_points_column():
    text = ORDINAL.replace("voter_id;vote", "voter_id;vote;points").replace("1;x,y,z", "1;x,y,z;3,2,1").replace("2;y,x", "2;y,x;3,2")
    text = text.replace("x;5;2;4", "x;5;2;5").replace("y;5;2;4", "y;5;2;5")
    e = pabulib.read(text)
    assert e.scores.tolist() == [5, 5, 1]


def test_empty_ballot():
    text = APPROVAL.replace("v2;1\n", "v2;\n").replace("1;60;2;Parc", "1;60;1;Parc")
    e = pabulib.read(text)
    assert ids(e)[1] == []
    assert e.num_voters == 3


@pytest.mark.parametrize(
    ("mutate", "error", "line"),
    [
        (lambda t: t.replace("META\n", ""), MissingSection, 1),
        (lambda t: t.split("VOTES")[0], MissingSection, 14),
        (lambda t: t.replace("PROJECTS\nproject_id;cost;votes;name\n1;60;2;Parc\n2;50;2;École\n10;30;1;Rue\n", ""), MissingSection, 9),
        (lambda t: t.replace("project_id;cost;votes;name", "id;cost;votes;name"), BadHeader, 10),
        (lambda t: t.replace("voter_id;vote\n", "voter;vote\n"), BadHeader, 15),
        (lambda t: t.replace("2;50;2;École", "2;50;2;École;extra"), WrongColumnCount, 12),
        (lambda t: t.replace("v2;1\n", "v2;1;x\n"), WrongColumnCount, 17),
        (lambda t: t.replace("budget;100", "budget;100;x"), WrongColumnCount, 6),
        (lambda t: t.replace("v3;2,10", "v3;2,11"), UnknownProject, 18),
        (lambda t: t.replace("2;50;2;École", "2;5O;2;École"), BadNumber, 12),
        (lambda t: t.replace("2;50;2;École", "2;-50;2;École"), BadNumber, 12),
        (lambda t: t.replace("2;50;2;École", "2;1,5;2;École"), BadNumber, 12),
        (lambda t: t.replace("budget;100", "budget;lots"), BadNumber, 6),
        (lambda t: t.replace("budget;100\n", ""), MissingField, 3),
        (lambda t: t.replace("vote_type;approval", "vote_type;knapsack"), UnknownVoteType, 7),
        (lambda t: t.replace("10;30;1;Rue", "2;30;1;Rue"), DuplicateId, 13),
        (lambda t: t.replace("v3;", "v1;"), DuplicateId, 18),
        (lambda t: t.replace("v3;2,10", "v3;2,2"), BadBallot, 18),
        (lambda t: t.replace("1;60;2;Parc", "1;60;3;Parc"), CountMismatch, 11),
        (lambda t: t.replace("num_votes;3", "num_votes;4"), CountMismatch, 5),
        (lambda t: t.replace("num_projects;3", "num_projects;2"), CountMismatch, 4),
        (lambda t: t.replace("project_id;cost;votes;name", "project_id;price;votes;name"), MissingField, 10),
        (lambda t: t.replace("PROJECTS", "VOTES"), MissingSection, 9),
    ],
    ids=[
        "no-meta", "no-votes", "no-projects", "bad-projects-header", "bad-votes-header", "project-extra-field",
        "vote-extra-field", "meta-extra-field", "unknown-project", "non-numeric-cost", "negative-cost",
        "comma-decimal-cost", "non-numeric-budget", "missing-budget", "unknown-vote-type", "duplicate-project",
        "duplicate-voter", "project-twice-in-vote", "votes-column-mismatch", "num-votes-mismatch",
        "num-projects-mismatch", "no-cost-column", "sections-out-of-order",
    ],
)  # fmt: skip
def test_malformed_files_raise_a_named_error_with_the_line(mutate, error, line):
    with pytest.raises(error) as info:
        pabulib.read(mutate(APPROVAL))
    assert isinstance(info.value, PabulibError)
    assert info.value.line == line
    assert str(info.value).startswith(f"line {line}: ")


def test_points_errors():
    with pytest.raises(BadBallot, match="gives 1 points") as info:
        pabulib.read(CUMULATIVE.replace("1;a,b;3,2;", "1;a,b;3;"))
    assert info.value.line == 12
    with pytest.raises(BadNumber) as info:
        pabulib.read(CUMULATIVE.replace("1;a,b;3,2;", "1;a,b;3,x;"))
    assert info.value.line == 12
    with pytest.raises(MissingField, match="points column") as info:
        pabulib.read(CUMULATIVE.replace("voter_id;vote;points;", "voter_id;vote;pts;"))
    assert info.value.line == 11


def test_choose_one_vote_with_two_projects_is_refused():
    with pytest.raises(BadBallot, match="choose-1") as info:
        pabulib.read(APPROVAL.replace("vote_type;approval", "vote_type;choose-1"))
    assert info.value.line == 16


def test_selected_must_be_0_to_3():
    text = APPROVAL.replace("project_id;cost;votes;name", "project_id;cost;votes;name;selected")
    text = text.replace("Parc", "Parc;1").replace("École", "École;4").replace("Rue", "Rue;0")
    with pytest.raises(BadNumber, match="selected") as info:
        pabulib.read(text)
    assert info.value.line == 12


def test_count_checks_can_be_disabled():
    e = pabulib.read(APPROVAL.replace("1;60;2;Parc", "1;60;3;Parc"), check_counts=False)
    assert e.votes.tolist() == [2, 2, 1]


def test_a_bare_path_string_is_read_as_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "meta.pb").write_text(APPROVAL, encoding="utf-8")
    assert pabulib.read("meta.pb") == pabulib.read(APPROVAL)  # a name, not content, despite "meta"
    with pytest.raises(FileNotFoundError):
        pabulib.read(str(tmp_path / "missing.pb"))


@pytest.mark.parametrize("name", file_names())
def test_every_stored_file_reads_with_consistent_counts(name):
    e = load(name)  # the reader checks votes/score columns and num_votes/num_projects
    assert e.num_voters > 0 and len(e.projects) > 0
    assert e.budget > 0
    assert int(np.sum(e.votes)) >= e.num_voters - int(np.sum(np.diff(e.ballots.indptr) == 0))
