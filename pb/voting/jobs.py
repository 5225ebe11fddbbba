"""Long voting tasks, run by rq after the commit that created their TaskRun: importing a
register, issuing tokens into a CSV file, e-mailing voting links. Each receives ids, reports
progress in its TaskRun (the admin page refreshes itself), and leaves its output file in
var/voting/ for the staff to download (and delete)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from pb.db import db
from pb.errors import PbError
from pb.jobs import job, report_progress
from pb.web.csv import FrenchWriter

TOKEN_COLUMNS = ["ref_votant", "quartier", "jeton", "lien", "code"]


def files_dir() -> Path:
    folder = current_app.config["PB_SETTINGS"].path("var/voting")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _actor(session: Any, user_id: int | None) -> Any:
    from pb.accounts.models import User
    from pb.authz import SYSTEM

    return session.get(User, user_id) if user_id else SYSTEM


def _failed(task_id: int, error: Exception) -> None:
    """A refusal is shown in its words; anything else is logged, and staff read a sentence, not
    a Python exception."""
    if isinstance(error, PbError):
        message = error.text()
    else:
        current_app.logger.exception("voting task %s failed", task_id)
        message = _("an unexpected error stopped the task (details are in the server's log).")
    report_progress(task_id, 0, status="failed", report={"error": message})


@job
def import_register_job(task_id: int, edition_id: int, upload: str, user_id: int | None) -> None:
    from pb.editions.models import Edition
    from pb.voting.services.register import count_lines, import_register, open_register

    path = files_dir() / upload
    report_name = f"import-{task_id}-{secrets.token_hex(6)}.csv"
    try:
        total = count_lines(path)
        report_progress(task_id, 0, total)
        with db.session_scope() as session, open_register(path) as stream, \
                (files_dir() / report_name).open("w", newline="", encoding="utf-8") as report:
            edition = session.get(Edition, edition_id)
            def progress(done: int) -> None:
                # Each batch is committed before its progress is written: a re-run of the same
                # file after a failure reports the rows already in as duplicates.
                session.commit()
                report_progress(task_id, done, total)

            result = import_register(session, _actor(session, user_id), edition, stream, report=report,
                                     progress=progress)
        report_progress(task_id, result.lines, total, status="done", report={**result.as_dict(), "file": report_name})
    except Exception as error:  # noqa: BLE001 - the page shows the failure, in words
        _failed(task_id, error)
    finally:
        path.unlink(missing_ok=True)


@job
def issue_tokens_job(task_id: int, edition_id: int, with_codes: bool, user_id: int | None) -> None:
    from pb.editions.models import Edition
    from pb.voting.services.tokens import eligible_voters, issue_tokens

    name = f"tokens-{task_id}-{secrets.token_hex(6)}.csv"
    try:
        with db.session_scope() as session, (files_dir() / name).open("w", newline="", encoding="utf-8") as out:
            edition = session.get(Edition, edition_id)
            import sqlalchemy as sa

            total = session.scalar(sa.select(sa.func.count()).select_from(eligible_voters(edition).subquery())) or 0
            writer = FrenchWriter(out, TOKEN_COLUMNS)
            done = 0
            for issued in issue_tokens(session, _actor(session, user_id), edition, with_codes=with_codes):
                writer.writerow([issued.voter_ref, issued.district, issued.token, issued.url, issued.code or ""])
                done += 1
                if done % 1000 == 0:
                    session.commit()  # the batch's tokens are in the file and in the database
                    report_progress(task_id, done, total)
        (files_dir() / name).chmod(0o600)
        report_progress(task_id, done, total, status="done", report={"issued": done, "file": name})
    except Exception as error:  # noqa: BLE001 - the page shows the failure, in words
        (files_dir() / name).unlink(missing_ok=True)
        _failed(task_id, error)


@job
def email_tokens_job(task_id: int, edition_id: int, user_id: int | None) -> None:
    from pb.editions.models import Edition
    from pb.voting.services.tokens import email_tokens

    try:
        with db.session_scope() as session:
            edition = session.get(Edition, edition_id)

            def progress(done: int, total: int) -> None:
                session.commit()  # each batch leaves (its e-mails are queued after this commit)
                report_progress(task_id, done, total)

            sent = email_tokens(session, _actor(session, user_id), edition, progress=progress)
        report_progress(task_id, sent, sent, status="done", report={"emailed": sent})
    except Exception as error:  # noqa: BLE001 - the page shows the failure, in words
        _failed(task_id, error)
