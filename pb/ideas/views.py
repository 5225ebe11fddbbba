"""Public pages of ideas and projects (browse, submit, comment, flag) and the staff pages of the
ideas domain (ideas received on paper, moderation)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.accounts.models import User
from pb.authz import can, guard, public
from pb.db import db
from pb.editions.models import Edition
from pb.editions.views import ADMIN_LINKS, PUBLIC_LINKS
from pb.errors import PbError
from pb.ideas import comments as comment_services, moderation, rules, services, uploads
from pb.ideas.forms import (
    AttachmentForm, CommentForm, FlagForm, IdeaForm, PaperIdeaForm, ReasonForm, WithdrawForm,
)
from pb.ideas.models import THEMES, Attachment, Comment, Idea, IdeaStatus, theme_label
from pb.ideas.text import paragraphs
from pb.projects.models import ProjectStatus
from pb.web.forms import choice_int, form_status, show_error
from pb.web.pagination import paginate, paginate_list
from pb.web.lookups import staff_edition, visible_edition

bp = Blueprint("ideas", __name__)
bp.add_app_template_filter(paragraphs, "paragraphs")
bp.add_app_template_filter(theme_label, "theme_label")

PUBLIC_LINKS.extend([(_l("Ideas"), "ideas.index"), (_l("Projects"), "ideas.projects")])
ADMIN_LINKS.extend([(_l("Moderation"), "ideas.moderation", "moderation.act"),
                    (_l("Enter an idea received on paper"), "ideas.enter", "idea.enter")])



def _idea(edition: Edition, idea_id: int) -> Idea:
    return services.get_idea(db.session, idea_id, current_user, edition)


# -- browsing -----------------------------------------------------------------------------------------

@bp.get("/editions/<slug>/ideas")
@public
def index(slug: str) -> str:
    edition = visible_edition(slug)
    args = {"district": choice_int(request.args.get("district")), "theme": request.args.get("theme", ""),
            "status": request.args.get("status", ""), "q": request.args.get("q", "")[:100],
            "sort": request.args.get("sort", "recent")}
    stmt = services.list_ideas(db.session, edition, district_id=args["district"], theme=args["theme"],
                               status=args["status"], q=args["q"], sort=args["sort"])
    page = paginate(db.session, stmt, request.args.get("page"), per_page=20)
    counts = services.comment_counts(db.session, idea_ids=[i.id for i in page.items])
    query = {k: v for k, v in args.items() if v}
    return render_template("ideas/index.html", edition=edition, page=page, counts=counts, args=args, query=query,
                           themes=THEMES, statuses=rules.PUBLIC, sorts=services.SORTS,
                           closed=services.submission_closed_reason(edition),
                           deadline=services.submission_deadline(edition))


def _comment_context(edition: Edition, **target: int) -> dict[str, Any]:
    return {"threads": comment_services.threads(db.session, **target),
            "comments_open": comment_services.comments_open(edition), "comment_form": CommentForm()}


@bp.get("/editions/<slug>/ideas/<int:idea_id>")
@public
def show(slug: str, idea_id: int) -> str:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    project_info = _project_info(idea.project_id) if idea.project_id else {}
    review_failures = _failed_criteria(idea)
    return render_template("ideas/show.html", edition=edition, idea=idea, project=idea.project,
                           can_edit=can(current_user, "idea.edit", idea) and idea.status in rules.EDITABLE,
                           can_withdraw=(can(current_user, "idea.edit", idea) and not edition.is_frozen
                                         and IdeaStatus.WITHDRAWN in rules.allowed_targets(
                                             idea.status, by=rules.AUTHOR, phase=edition.phase)),
                           see_hidden=can(current_user, "idea.see_hidden", idea), failures=review_failures,
                           **project_info, **_comment_context(edition, idea_id=idea.id))


def _failed_criteria(idea: Idea) -> list[str]:
    """The checklist criteria a not-admissible idea failed (public, with the decision)."""
    if idea.status is not IdeaStatus.NOT_ADMISSIBLE:
        return []
    from pb.review.services import review_of

    review = review_of(db.session, idea)
    return [a.item.label for a in review.answers if a.passed is False] if review else []


def _project_info(project_id: int) -> dict[str, Any]:
    from pb.councils.services import project_attendance, project_councils

    return {"councils": project_councils(db.session, project_id),
            "attendance": project_attendance(db.session, project_id)}


@bp.get("/account/ideas")
@guard("authenticated")
def mine() -> str:
    return render_template("ideas/mine.html", ideas=services.my_ideas(db.session, current_user))


# -- submitting and editing ---------------------------------------------------------------------------

@bp.route("/editions/<slug>/ideas/new", methods=["GET", "POST"])
@guard("authenticated")
def new(slug: str) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    form = IdeaForm(districts=edition.districts)
    closed = services.submission_closed_reason(edition)
    if form.validate_on_submit():
        try:
            idea = services.create_idea(db.session, current_user, edition, submit=bool(form.submit_idea.data),
                                        coauthor_emails=form.coauthor_emails(), **form.values())
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Your idea is submitted. You can still edit it until the deadline.") if idea.status is IdeaStatus.SUBMITTED
                  else _("Your draft is saved. Only you and your co-authors can see it."), "success")
            return redirect(url_for("ideas.edit", slug=edition.slug, idea_id=idea.id))
    return render_template("ideas/form.html", edition=edition, form=form, idea=None, closed=closed,
                           deadline=services.submission_deadline(edition)), form_status(form)


@bp.route("/editions/<slug>/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@guard("authenticated")
def edit(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    if not can(current_user, "idea.edit", idea):
        abort(403)
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
    return render_template("ideas/form.html", edition=edition, form=form, idea=idea,
                           closed=None if not idea.is_author(current_user) else services.submission_closed_reason(edition),
                           locked=idea.status not in rules.EDITABLE, attachment_form=AttachmentForm(),
                           deadline=services.submission_deadline(edition)), form_status(form)


@bp.route("/editions/<slug>/ideas/<int:idea_id>/withdraw", methods=["GET", "POST"])
@guard("authenticated")
def withdraw(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    if not can(current_user, "idea.edit", idea):
        abort(403)
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


@bp.post("/editions/<slug>/ideas/<int:idea_id>/attachments")
@guard("authenticated")
def upload(slug: str, idea_id: int) -> Response:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            uploads.add_attachment(db.session, current_user, idea, form.file.data.stream, form.label.data or "")
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The file is added."), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
    return redirect(url_for("ideas.edit", slug=edition.slug, idea_id=idea.id) + "#files")


def _attachment(idea: Idea, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.idea_id != idea.id or attachment.removed_at is not None:
        abort(404)
    return attachment


@bp.route("/editions/<slug>/ideas/<int:idea_id>/attachments/<int:attachment_id>/remove", methods=["GET", "POST"])
@guard("authenticated")
def remove_attachment(slug: str, idea_id: int, attachment_id: int) -> str | Response:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    attachment = _attachment(idea, attachment_id)
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
    idea = _idea(edition, idea_id)
    if idea.is_hidden and not can(current_user, "idea.see_hidden", idea):
        abort(404)
    attachment = _attachment(idea, attachment_id)
    path = uploads.stored_path(attachment)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=not attachment.is_image,
                         download_name=f"idee-{idea.id}-{attachment.id}.{attachment.extension}", max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- comments and flags -------------------------------------------------------------------------------

def _post_comment(edition: Edition, back: str, **target: Any) -> Response:
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment_services.add_comment(db.session, current_user, body=form.body.data,
                                         parent_id=choice_int(form.parent_id.data), **target)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("Your comment is published."), "success")
            return redirect(back + "#comments")
    else:
        flash(_("Write a comment of 2 to 5,000 characters."), "error")
    return redirect(back + "#comment-form")


@bp.post("/editions/<slug>/ideas/<int:idea_id>/comments")
@guard("authenticated")
def comment(slug: str, idea_id: int) -> Response:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    return _post_comment(edition, url_for("ideas.show", slug=slug, idea_id=idea.id), idea=idea)


@bp.post("/editions/<slug>/projects/<int:number>/comments")
@guard("authenticated")
def project_comment(slug: str, number: int) -> Response:
    edition = visible_edition(slug)
    project = services.project_by_number(db.session, edition, number)
    return _post_comment(edition, url_for("ideas.project", slug=slug, number=number), project=project)


@bp.route("/editions/<slug>/ideas/<int:idea_id>/flag", methods=["GET", "POST"])
@guard("authenticated")
def flag_idea(slug: str, idea_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    idea = _idea(edition, idea_id)
    return _flag(edition, url_for("ideas.show", slug=slug, idea_id=idea.id), idea=idea)


@bp.route("/editions/<slug>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@guard("authenticated")
def flag_comment(slug: str, comment_id: int) -> str | Response | tuple[str, int]:
    edition = visible_edition(slug)
    comment_ = db.session.get(Comment, comment_id)
    if comment_ is None or comment_.edition_id != edition.id:
        abort(404)
    if comment_.idea_id is not None:
        back = url_for("ideas.show", slug=slug, idea_id=comment_.idea_id)
    else:
        back = url_for("ideas.project", slug=slug, number=comment_.project.number)  # type: ignore[union-attr]
    return _flag(edition, back, comment=comment_)


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


# -- projects ---------------------------------------------------------------------------------------------

PROJECT_SORTS = {"number": _l("Number"), "cost": _l("Cost"), "title": _l("Title")}


@bp.get("/editions/<slug>/projects")
@public
def projects(slug: str) -> str:
    from pb.ideas.projects import list_projects, project_extras

    edition = visible_edition(slug)
    args = {"district": choice_int(request.args.get("district")), "theme": request.args.get("theme", ""),
            "status": request.args.get("status", ""), "q": request.args.get("q", "")[:100],
            "sort": request.args.get("sort", "number")}
    stmt = list_projects(db.session, edition, district_id=args["district"], theme=args["theme"],
                         status=args["status"], q=args["q"], sort=args["sort"])
    page = paginate(db.session, stmt, request.args.get("page"), per_page=25)
    extras = project_extras(db.session, [p.id for p in page.items])
    query = {k: v for k, v in args.items() if v}
    return render_template("ideas/projects.html", edition=edition, page=page, extras=extras, args=args,
                           query=query, themes=THEMES, statuses=list(ProjectStatus), sorts=PROJECT_SORTS)


@bp.get("/editions/<slug>/projects/<int:number>")
@public
def project(slug: str, number: int) -> str:
    edition = visible_edition(slug)
    item = services.project_by_number(db.session, edition, number)
    return render_template("ideas/project.html", edition=edition, project=item,
                           ideas=services.ideas_of_project(db.session, item.id), **_project_info(item.id),
                           **_comment_context(edition, project_id=item.id))


# -- staff: ideas received on paper or at a meeting ------------------------------------------------------


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


# -- staff: moderation ----------------------------------------------------------------------------------

@bp.get("/admin/editions/<int:edition_id>/moderation", endpoint="moderation")
@guard("moderation.act")
def moderation_page(edition_id: int) -> str:
    edition = staff_edition(edition_id, "moderation.act")
    items = paginate_list(moderation.queue(db.session, current_user, edition), request.args.get("page"), per_page=50)
    hidden = paginate_list(moderation.hidden_content(db.session, current_user, edition), request.args.get("hidden_page"),
                           per_page=50)
    return render_template("ideas/moderation.html", edition=edition, items=items, hidden=hidden, form=ConfirmForm())


def _target(kind: str, target_id: int) -> Idea | Comment:
    model = {"idea": Idea, "comment": Comment}.get(kind)
    target = db.session.get(model, target_id) if model else None
    if target is None:
        abort(404)
    if not can(current_user, "moderation.act", target):
        abort(403)
    return target


def _back(target: Idea | Comment) -> str:
    return url_for("ideas.moderation", edition_id=target.edition_id)


@bp.route("/admin/moderation/<kind>/<int:target_id>/hide", methods=["GET", "POST"])
@guard("moderation.act")
def hide(kind: str, target_id: int) -> str | Response | tuple[str, int]:
    target = _target(kind, target_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            moderation.hide(db.session, current_user, target, form.reason.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The content is hidden; its author is told why."), "success")
            return redirect(_back(target))
    return render_template("ideas/moderate.html", action="hide", kind=kind, target=target, form=form), form_status(form)


@bp.route("/admin/moderation/<kind>/<int:target_id>/restore", methods=["GET", "POST"])
@guard("moderation.act")
def restore(kind: str, target_id: int) -> str | Response:
    target = _target(kind, target_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            moderation.restore(db.session, current_user, target)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The content is visible again."), "success")
        return redirect(_back(target))
    return render_template("ideas/moderate.html", action="restore", kind=kind, target=target, form=form)


@bp.post("/admin/moderation/<kind>/<int:target_id>/ignore")
@guard("moderation.act")
def ignore(kind: str, target_id: int) -> Response:
    target = _target(kind, target_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        count = moderation.ignore_flags(db.session, current_user, target)
        flash(_("Reports closed: %(n)s; the content stays visible.", n=count), "success")
    return redirect(_back(target))


@bp.route("/admin/moderation/<kind>/<int:target_id>/block", methods=["GET", "POST"])
@guard("moderation.act")
def block(kind: str, target_id: int) -> str | Response | tuple[str, int]:
    target = _target(kind, target_id)
    user: User | None = target.author if isinstance(target, Comment) else (
        target.holder.user if target.holder is not None else None)
    if user is None:
        abort(404)
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
                           user=user), form_status(form)
