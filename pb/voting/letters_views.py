"""The printable voting letters (A4, one per voter) of an issuing of codes."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template, request
from flask_login import current_user

from pb.authz import guard
from pb.db import db
from pb.editions.services import get_territory
from pb.errors import NotFoundError
from pb.jobs import TaskRun
from pb.voting.jobs import files_dir
from pb.voting.services.common import vote_window
from pb.voting.services.letters import letters as make_letters
from pb.web.lookups import staff_edition

bp = Blueprint("voting_letters", __name__)


@bp.get("/admin/editions/<int:edition_id>/voting/tasks/<int:task_id>/letters")
@guard("voting.manage")
def letters(edition_id: int, task_id: int) -> str:
    edition = staff_edition(edition_id, "voting.manage")
    task = db.session.get(TaskRun, task_id)
    if task is None or task.edition_id != edition.id or task.kind != "voting.tokens":
        raise NotFoundError()
    name = (task.report or {}).get("file")
    district = request.args.get("district", "")[:32]
    items = make_letters(db.session, current_user, edition, files_dir() / name if name else Path("/nonexistent"),
                         district_code=district)
    start, end = vote_window(edition)
    return render_template("voting/admin/letters.html", edition=edition, task=task, letters=items, start=start,
                           end=end, territory=get_territory(db.session), district=district)
