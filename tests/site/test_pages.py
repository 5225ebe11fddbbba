"""Legal and institutional pages: linked from every page's footer, with default texts that say
what French law asks, edited by administrators (sanitised), the home page's text too."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.errors import Forbidden, ValidationFailed
from pb.site import services
from pb.site.pages import FOOTER, sanitize

PUBLIC = ["/", "/account/login", "/legal", "/privacy", "/charter", "/contact", "/accessibility"]


@pytest.mark.parametrize("path", PUBLIC)
def test_every_page_links_the_legal_pages_in_its_footer(client, path) -> None:
    page = client.get(path).get_data(as_text=True)
    footer = page[page.index('<footer'):]
    for kind in FOOTER:
        assert f'href="/{kind.key}"' in footer, (path, kind.key)
    assert "Accessibilité : non conforme" in footer  # the status is in the link (RGAA)


def test_the_default_texts_say_what_the_law_asks(session, client) -> None:
    territory = services.get_territory(session)
    territory.name = "Saint-Martin-d'Hères"
    session.commit()
    privacy = client.get("/privacy").get_data(as_text=True)
    for words in ("Responsable du traitement", "Saint-Martin-d", "Finalités", "Base légale", "6.1.e",
                  "Durées de conservation", "Liste électorale", "Ancien participant", "Vos droits", "rectification",
                  "effacement", "CNIL", "télécharger vos données", "Supprimer mon compte"):
        assert words in privacy, words
    statement = client.get("/accessibility").get_data(as_text=True)
    for words in ("État de conformité", "non conforme", "RGAA", "Retour d’information et contact", "Voies de recours",
                  "Défenseur des droits", "Libre réponse 71120", "Établissement de cette déclaration"):
        assert words in statement, words
    legal = client.get("/legal").get_data(as_text=True)
    assert "Éditeur du site" in legal and "Hébergement" in legal and "Directeur ou directrice de la publication" in legal
    charter = client.get("/charter").get_data(as_text=True)
    assert "Modération" in charter and "Signaler" in charter
    assert "mairie" in client.get("/contact").get_data(as_text=True)  # no address set yet: the town hall


def test_settings_fill_the_texts_and_the_statement(session, make, client) -> None:
    import datetime as dt

    admin = make.admin()
    services.save_settings(session, admin, contact_email="Budget@Ville.example", postal_address="1 place de la Mairie",
                           dpo_email="dpo@ville.example", conformity="partial", audit_date=dt.date(2026, 10, 2),
                           audit_rate=74, accent_color="#1B5E8C")
    session.commit()
    statement = client.get("/accessibility").get_data(as_text=True)
    assert "partiellement conforme" in statement and "02/10/2026" in statement and "74 %" in statement
    assert "Accessibilité : partiellement conforme" in statement
    assert re.search(r"Cette déclaration a été établie le \d\d/\d\d/\d{4}", statement)
    assert 'href="mailto:budget@ville.example"' in client.get("/contact").get_data(as_text=True)
    assert 'href="mailto:dpo@ville.example"' in client.get("/privacy").get_data(as_text=True)
    with pytest.raises(ValidationFailed) as info:
        services.save_settings(session, admin, contact_email="noreply@ville.example", postal_address="", dpo_email="",
                               conformity="none", audit_date=None, audit_rate=None, accent_color="")
    assert info.value.field == "contact_email"
    with pytest.raises(ValidationFailed) as info:
        services.save_settings(session, admin, contact_email="", postal_address="", dpo_email="",
                               conformity="full", audit_date=None, audit_rate=None, accent_color="")
    assert info.value.field == "audit_date"


def test_staff_edit_a_page_sanitised_and_go_back_to_the_default(session, make, client, auth) -> None:
    admin, resident = make.admin(), make.user()
    with pytest.raises(Forbidden):
        services.save_page(session, resident, "legal", title="Mentions", body="<p>Un texte assez long pour passer.</p>")
    session.commit()
    auth.login(resident)
    assert client.get("/admin/site/pages/legal").status_code == 403
    auth.logout()
    auth.login(admin)
    assert "/admin/site" in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/site").status_code == 200
    body = ('<h2>Éditeur</h2><p onclick="steal()">Ville de Test, <a href="javascript:alert(1)">x</a> '
            '<a href="https://ville.example/">site</a></p><script>alert(1)</script><img src="http://t/x.png">'
            '<style>body{display:none}</style>')
    response = client.post("/admin/site/pages/legal", data={"title": "Mentions légales de Test", "body": body})
    assert response.status_code == 302
    page = client.get("/legal").get_data(as_text=True)
    article = page[page.index("<article"):page.index("</article>")]
    assert "Mentions légales de Test" in article and "Ville de Test" in article
    assert "<script" not in article and "onclick" not in article and "javascript:" not in article
    assert "<img" not in article and "<style" not in article and 'href="https://ville.example/"' in article
    # A refused text comes back as typed.
    response = client.post("/admin/site/pages/legal", data={"title": "Mentions légales de Test", "body": "<p>court</p>"})
    assert response.status_code == 422 and "&lt;p&gt;court&lt;/p&gt;" in response.get_data(as_text=True)
    # Back to the default text, after a confirmation page; the audit log keeps both texts.
    assert client.get("/admin/site/pages/legal/reset").status_code == 200
    assert client.post("/admin/site/pages/legal/reset").status_code == 302
    assert "Éditeur du site" in client.get("/legal").get_data(as_text=True)
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["site.page", "site.page_reset"]


def test_the_home_page_text_is_edited_in_the_admin(session, make, client) -> None:
    assert "Une partie du budget de la ville" in client.get("/").get_data(as_text=True)
    services.save_page(session, make.admin(), "home", title="Accueil",
                       body="<p>Bienvenue sur le budget participatif de <strong>Grenoble</strong> !</p>")
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "<strong>Grenoble</strong>" in page and "Une partie du budget de la ville" not in page


def test_sanitize_keeps_structure_only() -> None:
    assert sanitize('<h2 class="x">T</h2><p><a href="mailto:a@b.fr" target="_blank">a</a></p>') == \
        '<h2>T</h2><p><a href="mailto:a@b.fr" rel="noopener noreferrer">a</a></p>'
    assert sanitize("<iframe src=//evil></iframe><p>ok</p>") == "<p>ok</p>"
