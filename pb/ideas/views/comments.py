"""Comments on ideas and projects, and reports (flags) of ideas and comments."""

from __future__ import annotations

from typing import Any, Callable

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from pb.authz import guard
from pb.db import db
from pb.editions.models import Edition
from pb.errors import PbError
from pb.ideas import comments as comment_services, services
from pb.ideas.forms import CommentForm, FlagForm
from pb.ideas.views import bp
from pb.ideas.views.browse import idea_page, project_page
from pb.web.forms import choice_int, form_status, show_error
from pb.web.lookups import visible_edition


def _post_comment(back: str, page: Callable[[CommentForm], str], **target: Any) -> Response | tuple[str, int]:
    """Publishes the comment; a refused one shows the page again with the reason and the text
    that was typed (in the reply box it came from)."""
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment_services.add_comment(db.session, current_user, body=form.body.data,
                                         parent_id=choice_int(form.parent_id.data), **target)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Your comment is published."), "success")
            return redirect(back + "#comments")
    return page(form), form_status(form)


@bp.post("/editions/<slug>/ideas/<int:idea_id>/comments")
@guard("authenticated")
def comment(slug: str, idea_id: int) -> Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = services.get_idea(db.session, idea_id, current_user, edition)
    return _post_comment(url_for("ideas.show", slug=slug, idea_id=idea.id),
                         lambda form: idea_page(edition, idea, form), idea=idea)


@bp.post("/editions/<slug>/projects/<int:number>/comments")
@guard("authenticated")
def project_comment(slug: str, number: int) -> Response | tuple[str, int]:
    edition = visible_edition(slug)
    project = services.project_by_number(db.session, edition, number)
    return _post_comment(url_for("ideas.project", slug=slug, number=number),
                         lambda form: project_page(edition, project, form), project=project)


@bp.route("/editions/<slug>/ideas/<int:idea_id>/flag", methods=["GET", "POST"])
@guard("authenticated")
def flag_idea(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = services.get_idea(db.session, idea_id, current_user, edition)
    return _flag(edition, url_for("ideas.show", slug=slug, idea_id=idea.id), idea=idea)


@bp.route("/editions/<slug>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@guard("authenticated")
def flag_comment(slug: str, comment_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    comment_ = comment_services.get_comment(db.session, edition, comment_id)
    return _flag(edition, comment_url(slug, comment_), comment=comment_)


def comment_url(slug: str, comment_: Any) -> str:
    """The page a comment is on."""
    if comment_.idea_id is not None:
        return url_for("ideas.show", slug=slug, idea_id=comment_.idea_id)
    return url_for("ideas.project", slug=slug, number=comment_.project.number)


def _flag(edition: Edition, back: str, **target: Any) -> str | Response | tuple[str, int]:
    form = FlagForm()
    if form.validate_on_submit():
        try:
            comment_services.flag(db.session, current_user, reason=form.reason.data, **target)
        except PbError as error:
            show_error(form, error)
            if error.code == "already_flagged":
                return redirect(back)
        else:
            flash(_("Thank you: the moderators will look at it."), "success")
            return redirect(back)
    return render_template("ideas/flag.html", edition=edition, form=form, back=back, **target), form_status(form)
