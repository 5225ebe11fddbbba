"""Browsing: the lists and pages of ideas and projects, and a person's own ideas."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user

from pb.authz import can, guard, public
from pb.db import db
from pb.editions.models import Edition
from pb.ideas import comments as comment_services, places as place_services, projects as project_services, rules, services
from pb.ideas.forms import CommentForm
from pb.ideas.models import THEMES, Idea
from pb.ideas.views import bp
from pb.projects.models import Project, ProjectStatus
from pb.web.forms import choice_int
from pb.web.lookups import visible_edition
from pb.web.pagination import paginate
from pb.web.parts import page_parts


def _list_args(default_sort: str) -> dict[str, Any]:
    return {"district": choice_int(request.args.get("district")), "theme": request.args.get("theme", ""),
            "status": request.args.get("status", ""), "q": request.args.get("q", "")[:100],
            "sort": request.args.get("sort", default_sort)}


@bp.get("/editions/<slug>/ideas")
@public
def index(slug: str) -> str:
    edition = visible_edition(slug)
    args = _list_args("recent")
    stmt = services.list_ideas(db.session, edition, district_id=args["district"], theme=args["theme"],
                               status=args["status"], q=args["q"], sort=args["sort"])
    page = paginate(db.session, stmt, request.args.get("page"), per_page=20)
    counts = services.comment_counts(db.session, idea_ids=[i.id for i in page.items])
    query = {k: v for k, v in args.items() if v}
    return render_template("ideas/index.html", edition=edition, page=page, counts=counts, args=args, query=query,
                           themes=THEMES, statuses=rules.PUBLIC, sorts=services.SORTS,
                           closed=services.submission_closed_reason(edition),
                           deadline=services.submission_deadline(edition))


def _comment_context(edition: Edition, form: CommentForm | None, **target: int) -> dict[str, Any]:
    return {"threads": comment_services.threads(db.session, **target),
            "comments_open": comment_services.comments_open(edition), "comment_form": form or CommentForm()}


def idea_page(edition: Edition, idea: Idea, comment_form: CommentForm | None = None) -> str:
    """The idea page; `comment_form` is a refused comment shown again with what was typed."""
    project_info = page_parts("project", idea.project_id) if idea.project_id else {}
    return render_template("ideas/show.html", edition=edition, idea=idea, project=idea.project,
                           **services.author_actions(current_user, idea),
                           see_hidden=can(current_user, "idea.see_hidden", idea),
                           **page_parts("idea", idea), **project_info, **_comment_context(edition, comment_form, idea_id=idea.id))


def project_page(edition: Edition, project: Project, comment_form: CommentForm | None = None) -> str:
    return render_template("ideas/project.html", edition=edition, project=project,
                           ideas=services.ideas_of_project(db.session, project.id),
                           **page_parts("project", project.id),
                           **_comment_context(edition, comment_form, project_id=project.id))


@bp.get("/editions/<slug>/ideas/<int:idea_id>")
@public
def show(slug: str, idea_id: int) -> str:
    edition = visible_edition(slug)
    return idea_page(edition, services.get_idea(db.session, idea_id, current_user, edition))


@bp.get("/account/ideas")
@guard("authenticated")
def mine() -> str:
    return render_template("ideas/mine.html", ideas=services.my_ideas(db.session, current_user))


@bp.get("/editions/<slug>/projects")
@public
def projects(slug: str) -> str:
    edition = visible_edition(slug)
    args = _list_args("number")
    stmt = project_services.list_projects(db.session, edition, district_id=args["district"], theme=args["theme"],
                                          status=args["status"], q=args["q"], sort=args["sort"])
    page = paginate(db.session, stmt, request.args.get("page"), per_page=25)
    extras = project_services.project_extras(db.session, [p.id for p in page.items])
    query = {k: v for k, v in args.items() if v}
    return render_template("ideas/projects.html", edition=edition, page=page, extras=extras, args=args,
                           **page_parts("project_list", [p.id for p in page.items]),
                           query=query, themes=THEMES, statuses=list(ProjectStatus), sorts=project_services.SORTS)


@bp.get("/editions/<slug>/projects/<int:number>")
@public
def project(slug: str, number: int) -> str:
    edition = visible_edition(slug)
    return project_page(edition, services.project_by_number(db.session, edition, number))


@bp.get("/editions/<slug>/map")
@public
def map_page(slug: str) -> str:
    """The map of ideas and projects, and the same places as a list (the accessible alternative)."""
    edition = visible_edition(slug)
    return render_template("ideas/map.html", edition=edition, places=place_services.places(db.session, edition))
