"""Copying an edition from last year: rules, districts and envelopes, councils, checklist, stations."""

from __future__ import annotations

import sqlalchemy as sa

from pb.ballotbox.models import PollingStation
from pb.ballotbox.services import stations
from pb.councils import services as councils
from pb.councils.models import Council
from pb.editions.copying import copy_edition
from pb.editions.models import Edition, Phase
from pb.review import services as review


def test_copy_an_edition_from_last_year(session, make, client, auth) -> None:
    admin = make.admin()
    source = make.edition(slug="bp-2026", ballot_type="knapsack", aggregation_rule="mes", min_choices=0,
                          max_choices=None, public_meeting_required=True, comments_during_vote=True, min_voter_age=11)
    source.name, source.year = "Budget participatif 2026", 2026
    district = source.districts[0]
    councils.save_council(session, admin, source, name="Conseil citoyen Centre", district_id=district.id,
                          members="Jeanne Dupont, présidente\nAhmed Benali")
    review.save_checklist(session, admin, source, [("Relève de la commune", ""), ("Coût réaliste", "Devis joint")])
    stations.create_station(session, admin, source, name="Mairie annexe", address="1 place du Marché",
                            district=district.code)
    stations.create_station(session, admin, source, name="Marché (hors ligne)", offline=True)
    source.phase = Phase.RESULTS
    session.commit()
    auth.login(admin)
    page = client.get(f"/admin/editions/{source.id}/copy").get_data(as_text=True)
    assert 'value="bp-2027"' in page and 'value="2027"' in page
    # A refused copy (the address is taken) keeps what was typed and leaves nothing behind.
    response = client.post(f"/admin/editions/{source.id}/copy", data={"name": "BP 2027", "slug": "bp-2026",
                                                                      "year": "2027"})
    assert response.status_code == 422 and 'value="BP 2027"' in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 1
    response = client.post(f"/admin/editions/{source.id}/copy", data={"name": "Budget participatif 2027",
                                                                      "slug": "bp-2027", "year": "2027"})
    assert response.status_code == 302
    session.expire_all()
    copy = session.scalar(sa.select(Edition).where(Edition.slug == "bp-2027"))
    assert copy.phase is Phase.DRAFT and copy.year == 2027
    assert (copy.ballot_type.value, copy.aggregation_rule, copy.max_choices, copy.public_meeting_required,
            copy.comments_during_vote, copy.min_voter_age) == ("knapsack", "mes", None, True, True, 11)
    assert copy.tie_break_seed and copy.tie_break_seed != source.tie_break_seed
    assert [(d.name, d.code, d.envelope_cents, d.population, d.is_citywide) for d in copy.districts] == \
        [(d.name, d.code, d.envelope_cents, d.population, d.is_citywide) for d in source.districts]
    council = session.scalar(sa.select(Council).where(Council.edition_id == copy.id))
    assert council.name == "Conseil citoyen Centre" and council.district.code == district.code
    assert council.district.edition_id == copy.id
    assert [(m.name, m.role) for m in council.members] == [("Jeanne Dupont", "présidente"), ("Ahmed Benali", "")]
    assert [(i.label, i.help) for i in review.checklist(session, copy)] == [("Relève de la commune", ""),
                                                                           ("Coût réaliste", "Devis joint")]
    copied = session.scalars(sa.select(PollingStation).where(PollingStation.edition_id == copy.id)
                             .order_by(PollingStation.id)).all()
    assert [(s.name, s.address, s.district.code if s.district else None, s.offline, s.officers) for s in copied] == \
        [("Mairie annexe", "1 place du Marché", district.code, False, []), ("Marché (hors ligne)", "", None, True, [])]
    assert all(s.district is None or s.district.edition_id == copy.id for s in copied)


def test_copy_needs_the_right_to_create_editions(session, make) -> None:
    import pytest

    from pb.errors import Forbidden

    source = make.edition()
    edition_admin = make.user(roles=[("admin", source)])
    with pytest.raises(Forbidden):
        copy_edition(session, edition_admin, source, name="Copie", slug="copie", year=2030)
