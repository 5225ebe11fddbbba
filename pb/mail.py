"""E-mail, always sent by a background job after the commit.

Backends (setting `mail_backend`): `smtp` in production; `folder` writes one .eml file per
message into `mail_folder` (the development default: open them with any mail reader);
`console` prints them; `memory` keeps them in `pb.mail.outbox` for tests."""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy.orm import Session

from pb.jobs import enqueue_after_commit, job

outbox: list[EmailMessage] = []
# Set in `session.info` to send nothing from that session (the demo's fictional people).
QUIET = "pb.mail.quiet"


def queue_email(session: Session, to: str, subject: str, text: str) -> None:
    """Send after the current transaction commits (never before: a rolled-back action sends
    nothing)."""
    if session.info.get(QUIET):
        return
    enqueue_after_commit(session, send_email, to, subject, text)


@job
def send_email(to: str, subject: str, text: str) -> None:
    settings = current_app.config["PB_SETTINGS"]
    msg = EmailMessage()
    msg["From"] = settings.mail_sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="pb.localhost")
    msg.set_content(text)
    backend = settings.mail_backend
    if backend == "memory":
        outbox.append(msg)
    elif backend == "console":
        print(msg.as_string())
    elif backend == "folder":
        folder = settings.path(settings.mail_folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{formatdate(usegmt=True)[5:25].replace(' ', '_').replace(':', '')}-{uuid.uuid4().hex[:8]}.eml").write_bytes(
            msg.as_bytes()
        )
    else:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password)
            smtp.send_message(msg)
