from __future__ import annotations

from pb.i18n import catalogue_files, untranslated


def test_every_text_has_a_french_translation() -> None:
    missing = untranslated()
    listing = "\n".join(f"  {places[0]}: {msgid!r}" for msgid, places in sorted(missing.items())[:40])
    assert not missing, f"{len(missing)} text(s) without French translation (run `pb i18n update <domain>`):\n{listing}"


def test_placeholders_survive_translation() -> None:
    import re

    from babel.messages.pofile import read_po

    bad = []
    for po in catalogue_files("fr"):
        with po.open("rb") as f:
            for message in read_po(f, locale="fr"):
                if message.id and message.string:
                    names = lambda text: sorted(re.findall(r"%\((\w+)\)s", text))  # noqa: E731
                    if names(message.id) != names(message.string):
                        bad.append(f"{po.parent.parent.parent.parent.name}: {message.id!r}")
    assert bad == []


def test_pages_speak_french_by_default_and_english_on_request(client) -> None:
    french = client.get("/").get_data(as_text=True)
    assert "Budget participatif" in french and 'lang="fr"' in french
    client.get("/lang/en")
    english = client.get("/").get_data(as_text=True)
    assert "Participatory budget" in english and 'lang="en"' in english


def test_domain_errors_speak_the_reader_language(app) -> None:
    from flask_babel import force_locale

    from pb.accounts.services import InvalidCredentials

    with app.test_request_context("/"):
        with force_locale("en"):
            english = InvalidCredentials().text()
        with force_locale("fr"):
            french = InvalidCredentials().text()
    assert english == "Wrong e-mail address or password."
    assert french != english and "mot de passe" in french
