"""The barometer's pages: dashboard, open-data page and files, staff pages, aggregation upload."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from pb.authz import SYSTEM
from pb.barometer import export, services
from pb.barometer.models import Dataset
from pb.barometer.opendata import SCDL_COLUMNS
from pb.results import services as results
from tests.barometer.test_aggregate import sample_2017


def publish_results(session, edition):
    tally = results.run_tally(session, SYSTEM, edition)
    results.publish_run(session, SYSTEM, tally)


@pytest.fixture
def opened(session, known):
    """The counted edition with its results published, a SIRET, and every dataset published."""
    edition, p = known
    services.save_profile(session, SYSTEM, kind="commune", siret="21380185500019", licence="Licence Ouverte 2.0",
                          licence_url="https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    publish_results(session, edition)
    for dataset in Dataset:
        services.publish_dataset(session, SYSTEM, edition, dataset)
    session.commit()
    return edition, p


def rows_of(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def test_open_data_page_lists_published_datasets_with_licence_and_update(client, session, opened):
    edition, _p = opened
    page = client.get(f"/editions/{edition.slug}/open-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("Licence Ouverte 2.0") >= 6 and "Dernière mise à jour" in html
    for path in ("open-data/projets.csv", "open-data/idees.csv", "open-data/suivi.csv", "open-data/budget.csv",
                 "open-data/indicateurs.json", "results/pabulib.zip"):
        assert path in html
    assert client.get(f"/editions/{edition.slug}/open-data/indicateurs.json").json["schema"] == "pb-barometer/1"


def test_projects_csv_follows_the_paris_model(client, session, opened):
    edition, p = opened
    rows = rows_of(client.get(f"/editions/{edition.slug}/open-data/projets.csv"))
    assert list(rows[0]) == ["coll_siret", "edition", "identifiant_projet", "titre", "theme", "arrondissement", "adresse",
                             "latitude", "longitude", "budget", "statut_instruction", "avancement", "motif_refus",
                             "nb_votants", "nb_votes", "canal", "date_vote", "date_debut_travaux", "date_livraison"]
    parc = next(r for r in rows if r["titre"] == "Parc")
    assert parc["coll_siret"] == "21380185500019" and parc["avancement"] == "Livré"
    assert parc["budget"] == "50000" and parc["nb_votes"] == "2" and parc["nb_votants"] == "2"
    assert parc["canal"] == "Formulaire papier, Réunion publique"
    assert parc["date_vote"] == "2027-03-31" and parc["date_livraison"] == "2027-09-30"
    assert parc["statut_instruction"] == "Faisable"


def test_ideas_csv_with_the_review_outcome(client, session, opened):
    edition, _p = opened
    rows = rows_of(client.get(f"/editions/{edition.slug}/open-data/idees.csv"))
    assert len(rows) == 6  # the draft is not published
    assert {r["statut"] for r in rows} >= {"Non recevable", "Fusionnée dans un projet"}
    assert all(not re.search(r"@", ";".join(r.values())) for r in rows)  # no author's e-mail


def test_budget_csv_against_the_scdl_columns(client, session, opened):
    """Every SCDL budget rule the file can break: columns and their order, required values,
    allowed values, the SIRET pattern, numbers with a decimal point."""
    edition, _p = opened
    text = client.get(f"/editions/{edition.slug}/open-data/budget.csv").get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == SCDL_COLUMNS
    rows = list(reader)
    assert len(rows) == 3  # the funded projects still funded (the abandoned would not be)
    required = ["BGT_NATDEC", "BGT_ANNEE", "BGT_SIRET", "BGT_NOM", "BGT_CONTNAT", "BGT_CONTNAT_LABEL", "BGT_NATURE",
                "BGT_NATURE_LABEL", "BGT_SECTION", "BGT_OPBUDG", "BGT_CODRD"]
    allowed = {"BGT_NATDEC": {"budget primitif", "budget supplémentaire", "décision modificative", "compte administratif"},
               "BGT_SECTION": {"investissement", "fonctionnement"}, "BGT_OPBUDG": {"réel", "ordre"},
               "BGT_CODRD": {"recette", "dépense"}, "BGT_ARTSPE": {"", "non spécialisé", "spécialisé"}}
    for row in rows:
        assert all(row[c] for c in required)
        assert all(row[c] in values for c, values in allowed.items())
        assert re.fullmatch(r"\d{14}", row["BGT_SIRET"]) and re.fullmatch(r"\d{4}", row["BGT_ANNEE"])
        assert 1 <= len(row["BGT_CONTNAT"]) <= 9 and 1 <= len(row["BGT_NATURE"]) <= 9
        assert row["BGT_SECTION"] == "investissement" and row["BGT_CODRD"] == "dépense"
        assert edition.name in row["BGT_OPERATION"]
        float(row["BGT_MTPREV"])
        for c in ("BGT_MTREAL", "BGT_MTBUDGPREC", "BGT_MTRARPREC", "BGT_MTPROPNOUV", "BGT_CREDOUV", "BGT_MTRAR3112"):
            assert row[c] == "" or float(row[c]) is not None
    assert sorted(float(r["BGT_MTPREV"]) for r in rows) == [50_000.0, 60_000.0, 150_000.0]


def test_unpublished_datasets_do_not_exist(client, session, known):
    edition, _p = known
    session.commit()
    for path in ("projets.csv", "idees.csv", "suivi.csv", "budget.csv", "indicateurs.json", "autre.csv"):
        assert client.get(f"/editions/{edition.slug}/open-data/{path}").status_code == 404
    assert "Aucun jeu de données" in client.get(f"/editions/{edition.slug}/open-data").get_data(as_text=True)


def test_a_dataset_not_ready_is_refused_and_nothing_is_kept(client, session, auth, make, known):
    edition, _p = known
    admin = make.admin()
    session.commit()
    auth.login(admin)
    response = client.post(f"/admin/editions/{edition.id}/barometer/datasets/budget/publish", follow_redirects=True)
    assert "SIRET" in response.get_data(as_text=True)
    response = client.post(f"/admin/editions/{edition.id}/barometer/datasets/results/publish", follow_redirects=True)
    assert "résultats ne sont pas publiés" in response.get_data(as_text=True)
    session.expire_all()
    assert services.published(session, edition) == {}
    assert client.post(f"/admin/editions/{edition.id}/barometer/datasets/nothing/publish").status_code == 404


def test_staff_publish_and_withdraw(client, session, auth, make, known):
    edition, _p = known
    admin = make.admin()
    session.commit()
    auth.login(admin)
    assert client.post(f"/admin/editions/{edition.id}/barometer/datasets/projects/publish").status_code == 302
    session.expire_all()
    assert list(services.published(session, edition)) == [Dataset.PROJECTS]
    assert export.indicator_values(session, edition)["B8"] == ["projects"]
    client.post(f"/admin/editions/{edition.id}/barometer/datasets/projects/unpublish")
    session.expire_all()
    assert export.indicator_values(session, edition)["B8"] == []


def test_questionnaire_form_saves_and_exports(client, session, auth, make, known):
    edition, _p = known
    admin = make.admin()
    session.commit()
    auth.login(admin)
    page = client.get(f"/admin/editions/{edition.id}/barometer")
    assert page.status_code == 200 and "Q16" in page.get_data(as_text=True)
    response = client.post(f"/admin/editions/{edition.id}/barometer", data={
        "managing_service": "Mission participation", "cost_band": "1k-5k", "objectives": "Associer\n\nInformer",
        "evaluation": "Bilan en conseil municipal", "low_participation_reasons": "Communication tardive"})
    assert response.status_code == 302
    doc = client.get(f"/admin/editions/{edition.id}/barometer/export.json").json
    assert doc["declared"] == {"managing_service": "Mission participation", "cost_band": "1k-5k",
                               "objectives": ["Associer", "Informer"], "evaluation": "Bilan en conseil municipal",
                               "low_participation_reasons": ["Communication tardive"]}
    assert "Mission participation" in client.get(f"/admin/editions/{edition.id}/barometer").get_data(as_text=True)
    bad = client.post(f"/admin/editions/{edition.id}/barometer", data={"cost_band": "free", "evaluation": "gardé"})
    assert bad.status_code == 422 and "gardé" in bad.get_data(as_text=True)
    csv_export = client.get(f"/admin/editions/{edition.id}/barometer/export.csv")
    assert csv_export.get_data(as_text=True).startswith("\ufeffcode;detail;libelle;unite;valeur")


def test_staff_pages_are_for_staff(client, session, auth, make, known):
    edition, _p = known
    resident = make.user()
    session.commit()
    assert client.get(f"/admin/editions/{edition.id}/barometer").status_code == 302  # to the login page
    auth.login(resident)
    for url in (f"/admin/editions/{edition.id}/barometer", f"/admin/editions/{edition.id}/barometer/export.json",
                "/admin/barometer/settings", "/admin/barometer/aggregate"):
        assert client.get(url).status_code == 403, url


def test_settings_refuse_a_bad_siret_and_keep_the_text(client, session, auth, make):
    admin = make.admin()
    session.commit()
    auth.login(admin)
    response = client.post("/admin/barometer/settings", data={"kind": "commune", "siret": "123",
                                                              "licence": "Licence Ouverte 2.0", "licence_url": ""})
    assert response.status_code == 422 and "14 chiffres" in response.get_data(as_text=True)
    response = client.post("/admin/barometer/settings", data={"kind": "epci", "siret": "200 040 715 00012",
                                                              "licence": "ODbL", "licence_url": ""})
    assert response.status_code == 302
    session.expire_all()
    assert (export.profile(session).siret, export.profile(session).licence) == ("20004071500012", "ODbL")


def test_aggregate_page_with_uploaded_exports(client, session, auth, make, known):
    admin = make.admin()
    docs = sample_2017(export.document(session, known[0]))
    session.commit()
    auth.login(admin)
    files = [(io.BytesIO(json.dumps(d).encode()), f"t{i}.json") for i, d in enumerate(docs)]
    page = client.post("/admin/barometer/aggregate", data={"files": files}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Territoires comparés : 61" in html and "<svg" in html
    assert re.search(r"<th scope=\"row\">B6</th>.*?<td class=\"num\">6</td><td class=\"num\">26</td>", html, re.S)
    bad = client.post("/admin/barometer/aggregate", data={"files": [(io.BytesIO(b"{}"), "ville.json")]},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "ville.json" in bad.get_data(as_text=True)


def test_dashboard_counts_only(client, session, voting):
    """During the vote the dashboard shows sign-ins over time, by district and channel; no
    project's votes appear anywhere."""
    edition, p = voting
    session.commit()
    page = client.get(f"/editions/{edition.slug}/dashboard")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<svg") >= 5 and html.count("<table") >= 5
    assert "Quartier 1" in html and "Participation par heure" in html
    assert "0,02\u00a0%" in html or "0,02 %" in html or "0,02\u202f%" in html  # Quartier 1: 2 voters of 10 000
    for project in p.values():
        assert project.title not in html  # no partial result, not even a project's name


def test_dashboard_before_the_vote(client, session, make):
    edition = make.edition()
    session.commit()
    assert client.get(f"/editions/{edition.slug}/dashboard").status_code == 404  # an edition in preparation
