from __future__ import annotations

import pytest

from pb.authz import SYSTEM
from pb.editions import services
from pb.editions.models import District, Edition, Phase


def test_admin_creates_an_edition_with_districts_rules_and_calendar(client, make, auth, session) -> None:
    admin = make.admin()
    session.commit()
    auth.login(admin)
    response = client.post("/admin/editions/new", data={"name": "Budget participatif 2028", "slug": "bp-2028", "year": 2028,
                                                        "description": "Votre budget"})
    assert response.status_code == 302
    edition = session.query(Edition).filter_by(slug="bp-2028").one()
    response = client.post(f"/admin/editions/{edition.id}/districts/new",
                           data={"name": "Centre", "code": "centre", "envelope_cents": "150 000,50 €", "population": 12000})
    assert response.status_code == 302
    response = client.post(f"/admin/editions/{edition.id}/districts/new",
                           data={"name": "Nord", "code": "nord", "envelope_cents": "deux cents", "population": 1})
    assert response.status_code == 422
    assert "Type an amount in euros" in response.get_data(as_text=True) or "montant" in response.get_data(as_text=True)
    session.expire_all()
    assert [(d.code, d.envelope_cents) for d in session.query(District).filter_by(edition_id=edition.id)] == [("centre", 15_000_050)]
    rules = {"ballot_type": "knapsack", "min_choices": 1, "max_choices": "", "knapsack_min_share": 50,
             "aggregation_rule": "mes-add1", "tie_break": "cost-votes-draw", "tie_break_seed": "seed-2028",
             "online_voting": "y", "paper_voting": "y", "min_voter_age": 11, "residence_rule": "choice",
             "verification": "register", "comments_before_review": "y"}
    assert client.post(f"/admin/editions/{edition.id}/rules", data=rules).status_code == 302
    session.expire_all()
    edition = session.get(Edition, edition.id)
    assert (edition.ballot_type, edition.aggregation_rule, edition.max_choices, edition.comments_during_vote) == (
        "knapsack", "mes-add1", None, False)
    response = client.post(f"/admin/editions/{edition.id}/calendar", data={
        "submission_starts": "2028-01-10T09:00", "submission_ends": "2028-02-10T18:00",
        "vote_starts": "2028-05-01T09:00", "vote_ends": "2028-05-15T20:00"})
    assert response.status_code == 302
    session.expire_all()
    window = session.get(Edition, edition.id).window(Phase.VOTE)
    assert window.starts_at.hour == 7  # 09:00 in Paris in May is 07:00 UTC
    public = client.get("/editions/bp-2028").get_data(as_text=True)
    assert "Centre" in public and "150" in public


def test_rules_form_shows_the_error_on_its_field(client, make, auth, session) -> None:
    admin = make.admin()
    edition = make.edition()
    session.commit()
    auth.login(admin)
    response = client.post(f"/admin/editions/{edition.id}/rules", data={
        "ballot_type": "approval", "min_choices": 1, "max_choices": 3, "knapsack_min_share": 0,
        "aggregation_rule": "mj", "tie_break": "lexicographic", "min_voter_age": 16, "residence_rule": "residence",
        "verification": "register", "online_voting": "y"})
    assert response.status_code == 422
    assert 'id="aggregation_rule-error"' in response.get_data(as_text=True)


def test_frozen_rules_are_disabled_in_the_form_and_refused(client, make, auth, session) -> None:
    admin = make.admin()
    edition = make.edition()
    services.set_phase(session, SYSTEM, edition, Phase.VOTE)
    session.commit()
    auth.login(admin)
    page = client.get(f"/admin/editions/{edition.id}/rules").get_data(as_text=True)
    assert 'disabled id="ballot_type"' in page or 'id="ballot_type" disabled' in page or "disabled" in page.split('id="ballot_type"')[0][-60:] + page.split('id="ballot_type"')[1][:60]
    # Posting only the open fields works; the outcome rules are untouched.
    response = client.post(f"/admin/editions/{edition.id}/rules", data={"comments_during_vote": "y"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Edition, edition.id).comments_during_vote is True


def _admin_on(make, auth, session, phase: Phase | None = None):
    """An administrator logged in, and an edition (moved to `phase`)."""
    admin = make.admin()
    edition = make.edition()
    if phase is not None:
        services.set_phase(session, SYSTEM, edition, phase)
    session.commit()
    auth.login(admin)
    return edition


def test_phase_change_needs_confirmation_to_open_the_vote(client, make, auth, session) -> None:
    edition = _admin_on(make, auth, session)
    response = client.post(f"/admin/editions/{edition.id}/phase", data={"phase": "vote"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ce qui va se passer" in page and "gèlent" in page
    assert 'name="confirm" value="yes"' in page
    session.expire_all()
    assert session.get(Edition, edition.id).phase is Phase.DRAFT
    response = client.post(f"/admin/editions/{edition.id}/phase", data={"phase": "vote", "confirm": "yes"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Edition, edition.id).phase is Phase.VOTE


@pytest.mark.parametrize("current, target, words", [
    (Phase.REVIEW, Phase.SUBMISSION, ["revient de « Étude technique » à « Dépôt des idées »"]),
    (Phase.VOTE, Phase.RESULTS, ["Le vote se termine", "ne pourra jamais être rouvert"]),
    (Phase.SUBMISSION, Phase.VOTE, ["sont sautées : Étude technique", "gèlent"]),
])
def test_irreversible_phase_changes_say_what_will_happen_first(client, make, auth, session, current, target,
                                                              words) -> None:
    edition = _admin_on(make, auth, session, current)
    page = client.post(f"/admin/editions/{edition.id}/phase", data={"phase": target.value}).get_data(as_text=True)
    assert all(w in page for w in words), page
    session.expire_all()
    assert session.get(Edition, edition.id).phase is current


def test_an_ordinary_step_forward_needs_no_confirmation(client, make, auth, session) -> None:
    edition = _admin_on(make, auth, session)
    assert client.post(f"/admin/editions/{edition.id}/phase", data={"phase": "submission"}).status_code == 302


@pytest.mark.parametrize("current", [Phase.SUBMISSION, Phase.REVIEW, Phase.VOTE])
def test_the_phase_form_never_preselects_a_step_back(client, make, auth, session, current) -> None:
    import re

    edition = _admin_on(make, auth, session, current)
    page = client.get(f"/admin/editions/{edition.id}/phase").get_data(as_text=True)
    options = re.findall(r'<option (selected )?value="(\w+)"|<option value="(\w+)" (selected)', page)
    selected = [o[1] or o[2] for o in options if o[0] or o[3]]
    assert selected == [list(Phase)[current.rank + 1].value]


def test_draft_editions_are_hidden_from_the_public(client, make, session) -> None:
    edition = make.edition(slug="secret-draft")
    session.commit()
    assert client.get("/editions/secret-draft").status_code == 404
    assert "secret-draft" not in client.get("/").get_data(as_text=True)
    services.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    session.commit()
    assert client.get("/editions/secret-draft").status_code == 200
