"""The audit log, for administrators."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from pb.audit.services import list_entries
from pb.authz import guard
from pb.db import db
from pb.web.forms import choice_int
from pb.web.pagination import paginate

bp = Blueprint("audit", __name__)


@bp.get("/admin/audit")
@guard("audit.view")
def index() -> str:
    edition_id = choice_int(request.args.get("edition"))
    action = (request.args.get("action") or "").strip()[:64]
    page = paginate(db.session, list_entries(db.session, edition_id=edition_id, action=action or None),
                    request.args.get("page"), per_page=50)
    return render_template("audit/index.html", page=page, action=action, edition_id=edition_id)
