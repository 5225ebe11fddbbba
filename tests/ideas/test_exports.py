"""The ideas and comments as CSV files for the councils: French Excel reads them as they are."""

from __future__ import annotations

import csv
import io

import pytest

from pb.errors import Forbidden
from pb.ideas import comments, exports, moderation


def _rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_ideas_and_comments_export_for_councils(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user(name="Alice Martin")
    idea = cycle.idea(edition, alice, title="=HYPERLINK(\"http://evil\") des bancs", cost=1_250_50,
                      address="Place Grenette", latitude=45.1885, longitude=5.7245)
    draft = cycle.idea(edition, alice, status="draft", title="Un brouillon privé")
    bob = make.user(name="Bob Nguyen")
    first = comments.add_comment(session, bob, body="Bonne idée ; à faire vite", idea=idea)
    rude = comments.add_comment(session, bob, body="Propos injurieux", idea=idea, parent_id=first.id)
    secretary = make.user(roles=["council_secretary"])
    moderation.hide(session, make.user(roles=["moderator"]), rude, "Hors charte.")
    session.commit()

    text = exports.ideas_csv(session, secretary, edition)
    assert "\r\n" in text
    rows = _rows(text)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["N°", "Titre", "Quartier", "Thématique", "Statut"]
    assert [r[0] for r in body] == [str(idea.id)] and draft.title not in text
    row = dict(zip(header, body[0]))
    assert row["Titre"].startswith("'=")  # a formula is shown, never run
    assert row["Coût estimé par ses auteurs (€)"] == "1250,50" and row["Latitude"] == "45,188500"
    assert row["Statut"] == "Déposée" and row["Auteurs"] == "Alice Martin" and row["Commentaires"] == "1"
    assert "@" not in text  # no e-mail address

    rows = _rows(exports.comments_csv(session, secretary, edition))
    header, body = rows[0], rows[1:]
    by_id = {r[0]: dict(zip(header, r)) for r in body}
    assert by_id[str(first.id)]["Texte"] == "Bonne idée ; à faire vite"
    assert by_id[str(first.id)]["Auteur"] == "Bob Nguyen"
    assert by_id[str(rude.id)]["Masqué par les modérateurs"] == "oui" and by_id[str(rude.id)]["Texte"] == ""
    assert by_id[str(rude.id)]["En réponse au commentaire n°"] == str(first.id)
    assert "Propos injurieux" not in "".join(";".join(r) for r in rows)

    with pytest.raises(Forbidden):
        exports.ideas_csv(session, bob, edition)
    auth.login(secretary)
    response = client.get(f"/admin/editions/{edition.id}/comments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    assert f"/admin/editions/{edition.id}/ideas.csv" in client.get("/admin/").get_data(as_text=True)
    auth.logout()
    auth.login(bob)
    assert client.get(f"/admin/editions/{edition.id}/ideas.csv").status_code == 403
