"""Staff pages: ideas received on paper or at a meeting; the ideas and comments as CSV files."""

from __future__ import annotations

from flask import Response as FlaskResponse, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from pb.authz import guard
from pb.db import db
from pb.errors import PbError
from pb.ideas import exports, services
from pb.ideas.forms import PaperIdeaForm
from pb.ideas.views import bp
from pb.web.forms import form_status, show_error
from pb.web.csv import csv_response
from pb.web.lookups import staff_edition


@bp.route("/admin/editions/<int:edition_id>/ideas/enter", methods=["GET", "POST"])
@guard("idea.enter")
def enter(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "idea.enter")
    form = PaperIdeaForm(districts=edition.districts)
    if form.validate_on_submit():
        try:
            idea = services.enter_idea(db.session, current_user, edition, channel=form.channel.data,
                                       holder_name=form.holder_name.data, holder_email=form.holder_email.data or "",
                                       received_on=form.received_on.data, coauthor_emails=form.coauthor_emails(),
                                       **form.values())
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Idea no. %(id)s is recorded and submitted on behalf of %(name)s.", id=idea.id,
                    name=idea.holder.name if idea.holder else ""), "success")
            return redirect(url_for("ideas.enter", edition_id=edition.id))
    return render_template("ideas/enter.html", edition=edition, form=form), form_status(form)


@bp.get("/admin/editions/<int:edition_id>/ideas.csv")
@guard("ideas.export")
def export_ideas(edition_id: int) -> FlaskResponse:
    edition = staff_edition(edition_id, "ideas.export")
    return csv_response(exports.ideas_csv(db.session, current_user, edition), f"idees-{edition.slug}.csv")


@bp.get("/admin/editions/<int:edition_id>/comments.csv")
@guard("ideas.export")
def export_comments(edition_id: int) -> FlaskResponse:
    edition = staff_edition(edition_id, "ideas.export")
    return csv_response(exports.comments_csv(db.session, current_user, edition), f"commentaires-{edition.slug}.csv")
