from __future__ import annotations

import io

import pytest

from pb.db import utcnow
from pb.errors import Forbidden
from pb.ideas import services, uploads
from pb.ideas.models import IdeaStatus

PDF = b"%PDF-1.7\n" + b"0" * 64


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), gps: bool = False) -> bytes:
    """A real picture; with `gps`, carrying what a phone writes: position, device, date, comment."""
    from PIL import Image

    picture = Image.new("RGB", size, (30, 120, 60))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0132] = "2026:05:01 10:00:00"  # DateTime
        exif[0x0112] = 6  # Orientation: rotated 90°
        exif.get_ifd(0x8825).update({1: "N", 2: (45.0, 11.0, 18.6), 3: "E", 4: (5.0, 43.0, 28.2)})
    out = io.BytesIO()
    if fmt == "PNG":
        picture.save(out, "PNG", exif=exif, pnginfo=None)
    else:
        picture.save(out, "JPEG", exif=exif, comment=b"chez moi, 12 rue des Lilas" if gps else b"")
    return out.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


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
        uploads.add_attachment(session, alice, idea, io.BytesIO(PDF + b"0" * (1024 * 1024)))
    assert info.value.status == 413 and "1 Mo" in info.value.text()
    uploads.add_attachment(session, alice, idea, io.BytesIO(PDF + b"0" * (1024 * 1024 - len(PDF))))


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
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data == (upload_dir / image.stored_name).read_bytes() and response.data[:8] == PNG[:8]
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


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_photos_are_published_without_their_gps_position(session, cycle, make, upload_dir, fmt) -> None:
    from PIL import Image

    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    original = image_bytes(fmt, gps=True)
    with Image.open(io.BytesIO(original)) as check:  # the test photo does carry a position
        assert check.getexif().get_ifd(0x8825).get(2) is not None
    attachment = uploads.add_attachment(session, alice, idea, io.BytesIO(original), "Le square")
    stored = (upload_dir / attachment.stored_name).read_bytes()
    assert b"PhoneMaker" not in stored and b"rue des Lilas" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.format == fmt and not picture.getexif() and "exif" not in picture.info
        assert picture.size == (6, 8)  # the camera's orientation is applied to the pixels
    assert attachment.size_bytes == len(stored)


def test_an_image_that_cannot_be_decoded_is_refused(session, cycle, make, upload_dir) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice)
    with pytest.raises(uploads.ImageUnreadable):
        uploads.add_attachment(session, alice, idea, io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64))
    with pytest.raises(uploads.ImageUnreadable):
        uploads.add_attachment(session, alice, idea, io.BytesIO(JPEG[: len(JPEG) // 3]))
    assert idea.attachments == [] and (not upload_dir.exists() or list(upload_dir.iterdir()) == [])


IDEA_FORM = {"title": "Un composteur collectif rue Ampère", "theme": "proprete", "district_id": "",
             "description": "Installer un composteur partagé pour les habitants de la rue et du quartier.",
             "submit_idea": "1"}


def test_files_are_added_when_the_idea_is_created(session, cycle, make, upload_dir, client, auth) -> None:
    from pb.ideas.models import Idea
    import sqlalchemy as sa

    edition = cycle.edition()
    alice = make.user()
    session.commit()
    auth.login(alice)
    form = {**IDEA_FORM, "district_id": str(edition.districts[0].id)}
    url = f"/editions/{edition.slug}/ideas/new"
    assert 'enctype="multipart/form-data"' in client.get(url).get_data(as_text=True)
    # One refused file: no idea, nothing on disk, the text comes back.
    response = client.post(url, data={**form, "files": [(io.BytesIO(PDF), "devis.pdf"),
                                                        (io.BytesIO(b"MZ\x90"), "photo.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 415 and "Un composteur collectif" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Idea)) == 0
    assert not upload_dir.exists() or list(upload_dir.iterdir()) == []
    response = client.post(url, data={**form, "files": [(io.BytesIO(PDF), "devis.pdf"),
                                                        (io.BytesIO(image_bytes("JPEG", gps=True)), "photo.jpg")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    idea = session.scalar(sa.select(Idea))
    assert sorted(a.content_type for a in idea.attachments) == ["application/pdf", "image/jpeg"]
    assert all(b"PhoneMaker" not in (upload_dir / a.stored_name).read_bytes() for a in idea.attachments)
    # No file chosen: the idea alone.
    response = client.post(url, data={**form, "title": "Une autre idée sans fichier"}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert session.scalar(sa.select(Idea).where(Idea.title == "Une autre idée sans fichier")).attachments == []
