"""The moderators' pages: the queue of reported content, hiding (also content nobody reported,
from the page it is on), restoring, closing reports, blocking an account."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.authz import guard
from pb.db import db
from pb.editions.models import Edition
from pb.errors import PbError
from pb.ideas import moderation
from pb.ideas.forms import ReasonForm
from pb.ideas.models import Comment, Idea
from pb.ideas.views import bp
from pb.web.forms import form_status, show_error
from pb.web.lookups import staff_edition
from pb.web.pagination import paginate_list
from pb.web.views import safe_next


@bp.get("/admin/editions/<int:edition_id>/moderation", endpoint="moderation")
@guard("moderation.act")
def moderation_page(edition_id: int) -> str:
    edition = staff_edition(edition_id, "moderation.act")
    items = paginate_list(moderation.queue(db.session, current_user, edition), request.args.get("page"), per_page=50)
    hidden = paginate_list(moderation.hidden_content(db.session, current_user, edition), request.args.get("hidden_page"),
                           per_page=50)
    return render_template("ideas/moderation.html", edition=edition, items=items, hidden=hidden, form=ConfirmForm())


def _back(target: Idea | Comment) -> str:
    """Where the moderator came from (the content's page, for content nobody reported), or the queue."""
    return safe_next(request.values.get("next"), url_for("ideas.moderation", edition_id=target.edition_id))


@bp.route("/admin/moderation/<kind>/<int:target_id>/hide", methods=["GET", "POST"])
@guard("moderation.act")
def hide(kind: str, target_id: int) -> str | Response | tuple[str, int]:
    target = moderation.get_target(db.session, current_user, kind, target_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            moderation.hide(db.session, current_user, target, form.reason.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The content is hidden; its author is told why."), "success")
            return redirect(_back(target))
    return render_template("ideas/moderate.html", action="hide", kind=kind, target=target, form=form,
                           back=_back(target)), form_status(form)


@bp.route("/admin/moderation/<kind>/<int:target_id>/restore", methods=["GET", "POST"])
@guard("moderation.act")
def restore(kind: str, target_id: int) -> str | Response:
    target = moderation.get_target(db.session, current_user, kind, target_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            moderation.restore(db.session, current_user, target)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The content is visible again."), "success")
        return redirect(_back(target))
    return render_template("ideas/moderate.html", action="restore", kind=kind, target=target, form=form,
                           back=_back(target))


@bp.post("/admin/moderation/<kind>/<int:target_id>/ignore")
@guard("moderation.act")
def ignore(kind: str, target_id: int) -> Response:
    target = moderation.get_target(db.session, current_user, kind, target_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        count = moderation.ignore_flags(db.session, current_user, target)
        flash(_("Reports closed: %(n)s; the content stays visible.", n=count), "success")
    return redirect(_back(target))


@bp.route("/admin/moderation/<kind>/<int:target_id>/block", methods=["GET", "POST"])
@guard("moderation.act")
def block(kind: str, target_id: int) -> str | Response | tuple[str, int]:
    target = moderation.get_target(db.session, current_user, kind, target_id)
    user = moderation.author_account(target)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            moderation.block_account(db.session, current_user, user, form.reason.data,
                                     db.session.get(Edition, target.edition_id))
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The account of %(name)s is blocked.", name=user.display_name), "success")
            return redirect(_back(target))
    return render_template("ideas/moderate.html", action="block", kind=kind, target=target, form=form,
                           user=user, back=_back(target)), form_status(form)
