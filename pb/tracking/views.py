"""Implementation tracking: the public list and timeline, and the staff update form."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug import Response

from pb.authz import guard, public, require
from pb.db import db
from pb.editions.models import Edition, Phase
from pb.errors import PbError
from pb.projects.models import PROJECT_STATUS_LABELS
from pb.tracking import services
from pb.tracking.forms import UpdateForm
from pb.web.forms import choice_int, form_status, options, show_error
from pb.web.lookups import visible_edition

bp = Blueprint("tracking", __name__)


def _edition(slug: str) -> Edition:
    """Tracking exists once the results are out."""
    edition = visible_edition(slug)
    if edition.phase.rank < Phase.RESULTS.rank:
        abort(404)
    return edition


@bp.get("/editions/<slug>/implementation")
@public
def index(slug: str) -> str:
    edition = _edition(slug)
    district_id = choice_int(request.args.get("district"))
    rows = services.overview(db.session, edition, district_id)
    return render_template("tracking/index.html", edition=edition, rows=rows, district_id=district_id,
                           stats=services.delivery_stats(db.session, edition))


@bp.get("/editions/<slug>/implementation/<int:number>")
@public
def show(slug: str, number: int) -> str:
    edition = _edition(slug)
    project = services.tracked_project(db.session, edition, number)
    return render_template("tracking/show.html", edition=edition, project=project,
                           history=services.history(db.session, project))


@bp.route("/admin/editions/<slug>/implementation/<int:number>", methods=["GET", "POST"])
@guard("tracking.update")
def update(slug: str, number: int) -> str | Response | tuple[str, int]:
    edition = _edition(slug)
    project = services.tracked_project(db.session, edition, number)
    require(current_user, "tracking.update", project)
    form = UpdateForm()
    form.status.choices = options((s.value, PROJECT_STATUS_LABELS[s]) for s in services.TRANSITIONS[project.status])
    if request.method == "GET":
        form.status.data = project.status.value
        latest = services.history(db.session, project)[:1]
        form.progress.data = latest[0].progress if latest else 0
    if not services.TRANSITIONS[project.status]:
        form = None  # delivered or abandoned: the timeline is closed
    elif form.validate_on_submit():
        try:
            services.record_update(db.session, current_user, project, status=form.status.data,
                                   progress=form.progress.data, note=form.note.data or "",
                                   happened_on=form.happened_on.data, spent_cents=form.spent_cents.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The update is published."), "success")
            return redirect(url_for("tracking.show", slug=edition.slug, number=project.number))
    return render_template("tracking/update.html", edition=edition, project=project, form=form,
                           history=services.history(db.session, project)), form_status(form) if form else 200


EDITION_PAGE_LINKS = [(_l("Implementation of the winning projects"), "tracking.index",
                       lambda edition: edition.phase.rank >= Phase.RESULTS.rank)]
