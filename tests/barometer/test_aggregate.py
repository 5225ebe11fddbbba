"""Aggregation across territories: exports built to match the barometer's 2017 sample (61
territories) give the 2017 table; files are validated against the shipped schema."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from pb.barometer import aggregate, export
from pb.barometer.cli import cli
from pb.errors import PbError

N = 61


def sample_2017(template: dict) -> list[dict]:
    """61 exports, each a real export (`template`) with the values of one 2017 respondent:
    public meeting 19 (31 %); councils 20 (33 %); comments before the review 8, at the vote 10;
    online voting 26 (43 %: 6 online only, 20 beside paper boxes), fraud control 6 of those 26
    (23 %); digital submission 39 (64 %); budget as open data 3 (Bar-le-Duc, Paris, Rodez)."""
    docs = []
    for i in range(N):
        doc = copy.deepcopy(template)
        doc["territory"].update(name=f"Territoire {i}", insee=f"{10000 + i}", siret=f"{21000000000000 + i}")
        v = {code: item for code, item in doc["indicators"].items()}
        v["B1"]["value"] = i < 19
        v["B2"]["value"] = 10 <= i < 30
        v["B3"]["value"] = i % 7 == 0 and i < 50  # 0, 7, ..., 49: 8 territories
        v["B4"]["value"] = i % 6 == 1  # 1, 7, ..., 55: 10 territories
        v["B5"]["value"] = "online" if i < 6 else "both" if i < 26 else "paper"
        v["B6"]["value"] = (("register_tokens", "sms", "franceconnect", "postal_code", "sms", "register_tokens")[i]
                            if i < 6 else "email" if i < 26 else None)
        v["B7"]["value"] = 0.5 if i >= N - 39 else 0.0
        v["B8"]["value"] = ["projects", "budget"] if i < 3 else ["projects"] if i < 20 else []
        v["Q9"]["value"] = {"total": 0.01 * (1 + i % 10), "districts": {}}
        v["G4"]["value"] = "low" if i % 10 == 0 else "high" if i % 10 >= 7 else "normal"
        docs.append(doc)
    return docs


@pytest.fixture
def exports(session, known):
    template = export.document(session, known[0])
    docs = sample_2017(template)
    validator = jsonschema.Draft202012Validator(export.json_schema())
    for doc in docs:
        validator.validate(doc)
    return docs


def test_the_2017_sample_gives_the_2017_table(exports):
    result = aggregate.aggregate(exports)
    jsonschema.Draft202012Validator(json.loads((export.SCHEMA_DIR / "pb-barometer-aggregate-1.json").read_text())
                                    ).validate(result)
    items = result["items"]
    assert result["territories"] == N
    assert (items["B1"]["yes"], items["B1"]["of"], round(items["B1"]["share"], 2)) == (19, 61, 0.31)
    assert (items["B2"]["yes"], round(items["B2"]["share"], 2)) == (20, 0.33)
    assert items["B3"]["yes"] == 8
    assert (items["B4"]["yes"], round(items["B4"]["share"], 2)) == (10, 0.16)
    assert items["B5"]["of"] == 61 and round(items["B5"]["online_share"], 2) == 0.43
    assert (items["B5"]["online"], items["B5"]["both"], items["B5"]["paper"], items["B5"]["none"]) == (6, 20, 35, 0)
    assert (items["B6"]["of"], items["B6"]["controlled"], round(items["B6"]["share"], 2)) == (26, 6, 0.23)
    assert items["B6"]["levels"]["email"] == 20
    assert (items["B7"]["yes"], round(items["B7"]["share"], 2)) == (39, 0.64)
    assert items["B8"]["datasets"]["budget"] == 3 and items["B8"]["of"] == 61
    assert result["quantitative"]["Q9"]["n"] == 61
    assert result["levels"]["G4"] == {"low": 7, "normal": 36, "high": 18}


def test_the_latest_edition_of_each_territory(exports):
    older = copy.deepcopy(exports[0])
    older["edition"]["year"] -= 1
    older["indicators"]["B1"]["value"] = False
    result = aggregate.aggregate([older, *exports])
    assert result["territories"] == N and result["items"]["B1"]["yes"] == 19


def test_markdown_and_csv_tables(exports):
    result = aggregate.aggregate(exports)
    md = aggregate.to_markdown(result)
    assert "| B1 | Réunion publique obligatoire pour les porteurs de projets | 19 | 61 | 31 % |" in md
    assert "| B6 | Contrôle de la fraude (parmi les territoires votant en ligne) | 6 | 26 | 23 % |" in md
    csv = aggregate.to_csv(result)
    assert csv.startswith("\ufeffcode;indicateur;nombre;sur;part\r\n")
    assert "B8.budget;Données ouvertes : budget;3;61;0,0492\r\n" in csv


def test_aggregate_command(exports, tmp_path):
    paths = []
    for i, doc in enumerate(exports):
        path = tmp_path / f"t{i}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        paths.append(str(path))
    from click.testing import CliRunner

    runner = CliRunner()  # no application: the aggregation needs no database
    result = runner.invoke(cli, ["aggregate", "--format", "json", *paths])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"]["B6"]["controlled"] == 6
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "pb-barometer/1", "territory": {}}', encoding="utf-8")
    result = runner.invoke(cli, ["aggregate", paths[0], str(bad)])
    assert result.exit_code != 0 and "bad.json" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"schema": "other"}', b"\xff\xfe", b"[" * 100_000])
def test_a_wrong_file_is_refused_by_name(data):
    with pytest.raises(PbError) as refused:
        aggregate.parse("ville.json", data)
    assert "ville.json" in refused.value.text()
