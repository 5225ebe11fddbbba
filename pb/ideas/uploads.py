"""Images and documents attached to ideas.

The type is read from the file's first bytes (JPEG, PNG, PDF), never from its name or from
what the browser says; the size is checked against `upload_max_mb`; the file is stored under
`upload_folder` with a random name. The name on the person's computer is never used.

Photos are decoded and encoded again with Pillow before they are stored: what a camera or a
phone writes beside the picture (EXIF: GPS position, date, device; XMP, comments) is not
kept, so publishing a resident's photo never publishes where they live. The orientation the
camera recorded is applied to the pixels first. An image Pillow cannot decode is refused.

Every file is checked (`prepare_file`) before anything is written: a refused file leaves no
idea, no row and nothing on disk."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from pb import audit
from pb.authz import require
from pb.db import utcnow
from pb.authz import can
from pb.errors import NotFoundError, PbError, ValidationFailed
from pb.ideas import rules
from pb.ideas.models import Attachment, Idea
from pb.ideas.services import IdeaLocked, check_submission_open, create_idea
from pb.ideas.text import clean

MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
MAX_ATTACHMENTS = 8


class FileTooLarge(PbError):
    code = "file_too_large"
    status = 413
    message = _l("The file is larger than %(mb)s MB.")


class FileTypeRefused(PbError):
    code = "file_type_refused"
    status = 415
    message = _l("Only JPEG or PNG images and PDF documents are accepted.")


class TooManyFiles(PbError):
    code = "too_many_files"
    status = 409
    message = _l("An idea has at most %(n)s files.")


class ImageUnreadable(PbError):
    code = "image_unreadable"
    status = 415
    message = _l("This image cannot be read: save it again as JPEG or PNG.")


@dataclass(frozen=True)
class PreparedFile:
    """A file checked and ready to store (photos already stripped of their metadata)."""

    data: bytes
    content_type: str
    label: str


def sniff(head: bytes) -> str | None:
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def upload_folder() -> Path:
    settings = current_app.config["PB_SETTINGS"]
    folder = settings.path(settings.upload_folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(attachment: Attachment) -> Path:
    # stored_name is ours (hex), never a client string: no path traversal possible.
    return upload_folder() / attachment.stored_name


def get_attachment(session: Session, idea: Idea, attachment_id: int) -> Attachment:
    """A file still attached to this idea, or not found."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.idea_id != idea.id or attachment.removed_at is not None:
        raise NotFoundError()
    return attachment


def served_file(session: Session, viewer: Any, idea: Idea, attachment_id: int) -> tuple[Attachment, Path]:
    """The file a reader may download: not of an idea hidden from them, and still on disk."""
    if idea.is_hidden and not can(viewer, "idea.see_hidden", idea):
        raise NotFoundError()
    attachment = get_attachment(session, idea, attachment_id)
    path = stored_path(attachment)
    if not path.is_file():
        raise NotFoundError()
    return attachment, path


def reencode_image(data: bytes, content_type: str) -> bytes:
    """The picture's pixels only, in the same format: no EXIF, XMP, comments or thumbnails.
    (Pillow refuses a decompression bomb, an image of more than twice MAX_IMAGE_PIXELS.)"""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            pixels = ImageOps.exif_transpose(image)
            colours = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
            pixels.info = {}  # comments, EXIF, XMP... would otherwise be written again
            out = io.BytesIO()
            if content_type == "image/jpeg":
                if pixels.mode not in ("RGB", "L"):
                    pixels = pixels.convert("RGB")
                pixels.save(out, "JPEG", quality=90, optimize=True, **colours)
            else:
                pixels.save(out, "PNG", optimize=True, **colours)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ImageUnreadable() from None
    return out.getvalue()


def prepare_file(stream: IO[bytes], label: str = "") -> PreparedFile:
    """Reads and checks one file (size, type from its bytes, photo re-encoded); stores nothing."""
    max_mb = current_app.config["PB_SETTINGS"].upload_max_mb
    data = stream.read(max_mb * 1024 * 1024 + 1)
    if len(data) > max_mb * 1024 * 1024:
        raise FileTooLarge(mb=max_mb)
    if not data:
        raise ValidationFailed(_l("Choose a file."), field="file")
    content_type = sniff(data[:16])
    if content_type is None:
        raise FileTypeRefused()
    if content_type.startswith("image/"):
        data = reencode_image(data, content_type)
    label = clean(label, multiline=False)[:200] or str(_l("Image") if content_type.startswith("image/") else _l("Document"))
    return PreparedFile(data, content_type, label)


def _store(session: Session, actor: Any, idea: Idea, prepared: PreparedFile) -> Attachment:
    stored_name = secrets.token_hex(16)
    with (upload_folder() / stored_name).open("xb") as f:
        f.write(prepared.data)
    attachment = Attachment(idea=idea, stored_name=stored_name, label=prepared.label, content_type=prepared.content_type,
                            size_bytes=len(prepared.data), uploaded_by_id=getattr(actor, "id", None), created_at=utcnow())
    session.add(attachment)
    session.flush()
    if not idea.is_author(actor):
        audit.record(session, actor, "idea.attach", idea, after={"attachment_id": attachment.id,
                                                                 "content_type": prepared.content_type,
                                                                 "size": len(prepared.data)})
    return attachment


def add_attachment(session: Session, actor: Any, idea: Idea, stream: IO[bytes], label: str = "") -> Attachment:
    require(actor, "idea.edit", idea)
    if idea.status not in rules.EDITABLE:
        raise IdeaLocked(status=idea.status.label)
    if idea.is_author(actor):
        check_submission_open(idea.edition)
    if sum(1 for a in idea.attachments if a.removed_at is None) >= MAX_ATTACHMENTS:
        raise TooManyFiles(n=MAX_ATTACHMENTS)
    return _store(session, actor, idea, prepare_file(stream, label))


def create_idea_with_files(session: Session, actor: Any, edition: Any, files: Iterable[IO[bytes]] = (),
                           **idea_fields: Any) -> Idea:
    """A resident's idea with the images and documents chosen on the same form. Every file is
    checked before the idea is created: one refused file and nothing is kept."""
    streams = list(files)
    if len(streams) > MAX_ATTACHMENTS:
        raise TooManyFiles(n=MAX_ATTACHMENTS)
    prepared = [prepare_file(stream) for stream in streams]
    idea = create_idea(session, actor, edition, **idea_fields)
    for item in prepared:
        _store(session, actor, idea, item)
    return idea


def remove_attachment(session: Session, actor: Any, attachment: Attachment) -> None:
    """The author takes a file off the idea (the file stays on disk, as nothing is destroyed)."""
    idea = attachment.idea
    require(actor, "idea.edit", idea)
    if idea.status not in rules.EDITABLE:
        raise IdeaLocked(status=idea.status.label)
    if idea.is_author(actor):
        check_submission_open(idea.edition)
    attachment.removed_at = utcnow()
    session.flush()
    if not idea.is_author(actor):
        audit.record(session, actor, "idea.detach", idea, before={"attachment_id": attachment.id})
