"""Proposing an idea, editing it until the deadline, withdrawing it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from pb.authz import guard, require
from pb.db import db
from pb.errors import PbError
from pb.ideas import rules, services, uploads
from pb.ideas.forms import AttachmentForm, IdeaForm, NewIdeaForm, WithdrawForm
from pb.ideas.models import Idea, IdeaStatus
from pb.ideas.views import bp
from pb.web.forms import form_status, show_error
from pb.web.lookups import visible_edition


@bp.route("/editions/<slug>/ideas/new", methods=["GET", "POST"])
@guard("authenticated")
def new(slug: str) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    form = NewIdeaForm(districts=edition.districts)
    if form.validate_on_submit():
        try:
            idea = uploads.create_idea_with_files(db.session, current_user, edition, files=form.chosen_files(),
                                                  submit=bool(form.submit_idea.data),
                                                  coauthor_emails=form.coauthor_emails(), **form.values())
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Your idea is submitted. You can still edit it until the deadline.") if idea.status is IdeaStatus.SUBMITTED
                  else _("Your draft is saved. Only you and your co-authors can see it."), "success")
            return redirect(url_for("ideas.edit", slug=edition.slug, idea_id=idea.id))
    return render_template("ideas/form.html", edition=edition, form=form, idea=None,
                           closed=services.submission_closed_reason(edition),
                           deadline=services.submission_deadline(edition)), form_status(form)


@bp.route("/editions/<slug>/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@guard("authenticated")
def edit(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = services.get_idea(db.session, idea_id, current_user, edition)
    require(current_user, "idea.edit", idea)
    form = IdeaForm(obj=idea, districts=edition.districts)
    if request.method == "GET":
        form.coauthors.data = "\n".join(a.user.email for a in idea.authors[1:] if a.user is not None)
    if form.validate_on_submit():
        try:
            services.update_idea(db.session, current_user, idea, submit=bool(form.submit_idea.data),
                                 coauthor_emails=form.coauthor_emails(), **form.values())
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Your idea is submitted. You can still edit it until the deadline.") if form.submit_idea.data
                  else _("Your changes are saved."), "success")
            return redirect(url_for("ideas.show", slug=edition.slug, idea_id=idea.id))
    return edit_page(idea, form, AttachmentForm(formdata=None)), form_status(form)


def edit_page(idea: Idea, form: IdeaForm, attachment_form: AttachmentForm) -> str:
    """The edit page; a refused file shows `attachment_form` again with its errors and label."""
    edition = idea.edition
    return render_template("ideas/form.html", edition=edition, form=form, idea=idea,
                           closed=None if not idea.is_author(current_user) else services.submission_closed_reason(edition),
                           locked=idea.status not in rules.EDITABLE, attachment_form=attachment_form,
                           deadline=services.submission_deadline(edition))


@bp.route("/editions/<slug>/ideas/<int:idea_id>/withdraw", methods=["GET", "POST"])
@guard("authenticated")
def withdraw(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = services.get_idea(db.session, idea_id, current_user, edition)
    require(current_user, "idea.edit", idea)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_idea(db.session, current_user, idea, form.reason.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Your idea is withdrawn."), "success")
            return redirect(url_for("ideas.show", slug=edition.slug, idea_id=idea.id))
    return render_template("ideas/withdraw.html", edition=edition, idea=idea, form=form), form_status(form)
