from __future__ import annotations

import csv
import io
import zipfile

import jsonschema

from pb.authz import SYSTEM
from pb.results import services
from pb.tally import pabulib


def _publish(session, edition):
    services.publish_run(session, SYSTEM, services.run_tally(session, SYSTEM, edition))
    session.commit()


def test_results_pages_sealed_then_pending_then_published(client, session, voted) -> None:
    from pb.editions import services as editions
    from pb.editions.models import Phase

    edition, p = voted
    session.commit()
    page = client.get(f"/editions/{edition.slug}/results").get_data(as_text=True)
    assert "Bancs" not in page and ("sealed" in page or "scellée" in page)
    assert client.get(f"/api/v1/editions/{edition.slug}/results").json["error"]["code"] == "results_sealed"
    assert client.get(f"/editions/{edition.slug}/results/projects.csv").status_code == 409
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    session.commit()
    assert "Bancs" not in client.get(f"/editions/{edition.slug}/results").get_data(as_text=True)
    response = client.get(f"/api/v1/editions/{edition.slug}/results")
    assert response.status_code == 404 and response.json["error"]["code"] == "results_not_published"
    _publish(session, edition)
    page = client.get(f"/editions/{edition.slug}/results").get_data(as_text=True)
    assert "Bancs" in page and "<svg" in page and 'role="img"' in page and "<title" in page
    assert page.count('class="bar-funded"') == 3  # bench, pool, bike


def test_results_json_matches_the_api_document(client, session, closed) -> None:
    edition, p = closed
    _publish(session, edition)
    doc = client.get("/api/v1/openapi.json").json
    response = client.get(f"/api/v1/editions/{edition.slug}/results")
    assert response.status_code == 200
    schema = doc["paths"]["/api/v1/editions/{edition}/results"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json, {**schema, "components": doc["components"]})
    first = response.json["districts"][0]
    assert first["envelope"] == 100_000_00 and first["spent"] == 60_000_00
    funded = {x["title"]: (x["votes"], x["selected"], x["funding_order"]) for x in first["projects"]}
    assert funded["Bancs"] == (7, True, 1) and funded["Piscine"] == (6, True, 2)


def test_projects_csv_is_formula_safe_and_complete(client, session, closed) -> None:
    edition, p = closed
    _publish(session, edition)
    response = client.get(f"/editions/{edition.slug}/results/projects.csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 5
    park = next(r for r in rows if "HYPERLINK" in r["titre"])
    assert park["titre"].startswith("'=")  # a spreadsheet shows it, never runs it
    bench = next(r for r in rows if r["titre"] == "Bancs")
    assert (bench["budget"], bench["nb_votes"], bench["avancement"], bench["edition"]) == ("10000", "7", "Lauréat", edition.name)


def test_pabulib_downloads_recount_to_the_published_winners(client, session, closed) -> None:
    edition, p = closed
    _publish(session, edition)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/editions/{edition.slug}/results/pabulib.zip").data))
    assert len(archive.namelist()) == 2
    one = client.get(f"/editions/{edition.slug}/results/{edition.districts[0].code}.pb").get_data(as_text=True)
    election = pabulib.read(one)
    assert election.num_voters == 11
    winners = [x.id for x in election.projects if x.selected == 1]
    from pb.tally import run

    assert sorted(run(election, "greedy").selected) == sorted(winners) == sorted([p["bench"].public_id, p["pool"].public_id])
    # Anonymised: voters numbered in the box's order, with their channel only.
    assert election.ballots.ids[:3] == ("1", "2", "3")
    assert set(election.ballots.voter_fields) == {"voting_method"}


def test_admin_counts_then_publishes_after_confirmation(client, auth, make, session, closed) -> None:
    edition, p = closed
    admin = make.user(roles=[("admin", edition)])
    session.commit()
    auth.login(admin)
    assert client.get(f"/admin/editions/{edition.id}/results").status_code == 200
    assert client.post(f"/admin/editions/{edition.id}/results").status_code == 302
    run = services.runs(session, edition)[0]
    page = client.get(f"/admin/editions/{edition.id}/results/{run.id}").get_data(as_text=True)
    assert run.inputs_hash in page
    assert services.published_run(session, edition) is None
    assert client.post(f"/admin/editions/{edition.id}/results/{run.id}").status_code == 302
    session.expire_all()
    assert services.published_run(session, edition).id == run.id


def test_a_resident_cannot_count(client, auth, make, session, closed) -> None:
    edition, _p = closed
    resident = make.user()
    session.commit()
    auth.login(resident)
    assert client.post(f"/admin/editions/{edition.id}/results").status_code == 403


def test_the_results_page_says_what_was_decided_first(client, session, make, closed) -> None:
    from pb.results.models import TallyRun

    edition, p = closed
    other = make.edition(slug="bp-other")  # another edition's count comes first in the table
    session.add(TallyRun(edition_id=other.id, rule="greedy", tie_break="lexicographic", inputs_hash="x" * 64))
    from pb.voting.models import Participation, Scope

    for i, district in enumerate([edition.districts[0]] * 11 + [edition.districts[1]] * 5):  # the sign-ins
        session.add(Participation(edition_id=edition.id, scope=Scope.DISTRICT, district_id=district.id,
                                  voter_key=f"k{i}", channel="online"))
    session.flush()
    _publish(session, edition)
    page = client.get(f"/editions/{edition.slug}/results").get_data(as_text=True)
    short = page.index("En bref")
    assert short < page.index("Bancs") < min(page.index("SHA-256"), page.index("pb tally"))
    assert "3 projets sur les 5 soumis au vote sont financés" in page
    assert "16 personnes ont voté, un bulletin chacune." in page
    assert "11 personnes ont voté pour ce périmètre, un bulletin chacune" in page
    assert "`" not in page
    # Funded or not is said in words and drawn with a pattern, not by colour alone.
    assert page.count("· financé<") == 3 and page.count("· non financé<") == 2 and page.count('fill="url(#hatch-') == 2
    admin = make.admin()
    session.commit()
    from tests.conftest import Auth

    Auth(client).login(admin)
    manage = client.get(f"/admin/editions/{edition.id}/results").get_data(as_text=True)
    assert "/results/2\">Dépouillement n° 1<" in manage  # the edition's first count, though the second in the table


def test_publishing_says_what_will_happen_first(client, auth, make, session, closed) -> None:
    edition, _p = closed
    run = services.run_tally(session, SYSTEM, edition)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    page = client.get(f"/admin/editions/{edition.id}/results/{run.id}").get_data(as_text=True)
    assert "Ce qui va se passer" in page and "projets lauréats : 3 ; projets non retenus : 2" in page
    assert "reçoivent le résultat par e-mail" in page
    assert services.published_run(session, edition) is None


def test_pabulib_lengths_never_exceed_the_projects_of_a_district(client, session, closed) -> None:
    """Pabulib's checker refuses a max_length above the number of projects: a district with fewer
    projects than the edition's maximum writes that number."""
    edition, _ = closed
    _publish(session, edition)
    edition.max_choices = 50  # more than any district has
    session.commit()
    for district in edition.districts:
        text = client.get(f"/editions/{edition.slug}/results/{district.code}.pb").get_data(as_text=True)
        if not text.startswith("META"):
            continue
        election = pabulib.read(text)
        assert int(election.meta["max_length"]) <= len(election.projects)
        assert int(election.meta["min_length"]) <= len(election.projects)
