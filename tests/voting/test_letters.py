"""Voting letters by post: one A4 letter per voter with their code and the QR code of their
link, sorted by district then reference, from the file of an issuing of codes."""

from __future__ import annotations

import io
import re

import segno
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.web.csv import french_rows

from .conftest import build_world


def test_printable_letters_sorted_by_district_with_code_and_qr(client, session, make, auth) -> None:
    world = build_world(session, make, voters=7, issue=False)
    admin, resident = make.admin(), make.user()
    session.commit()
    auth.login(admin)
    base = f"/admin/editions/{world.edition.id}/voting"
    issue = client.post(base + "/tokens", data={"with_codes": "y"})
    task_url = issue.headers["Location"]
    assert "/letters" in client.get(task_url).get_data(as_text=True)  # the task page links the letters
    codes = list(french_rows(io.StringIO(client.get(task_url + "/file").get_data(as_text=True).removeprefix("\ufeff"))))
    assert len(codes) == 7

    response = client.get(task_url + "/letters")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="/static/letters.css"' in page
    letters = re.findall(r'<section class="letter" aria-label="[^"]*">(.*?)</section>', page, re.S)
    assert len(letters) == 7 and page.count("<svg") == 7
    order = {d.code: d.position for d in world.edition.districts}
    by_ref = {c["ref_votant"]: c for c in codes}
    refs = [re.search(r"(?:Reference|Référence)\W+([A-Z0-9-]+)", text).group(1) for text in letters]
    assert refs == sorted(refs, key=lambda r: (order[by_ref[r]["quartier"]], by_ref[r]["quartier"], r))
    for ref, text in zip(refs, letters):
        assert by_ref[ref]["code"] in text  # each letter carries its own voter's code
        assert by_ref[ref]["lien"] not in text  # the link itself is in the QR code only
    # Each letter's QR code encodes that voter's own link (segno's drawing of it, as printed).
    for ref, text in zip(refs, letters):
        assert segno.make(by_ref[ref]["lien"], error="m").svg_inline(scale=3, border=2) in text
    assert session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "voting.letters"
    # One district at a time.
    district = world.districts[1]
    one = client.get(task_url + f"/letters?district={district.code}").get_data(as_text=True)
    assert one.count('<section class="letter"') == sum(1 for c in codes if c["quartier"] == district.code)
    # The file deleted, no letters; and the page is for the edition's staff only.
    client.post(task_url + "/delete")
    assert client.get(task_url + "/letters").status_code == 404
    auth.logout()
    auth.login(resident)
    assert client.get(task_url + "/letters").status_code == 403
