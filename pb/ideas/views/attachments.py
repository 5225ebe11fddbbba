"""Images and documents of an idea: adding, removing, serving."""

from __future__ import annotations

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.authz import guard, public
from pb.db import db
from pb.errors import PbError
from pb.ideas import services, uploads
from pb.ideas.forms import AttachmentForm, IdeaForm
from pb.ideas.views import bp
from pb.ideas.views.submit import edit_page
from pb.web.forms import form_status, show_error
from pb.web.lookups import authorized, visible_edition


@bp.post("/editions/<slug>/ideas/<int:idea_id>/attachments")
@guard("authenticated")
def upload(slug: str, idea_id: int) -> Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = authorized("idea.edit", services.get_idea(db.session, idea_id, current_user, edition))
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            uploads.add_attachment(db.session, current_user, idea, form.file.data.stream, form.label.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The file is added."), "success")
            return redirect(url_for("ideas.edit", slug=edition.slug, idea_id=idea.id) + "#files")
    # Refused: the edit page again, with the reason and the label that was typed.
    return edit_page(idea, IdeaForm(formdata=None, obj=idea, districts=edition.districts), form), form_status(form)


@bp.route("/editions/<slug>/ideas/<int:idea_id>/attachments/<int:attachment_id>/remove", methods=["GET", "POST"])
@guard("authenticated")
def remove_attachment(slug: str, idea_id: int, attachment_id: int) -> str | Response:
    edition = visible_edition(slug)
    idea = authorized("idea.edit", services.get_idea(db.session, idea_id, current_user, edition))
    attachment = uploads.get_attachment(db.session, idea, attachment_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            uploads.remove_attachment(db.session, current_user, attachment)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The file is removed from the idea."), "success")
        return redirect(url_for("ideas.edit", slug=edition.slug, idea_id=idea.id) + "#files")
    return render_template("ideas/remove_attachment.html", edition=edition, idea=idea, attachment=attachment, form=form)


@bp.get("/editions/<slug>/ideas/<int:idea_id>/files/<int:attachment_id>")
@public
def file(slug: str, idea_id: int, attachment_id: int) -> Response:
    edition = visible_edition(slug)
    idea = services.get_idea(db.session, idea_id, current_user, edition)
    attachment, path = uploads.served_file(db.session, current_user, idea, attachment_id)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=not attachment.is_image,
                         download_name=f"idee-{idea.id}-{attachment.id}.{attachment.extension}", max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
