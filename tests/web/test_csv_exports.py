"""Every CSV a person downloads opens in French Excel: `;` between cells, UTF-8 with a BOM,
French column names (pb.web.csv). The test walks the app's routes: a route serving CSV that is
not listed below fails it, so a new export is checked from its first day."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from pb.authz import SYSTEM
from pb.barometer import services as barometer
from pb.barometer.models import Dataset
from pb.barometer.opendata import IDEA_COLUMNS, IMPLEMENTATION_COLUMNS, PROJECT_COLUMNS, SCDL_COLUMNS
from pb.voting.jobs import TOKEN_COLUMNS
from pb.voting.services.register import REPORT_COLUMNS
from pb.web.csv import french_csv, french_value, safe_cell

EXPORT_HEADER = ["code", "detail", "libelle", "unite", "valeur"]
# Endpoints that serve CSV without `.csv` in their address.
CSV_WITHOUT_SUFFIX = {"voting_admin.task_file", "barometer.download_export"}
# Files for machines, in a national standard that fixes their columns (and says why).
MACHINE_FORMATS = {"barometer.data_csv (budget)": "SCDL budget (schema.data.gouv.fr/scdl/budget): its own columns"}


def csv_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if ".csv" in r.rule} | CSV_WITHOUT_SUFFIX


@pytest.fixture
def downloads(session, make, auth, client):
    """endpoint -> (the response, the header expected) for every CSV export."""
    from tests.barometer.conftest import build_voting, count
    from tests.barometer.test_views import publish_results

    admin = make.admin()
    edition, _p = count(session, build_voting(session, make))  # the constructed edition of tests/barometer
    barometer.save_profile(session, SYSTEM, kind="commune", siret="21380185500019", licence="Licence Ouverte 2.0",
                           licence_url="")
    publish_results(session, edition)
    for dataset in Dataset:
        barometer.publish_dataset(session, SYSTEM, edition, dataset)
    draft = make.edition()
    session.commit()
    auth.login(admin)
    slug = edition.slug
    got = {
        "results.projects_csv": (client.get(f"/editions/{slug}/results/projects.csv"), PROJECT_COLUMNS),
        "barometer.data_csv (projets)": (client.get(f"/editions/{slug}/open-data/projets.csv"), PROJECT_COLUMNS),
        "barometer.data_csv (idees)": (client.get(f"/editions/{slug}/open-data/idees.csv"), IDEA_COLUMNS),
        "barometer.data_csv (suivi)": (client.get(f"/editions/{slug}/open-data/suivi.csv"), IMPLEMENTATION_COLUMNS),
        "barometer.data_csv (budget)": (client.get(f"/editions/{slug}/open-data/budget.csv"), SCDL_COLUMNS),
        "barometer.download_export": (client.get(f"/admin/editions/{edition.id}/barometer/export.csv"), EXPORT_HEADER),
    }
    base = f"/admin/editions/{draft.id}/voting"
    register = "last_name;first_name;birth_date;district\nMartin;Léa;1990-01-01;q1\nDurand;Paul;pas une date;q2\n"
    upload = client.post(base + "/import", data={"file": (io.BytesIO(register.encode()), "registre.csv")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302, upload.get_data(as_text=True)
    report = client.get(upload.headers["Location"] + "/file")
    tokens = client.post(base + "/tokens", data={"with_codes": "y"})
    got["voting_admin.task_file"] = (report, REPORT_COLUMNS)
    got["voting_admin.task_file (codes)"] = (client.get(tokens.headers["Location"] + "/file"), TOKEN_COLUMNS)
    return got


def test_every_csv_route_is_checked(app, downloads):
    from pb.barometer.opendata import CSV_FILES

    covered = {name.split(" ")[0] for name in downloads}
    assert csv_endpoints(app) <= covered, f"CSV routes not checked here: {csv_endpoints(app) - covered}"
    assert {f"barometer.data_csv ({name})" for name in CSV_FILES} <= set(downloads)  # every open-data file


def test_every_csv_export_opens_in_french_excel(downloads):
    for name, (response, header) in downloads.items():
        assert response.status_code == 200, name
        text = response.data.decode("utf-8")
        if name in MACHINE_FORMATS:
            assert text.splitlines()[0].split(",") == header, name  # the standard's columns, as the standard says
            continue
        assert response.mimetype == "text/csv", name
        assert text.startswith("\ufeff"), f"{name}: no BOM"
        first = text[1:].split("\r\n")[0]
        assert first.split(";") == header, f"{name}: {first}"
        assert "," not in first, name
        rows = text[1:].split("\r\n")[1:]
        assert rows and all(r.count(";") >= len(header) - 1 for r in rows if r and '"' not in r), name
    french_words = {"statut", "motif", "ligne", "titre", "quartier", "lien", "libelle", "valeur"}
    assert all(any(h in french_words or h.startswith(("nb_", "date_", "identifiant_", "coll_")) for h in header)
               for name, (_r, header) in downloads.items() if name not in MACHINE_FORMATS)


def test_french_values():
    assert french_value(12.5) == "12,5" and french_value(50000.0) == "50000" and french_value(3) == "3"
    assert french_value(True) == "oui" and french_value(False) == "non" and french_value(None) == ""
    assert french_value(dt.date(2027, 3, 1)) == "2027-03-01"
    for formula in ("=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert french_value(formula) == "'" + formula and safe_cell(formula) == "'" + formula
    text = french_csv(["titre", "budget"], [["=HYPERLINK(\"x\")", 1.5], ["a;b", None]])
    assert text == "\ufefftitre;budget\r\n\"'=HYPERLINK(\"\"x\"\")\";1,5\r\n\"a;b\";\r\n"
    with pytest.raises(ValueError):
        french_csv(["a", "b"], [[1]])
