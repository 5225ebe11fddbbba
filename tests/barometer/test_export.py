"""The export document (pb-barometer/1) against its shipped JSON Schema, and the command."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from pb.authz import SYSTEM
from pb.barometer import export, services
from pb.barometer.cli import cli
from pb.barometer.indicators import CATALOGUE


def validate(doc):
    jsonschema.Draft202012Validator.check_schema(export.json_schema())
    jsonschema.Draft202012Validator(export.json_schema()).validate(doc)


def test_a_counted_edition_validates(session, known):
    edition, _p = known
    services.save_profile(session, SYSTEM, kind="commune", siret="213 801 855 00019", licence="Licence Ouverte 2.0",
                          licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    services.save_questionnaire(session, SYSTEM, edition, managing_service="Direction de la démocratie locale",
                                cost_band="5k-20k", objectives="Associer les habitants\nRenouveler le public",
                                evaluation="Enquête auprès des votants", low_participation_reasons="")
    doc = export.document(session, edition)
    validate(doc)
    assert doc["schema"] == "pb-barometer/1"
    assert doc["territory"] == {"name": "Villebelle", "kind": "commune", "insee": "38185", "siret": "21380185500019",
                                "population": 40_000}
    assert doc["edition"]["phase"] == "results"
    assert set(doc["indicators"]) == set(CATALOGUE)
    assert doc["indicators"]["Q8"] == {"value": {"total": 6, "online": 4, "paper": 2}, "unit": "count",
                                       "label_fr": CATALOGUE["Q8"].label_fr, "label_en": CATALOGUE["Q8"].label_en}
    assert doc["declared"] == {"managing_service": "Direction de la démocratie locale", "cost_band": "5k-20k",
                               "objectives": ["Associer les habitants", "Renouveler le public"],
                               "evaluation": "Enquête auprès des votants", "low_participation_reasons": []}


def test_an_edition_before_its_vote_validates(session, make):
    doc = export.document(session, make.edition())
    validate(doc)
    assert doc["indicators"]["Q8"]["value"] is None
    assert doc["declared"]["cost_band"] is None and doc["territory"]["siret"] is None
    assert export.profile(session).licence == "Licence Ouverte 2.0"  # the default licence of the datasets


def test_the_schema_refuses_what_is_wrong(session, known):
    doc = export.document(session, known[0])
    for path, bad in [(("indicators", "B5", "value"), "sometimes"), (("indicators", "B7", "value"), 1.5),
                      (("territory", "kind"), "village"), (("schema",), "pb-barometer/2")]:
        wrong = copy.deepcopy(doc)
        target = wrong
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = bad
        with pytest.raises(jsonschema.ValidationError):
            validate(wrong)
    missing = copy.deepcopy(doc)
    del missing["indicators"]["Q13"]
    with pytest.raises(jsonschema.ValidationError):
        validate(missing)


def test_questionnaire_refuses_a_bad_siret_and_keeps_nothing(session, make):
    from pb.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.save_profile(session, SYSTEM, kind="commune", siret="1234", licence="Licence Ouverte 2.0", licence_url="")
    assert export.profile(session).siret == ""


def test_export_command_json_and_csv(session, known, side_app, tmp_path):
    edition, _p = known
    session.commit()
    runner = side_app.test_cli_runner()
    out = tmp_path / "export.json"
    result = runner.invoke(cli, ["export", edition.slug, "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc)
    assert doc["indicators"]["Q11"]["value"] == {"total": 9, "per_voter": 1.5}
    out = tmp_path / "export.csv"
    result = runner.invoke(cli, ["export", edition.slug, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeffcode;detail;libelle;unite;valeur\r\n")
    assert "Q8;total;" in text and "Q11;per_voter;" in text and ";1,5\r\n" in text
    result = runner.invoke(cli, ["export", "no-such-edition"])
    assert result.exit_code != 0 and "Traceback" not in result.output
