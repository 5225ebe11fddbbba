from __future__ import annotations

import io

import pytest

from pb.db import utcnow
from pb.errors import Forbidden
from pb.ideas import services, uploads
from pb.ideas.models import IdeaStatus

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def test_files_are_checked_by_content_and_stored_under_random_names(session, cycle, make, upload_dir) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    image = uploads.add_attachment(session, alice, idea, io.BytesIO(PNG), "Plan du square")
    jpeg = uploads.add_attachment(session, alice, idea, io.BytesIO(JPEG))
    pdf = uploads.add_attachment(session, alice, idea, io.BytesIO(PDF), "../../etc/passwd")
    assert (image.content_type, jpeg.content_type, pdf.content_type) == ("image/png", "image/jpeg", "application/pdf")
    assert image.label == "Plan du square" and jpeg.label == "Image"
    for a in (image, jpeg, pdf):
        assert len(a.stored_name) == 32 and all(c in "0123456789abcdef" for c in a.stored_name)
        assert (upload_dir / a.stored_name).read_bytes()[:4] in (PNG[:4], JPEG[:4], PDF[:4])
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted(a.stored_name for a in (image, jpeg, pdf))


@pytest.mark.parametrize("content", [b"MZ\x90\x00 windows program", b"<svg onload=alert(1)>", b"GIF89a...",
                                     b"\x89PN truncated"])
def test_other_types_are_refused_whatever_their_name(session, cycle, make, upload_dir, content) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    with pytest.raises(uploads.FileTypeRefused):
        uploads.add_attachment(session, alice, idea, io.BytesIO(content), "photo.png")
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []


def test_size_is_limited(session, cycle, make, upload_dir) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    with pytest.raises(uploads.FileTooLarge) as info:
        uploads.add_attachment(session, alice, idea, io.BytesIO(PNG + b"0" * (1024 * 1024)))
    assert info.value.status == 413 and "1 Mo" in info.value.text()
    uploads.add_attachment(session, alice, idea, io.BytesIO(PNG + b"0" * (1024 * 1024 - len(PNG))))


def test_only_authors_add_files_while_the_idea_is_editable(session, cycle, make, upload_dir) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    with pytest.raises(Forbidden):
        uploads.add_attachment(session, make.user(), idea, io.BytesIO(PNG))
    decided = cycle.idea(edition, alice, status=IdeaStatus.ADMISSIBLE)
    with pytest.raises(services.IdeaLocked):
        uploads.add_attachment(session, alice, decided, io.BytesIO(PNG))


def test_files_are_served_with_their_type_and_disposition(session, cycle, make, upload_dir, client) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    image = uploads.add_attachment(session, alice, idea, io.BytesIO(PNG), "Plan")
    pdf = uploads.add_attachment(session, alice, idea, io.BytesIO(PDF), "Devis")
    session.commit()
    base = f"/editions/{edition.slug}/ideas/{idea.id}/files"
    response = client.get(f"{base}/{image.id}")
    assert response.status_code == 200 and response.mimetype == "image/png" and response.data == PNG
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response = client.get(f"{base}/{pdf.id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=idee-{idea.id}-{pdf.id}.pdf"
    # A file removed by its author, or of an idea hidden by moderation, is no longer served.
    uploads.remove_attachment(session, alice, pdf)
    session.commit()
    assert client.get(f"{base}/{pdf.id}").status_code == 404
    idea.hidden_at = utcnow()
    session.commit()
    assert client.get(f"{base}/{image.id}").status_code == 404
    assert client.get(f"/editions/{edition.slug}/ideas/{idea.id + 1}/files/{image.id}").status_code == 404


def test_upload_through_the_form(session, cycle, make, upload_dir, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    session.commit()
    auth.login(alice)
    url = f"/editions/{edition.slug}/ideas/{idea.id}/attachments"
    response = client.post(url, data={"file": (io.BytesIO(PDF), "devis.pdf"), "label": "Devis"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post(url, data={"file": (io.BytesIO(b"#!/bin/sh"), "devis.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Only JPEG or PNG images and PDF documents are accepted." in response.get_data(as_text=True) or \
        "Seules les images JPEG ou PNG" in response.get_data(as_text=True)
    session.expire_all()
    assert [a.label for a in idea.attachments] == ["Devis"]


def test_a_refused_file_keeps_its_label(session, cycle, make, upload_dir, client, auth) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    session.commit()
    auth.login(alice)
    url = f"/editions/{edition.slug}/ideas/{idea.id}/attachments"
    response = client.post(url, data={"file": (io.BytesIO(b"#!/bin/sh"), "plan.png"), "label": "Plan du square"},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 415 and 'value="Plan du square"' in page and 'id="files"' in page
    response = client.post(url, data={"label": "Sans fichier"}, content_type="multipart/form-data")
    assert response.status_code == 422 and 'value="Sans fichier"' in response.get_data(as_text=True)
    assert idea.attachments == []
