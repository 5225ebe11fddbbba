"""``pb tally``: the command works on its own with click's runner, without an app context."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from pb.tally.cli import tally_command

from .helpers import REPO_ROOT, load


def invoke(*args):
    return CliRunner().invoke(tally_command, [str(a) for a in args])


def test_json_output_of_a_real_file(pabulib_dir):
    result = invoke(pabulib_dir / "Netherlands_Assen_2024.pb", "--rule", "auto", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    e = load("Netherlands_Assen_2024.pb")
    assert set(data["selected"]) == {p.id for p in e.projects if p.selected == 1}
    assert data["selected"] == ["3", "9", "11", "2", "13", "14", "5", "6", "12"]  # funding order
    assert data["rule"] == "mes-add1" and data["pabulib_rule"] == "equalshares/add1"
    assert data["budget"] == 100000 and data["spent"] == 76700
    assert "explanation" not in data
    with_expl = json.loads(invoke(pabulib_dir / "Netherlands_Assen_2024.pb", "--json", "--explain").output)
    assert with_expl["explanation"]["kind"] == "mes"


def test_human_output_is_a_table(pabulib_dir):
    result = invoke(pabulib_dir / "Poland_Warszawa_2018_Praga-Poludnie.pb")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Poland_Warszawa_2018_Praga-Poludnie.pb: greedy-threshold")
    assert "budget 748,772.64" in lines[1]
    header = next(line for line in lines if line.split()[:2] == ["#", "project"])
    assert header.split() == ["#", "project", "name", "cost", "votes", "funded"]
    assert "lexicographic order" in result.output
    fr = invoke(pabulib_dir / "Poland_Warszawa_2018_Praga-Poludnie.pb", "--lang", "fr", "--explain")
    assert "lexicographique" in fr.output and "financé" in fr.output


def test_options(pabulib_dir):
    path = pabulib_dir / "Poland_Wroclaw_2017.pb"
    greedy = json.loads(invoke(path, "--rule", "greedy", "--json").output)
    no_skip = json.loads(invoke(path, "--json").output)
    assert no_skip["rule"] == "greedy-no-skip" and greedy["rule"] == "greedy"
    draw = json.loads(invoke(path, "--rule", "mes", "--tie-break", "cost-votes-draw", "--seed", "42", "--json").output)
    assert draw["tie_break"] == "cost-votes-draw:42"
    add1 = json.loads(invoke(pabulib_dir / "Netherlands_Assen_2024.pb", "--rule", "mes-add1", "--increment", "10", "--json").output)
    assert add1["details"]["increment"] == 10
    thr = json.loads(invoke(path, "--rule", "greedy-threshold", "--threshold", "5000", "--json").output)
    assert thr["details"] == {"threshold": 5000}


def test_bad_file_is_a_clear_error_with_exit_code_2(tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;abc\nVOTES\nvoter_id;vote\n1;1\n")
    result = invoke(bad)
    assert result.exit_code == 2
    assert "bad.pb: line 7: cost of project 1 'abc' is not a non-negative decimal number" in result.output
    assert "Traceback" not in result.output
    bad.write_text("META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;10\nVOTES\nvoter_id;vote\n1;2\n")
    assert "line 10: the vote names project '2'" in invoke(bad).output


def test_unusable_rule_or_option_exits_2(pabulib_dir, tmp_path):
    result = invoke(pabulib_dir / "Poland_Poznan_2023.pb", "--rule", "auto")
    assert result.exit_code == 2 and "'greedy-custom' is not implemented by pb" in result.output
    result = invoke(pabulib_dir / "Poland_Zabrze_2020.pb", "--tie-break", "cost-votes-draw")
    assert result.exit_code == 2 and "seed" in result.output
    result = invoke(pabulib_dir / "Poland_Zabrze_2020.pb", "--rule", "mes-add1", "--increment", "abc")
    assert result.exit_code == 2
    assert invoke(tmp_path / "missing.pb").exit_code == 2
    assert invoke(pabulib_dir / "Poland_Zabrze_2020.pb", "--rule", "borda").exit_code == 2


def test_runs_as_a_module(pabulib_dir):
    proc = subprocess.run(
        [sys.executable, "-m", "pb.tally.cli", str(pabulib_dir / "Poland_Zabrze_2020.pb"), "--json"],
        capture_output=True, text=True, cwd=REPO_ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["selected"] == ["P0093"]
