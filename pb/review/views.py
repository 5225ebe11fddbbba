"""Staff pages of the technical review: dashboard and queue, assignment, the review form,
merges, the checklist, city services, projects and the ballot."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug import Response

from pb.authz import guard
from pb.db import db
from pb.errors import PbError
from pb.ideas.models import Idea, IdeaStatus
from pb.projects.models import Project
from pb.review import ballot, dashboard, projects as review_projects, services
from pb.review.forms import (
    AssignForm, BuildForm, ChecklistForm, MergeForm, ProjectForm, ReopenForm, TeamForm, answers_of, review_form,
)
from pb.review.models import ReviewTeam
from pb.web.forms import choice_int, form_status, options, show_error
from pb.web.pagination import paginate
from pb.web.lookups import authorized, staff_edition

bp = Blueprint("review", __name__)

EDITION_ADMIN_LINKS = [
    (_l("Technical review"), "review.dashboard", "review.view"),
    (_l("Eligibility checklist"), "review.checklist", "checklist.manage"),
    (_l("Ballot"), "review.ballot", "ballot.build"),
]
# What an idea's page (ideas domain) shows of its review: see pb.web.parts.
PAGE_PARTS = {"idea": lambda session, idea: {"failures": services.failed_criteria(session, idea)}}



# -- dashboard, queue and assignment --------------------------------------------------------------------

@bp.get("/admin/editions/<int:edition_id>/review", endpoint="dashboard")
@guard("review.view")
def dashboard_page(edition_id: int) -> str:
    edition = staff_edition(edition_id, "review.view")
    args = {"status": request.args.get("status", "open"), "district": choice_int(request.args.get("district")),
            "assigned": request.args.get("assigned", ""), "reviewer": choice_int(request.args.get("reviewer"))}
    stmt = services.review_queue(db.session, current_user, edition, status=args["status"],
                                 district_id=args["district"], assigned=args["assigned"], reviewer_id=args["reviewer"])
    page = paginate(db.session, stmt, request.args.get("page"), per_page=50)
    stats = dashboard.progress(db.session, current_user, edition)
    assign_form = None
    reviewers = []
    if stats["manager"]:
        reviewers = services.reviewers(db.session, edition)
        assign_form = AssignForm()
        assign_form.reviewer_id.choices = options([("", _("Nobody"))] + [(u.id, u.display_name) for u in reviewers])
        assign_form.team_id.choices = options([("", _("No service"))] + [(t.id, t.name)
                                                                         for t in services.list_teams(db.session)])
    query = {k: v for k, v in args.items() if v}
    return render_template("review/dashboard.html", edition=edition, page=page, stats=stats, args=args,
                           query=query, assign_form=assign_form, reviewers=reviewers,
                           assignments=services.assignments_of(db.session, [i.id for i in page.items]),
                           statuses=[s for s in IdeaStatus if s is not IdeaStatus.DRAFT])


@bp.post("/admin/editions/<int:edition_id>/review/assign")
@guard("review.manage")
def assign(edition_id: int) -> Response:
    edition = staff_edition(edition_id, "review.manage")
    form = AssignForm()
    form.reviewer_id.choices = options([("", "")] + [(u.id, "") for u in services.reviewers(db.session, edition)])
    form.team_id.choices = options([("", "")] + [(t.id, "") for t in services.list_teams(db.session)])
    if form.validate_on_submit():
        ids = [i for i in (choice_int(v) for v in request.form.getlist("idea_ids")) if i]
        try:
            n = services.assign(db.session, current_user, edition, ids, reviewer_id=choice_int(form.reviewer_id.data),
                                team_id=choice_int(form.team_id.data))
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("Ideas assigned: %(n)s.", n=n), "success")
    else:
        flash(_("Choose a reviewer or a service."), "error")
    return redirect(request.form.get("back") or url_for("review.dashboard", edition_id=edition.id))


# -- the review form ------------------------------------------------------------------------------------

@bp.route("/admin/review/ideas/<int:idea_id>", methods=["GET", "POST"])
@guard("review.view")
def idea(idea_id: int) -> str | Response | tuple[str, int]:
    item = services.get_for_review(db.session, current_user, idea_id)
    edition = item.edition
    items = services.checklist(db.session, edition)
    review = services.review_of(db.session, item)
    form = review_form(items)
    if request.method == "GET" and review is not None:
        answers = {a.item_id: a.passed for a in review.answers}
        for ci in items:
            form[f"item_{ci.id}"].data = {True: "yes", False: "no"}.get(answers.get(ci.id), "")  # type: ignore[call-overload]
        form.reviewed_cost_cents.data = review.reviewed_cost_cents
        form.public_reason.data, form.internal_note.data = review.public_reason, review.internal_note
    elif request.method == "GET" and item.estimated_cost_cents is not None:
        form.reviewed_cost_cents.data = item.estimated_cost_cents
    if form.validate_on_submit():
        try:
            services.save_review(db.session, current_user, item, answers=answers_of(form, items),
                                 reviewed_cost_cents=form.reviewed_cost_cents.data, decision=form.decision.data or None,
                                 public_reason=form.public_reason.data or "", internal_note=form.internal_note.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The review is saved; the idea is now “%(status)s”.", status=item.status.label), "success")
            return redirect(url_for("review.idea", idea_id=item.id))
    return render_template("review/idea.html", edition=edition, idea=item, form=form, items=items, review=review,
                           open=item.status in services.UNDER_REVIEW,
                           assignment=services.assignments_of(db.session, [item.id]).get(item.id)), form_status(form)


@bp.route("/admin/review/ideas/<int:idea_id>/reopen", methods=["GET", "POST"])
@guard("review.manage")
def reopen(idea_id: int) -> str | Response | tuple[str, int]:
    item = authorized("review.manage", db.session.get(Idea, idea_id) or abort(404))
    form = ReopenForm()
    if form.validate_on_submit():
        try:
            services.reopen(db.session, current_user, item, form.reason.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The decision is cancelled; the idea is “%(status)s” again.", status=item.status.label), "success")
            return redirect(url_for("review.idea", idea_id=item.id))
    return render_template("review/reopen.html", idea=item, form=form), form_status(form)


# -- merges ---------------------------------------------------------------------------------------------

@bp.route("/admin/editions/<int:edition_id>/review/merge", methods=["GET", "POST"])
@guard("review.manage")
def merge(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "review.manage")
    district_id = choice_int(request.values.get("district"))
    stmt = services.review_queue(db.session, current_user, edition, district_id=district_id)
    candidates = [i for i in db.session.scalars(stmt).unique() if i.status in review_projects.MERGEABLE]
    project_choices = review_projects.candidate_projects(db.session, edition)
    form = MergeForm()
    form.project_id.choices = options([("", _("A new project"))] + [(p.id, f"{p.reference} – {p.title}")
                                                                    for p in project_choices])
    form.district_id.choices = options([("", _("Choose…"))] + [(d.id, d.name) for d in edition.districts])
    selected = {i for i in (choice_int(v) for v in request.form.getlist("idea_ids")) if i}
    if form.validate_on_submit():
        try:
            project = review_projects.merge_ideas(
                db.session, current_user, edition, selected, project_id=choice_int(form.project_id.data),
                title=form.title.data or "", district_id=choice_int(form.district_id.data),
                cost_cents=form.cost_cents.data, summary=form.summary.data or "", reason=form.reason.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The ideas are merged into project no. %(n)s.", n=project.reference), "success")
            return redirect(url_for("ideas.project", slug=edition.slug, number=project.number))
    return render_template("review/merge.html", edition=edition, form=form, candidates=candidates, selected=selected,
                           district_id=district_id), form_status(form)


# -- checklist and city services ------------------------------------------------------------------------

@bp.route("/admin/editions/<int:edition_id>/checklist", methods=["GET", "POST"])
@guard("checklist.manage")
def checklist(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "checklist.manage")
    items = services.checklist(db.session, edition)
    locked = services.checklist_locked(db.session, edition)
    form = ChecklistForm()
    if request.method == "GET":
        form.items.data = "\n".join(f"{i.label} | {i.help}" if i.help else i.label for i in items)
    if form.validate_on_submit():
        lines = [line.partition("|") for line in (form.items.data or "").splitlines()]
        try:
            services.save_checklist(db.session, current_user, edition, [(a, c) for a, _b, c in lines])
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The checklist is saved."), "success")
            return redirect(url_for("review.checklist", edition_id=edition.id))
    return render_template("review/checklist.html", edition=edition, items=items, locked=locked,
                           form=form), form_status(form)


@bp.route("/admin/review/services", methods=["GET", "POST"])
@bp.route("/admin/review/services/<int:team_id>", methods=["GET", "POST"])
@guard("review.teams")
def teams(team_id: int | None = None) -> str | Response | tuple[str, int]:
    team = db.session.get(ReviewTeam, team_id) if team_id else None
    if team_id and team is None:
        abort(404)
    form = TeamForm(obj=team)
    if request.method == "GET" and team is not None:
        form.members.data = "\n".join(u.email for u in team.members)
    if form.validate_on_submit():
        try:
            services.save_team(db.session, current_user, team, name=form.name.data,
                               member_emails=(form.members.data or "").split())
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The service is saved."), "success")
            return redirect(url_for("review.teams"))
    return render_template("review/teams.html", teams=services.list_teams(db.session), team=team,
                           form=form), form_status(form)


# -- projects and the ballot ----------------------------------------------------------------------------

@bp.route("/admin/projects/<int:project_id>", methods=["GET", "POST"])
@guard("project.edit")
def edit_project(project_id: int) -> str | Response | tuple[str, int]:
    project = authorized("project.edit", db.session.get(Project, project_id) or abort(404))
    form = ProjectForm(obj=project)
    form.district_id.choices = options((d.id, d.name) for d in project.edition.districts)
    if request.method == "GET":
        form.cost_cents.data = project.cost_cents
    if form.validate_on_submit():
        try:
            review_projects.update_project(db.session, current_user, project, title=form.title.data,
                                           summary=form.summary.data or "", cost_cents=form.cost_cents.data,
                                           district_id=form.district_id.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The project is saved."), "success")
            return redirect(url_for("ideas.project", slug=project.edition.slug, number=project.number))
    return render_template("review/project.html", project=project, form=form), form_status(form)


@bp.route("/admin/editions/<int:edition_id>/ballot", methods=["GET", "POST"], endpoint="ballot")
@guard("ballot.build")
def ballot_page(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "ballot.build")
    form = BuildForm()
    if form.validate_on_submit():
        try:
            changes = ballot.build_ballot(db.session, current_user, edition)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The ballot is built. Projects whose status changed: %(n)s.", n=len(changes)), "success")
            return redirect(url_for("review.ballot", edition_id=edition.id))
    return render_template("review/ballot.html", edition=edition, rows=ballot.overview(db.session, edition),
                           form=form), form_status(form)

