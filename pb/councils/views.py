"""Public pages of neighbourhood councils and public meetings; the staff pages where councils,
sessions, opinions, meetings and attendance are recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.authz import can, guard, public
from pb.councils import services
from pb.councils.forms import AttendanceForm, CouncilForm, LinkForm, MeetingForm, OpinionForm, SessionForm
from pb.councils.models import CouncilSession, SessionProject
from pb.db import db
from pb.editions import services as editions
from pb.editions.models import Edition
from pb.errors import PbError
from pb.projects.models import Project
from pb.web.forms import choice_int, form_status, options, show_error
from pb.web.lookups import authorized, staff_edition, visible_edition

bp = Blueprint("councils", __name__)

EDITION_PAGE_LINKS = [(_l("Neighbourhood councils"), "councils.index"), (_l("Public meetings"), "councils.meetings")]
EDITION_ADMIN_LINKS = [(_l("Neighbourhood councils"), "councils.admin", "council.record"),
                       (_l("Public meetings"), "councils.admin_meetings", "meeting.manage")]
# What a project's pages (ideas domain) show of the councils: see pb.web.parts.
PAGE_PARTS = {
    "project": lambda session, project_id: {"councils": services.project_councils(session, project_id),
                                            "attendance": services.project_attendance(session, project_id)},
    "project_list": lambda session, project_ids: {"opinions": services.opinion_counts(session, project_ids)},
}


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PB_SETTINGS"].timezone)


def to_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=_zone()).astimezone(dt.timezone.utc)


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(_zone()).replace(tzinfo=None) if value else None




def _district_choices(edition: Edition, none_label: str) -> list[Any]:
    return options([("", none_label)] + [(d.id, d.name) for d in edition.districts])


# -- public pages -------------------------------------------------------------------------------------

@bp.get("/editions/<slug>/councils")
@public
def index(slug: str) -> str:
    edition = visible_edition(slug)
    return render_template("councils/index.html", edition=edition, councils=services.list_councils(db.session, edition))


@bp.get("/editions/<slug>/councils/<int:council_id>")
@public
def show(slug: str, council_id: int) -> str:
    edition = visible_edition(slug)
    council = services.get_council(db.session, council_id, edition)
    return render_template("councils/show.html", edition=edition, council=council,
                           projects=services.council_projects(db.session, council))


@bp.get("/editions/<slug>/meetings")
@public
def meetings(slug: str) -> str:
    edition = visible_edition(slug)
    return render_template("councils/meetings.html", edition=edition, meetings=services.list_meetings(db.session, edition))


# -- councils (staff) ---------------------------------------------------------------------------------

@bp.get("/admin/editions/<int:edition_id>/councils")
@guard("council.record")
def admin(edition_id: int) -> str:
    edition = staff_edition(edition_id, "council.record")
    councils = [c for c in services.list_councils(db.session, edition) if can(current_user, "council.record", c)]
    return render_template("councils/admin.html", edition=edition, councils=councils)


@bp.route("/admin/editions/<int:edition_id>/councils/new", methods=["GET", "POST"])
@bp.route("/admin/councils/<int:council_id>/settings", methods=["GET", "POST"])
@guard("council.manage")
def edit(edition_id: int | None = None, council_id: int | None = None) -> str | Response | tuple[str, int]:
    council = services.get_council(db.session, council_id) if council_id else None
    edition = staff_edition(council.edition_id if council else edition_id, "council.manage")  # type: ignore[arg-type]
    form = CouncilForm(obj=council)
    form.district_id.choices = _district_choices(edition, _("The whole city"))
    if request.method == "GET" and council is not None:
        form.district_id.data = str(council.district_id or "")
        form.members.data = "\n".join(f"{m.name}, {m.role}" if m.role else m.name for m in council.members if m.active)
    if form.validate_on_submit():
        try:
            council = services.save_council(db.session, current_user, edition, council, name=form.name.data,
                                            district_id=choice_int(form.district_id.data),
                                            description=form.description.data or "", members=form.members.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The council is saved."), "success")
            return redirect(url_for("councils.council", council_id=council.id))
    return render_template("councils/council_form.html", edition=edition, council=council, form=form), form_status(form)


@bp.get("/admin/councils/<int:council_id>")
@guard("council.record")
def council(council_id: int) -> str:
    item = authorized("council.record", services.get_council(db.session, council_id))
    edition = editions.get_edition(db.session, item.edition_id)
    return render_template("councils/council_admin.html", edition=edition, council=item,
                           projects=services.council_projects(db.session, item))


@bp.route("/admin/councils/<int:council_id>/sessions/new", methods=["GET", "POST"])
@bp.route("/admin/councils/<int:council_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@guard("council.record")
def session(council_id: int, session_id: int | None = None) -> str | Response | tuple[str, int]:
    item = authorized("council.record", services.get_council(db.session, council_id))
    record = services.get_session(db.session, session_id) if session_id else None
    if record is not None and record.council_id != item.id:
        abort(404)
    form = SessionForm(obj=record)
    form.present.choices = options((m.id, f"{m.name}{', ' + m.role if m.role else ''}") for m in item.members
                                   if m.active or (record is not None and m in record.present))
    if request.method == "GET" and record is not None:
        form.starts_at.data = to_local(record.starts_at)
        form.present.data = [m.id for m in record.present]
    if form.validate_on_submit():
        try:
            record = services.save_session(db.session, current_user, item, record, starts_at=to_utc(form.starts_at.data),
                                           place=form.place.data or "", agenda=form.agenda.data or "",
                                           minutes=form.minutes.data or "", present_member_ids=form.present.data or [],
                                           public_attendance=form.public_attendance.data or 0)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for("councils.session", council_id=item.id, session_id=record.id))
    link_form = _link_form(item) if record is not None else None
    return render_template("councils/session_form.html", council=item, record=record, form=form, link_form=link_form,
                           confirm=ConfirmForm()), form_status(form)


def _link_form(council: Any) -> LinkForm:
    form = LinkForm()
    form.project_id.choices = options((p.id, f"{p.reference} – {p.title}")
                                      for p in services.projects_for_council(db.session, council))
    return form


@bp.post("/admin/councils/<int:council_id>/sessions/<int:session_id>/link")
@guard("council.record")
def link(council_id: int, session_id: int) -> Response:
    item = authorized("council.record", services.get_council(db.session, council_id))
    record = services.get_session(db.session, session_id)
    if record.council_id != item.id:
        abort(404)
    form = _link_form(item)
    if form.validate_on_submit():
        project = db.session.get(Project, form.project_id.data) or abort(404)
        try:
            services.link_project(db.session, current_user, record, project, form.handling.data)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("Project no. %(n)s is on the session's record.", n=project.reference), "success")
    return redirect(url_for("councils.session", council_id=item.id, session_id=record.id) + "#projects")


@bp.post("/admin/councils/<int:council_id>/links/<int:link_id>/remove")
@guard("council.record")
def unlink(council_id: int, link_id: int) -> Response:
    item = db.session.get(SessionProject, link_id) or abort(404)
    if item.session.council_id != council_id:
        abort(404)
    authorized("council.record", item.session.council)
    form = ConfirmForm()
    session_id = item.session_id
    if form.validate_on_submit():
        try:
            services.unlink_project(db.session, current_user, item)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The project is removed from the session's record."), "success")
    return redirect(url_for("councils.session", council_id=council_id, session_id=session_id) + "#projects")


@bp.route("/admin/councils/<int:council_id>/opinions/<int:project_id>", methods=["GET", "POST"])
@guard("council.record")
def opinion(council_id: int, project_id: int) -> str | Response | tuple[str, int]:
    item = authorized("council.record", services.get_council(db.session, council_id))
    project = authorized("council.record", db.session.get(Project, project_id) or abort(404))
    existing = next((e["opinion"] for e in services.council_projects(db.session, item)
                     if e["project"].id == project.id and e["opinion"]), None)
    form = OpinionForm(obj=existing)
    sessions: list[CouncilSession] = list(item.sessions)
    form.session_id.choices = options([("", _("No particular session"))]
                                      + [(s.id, format_datetime(s.starts_at, "d MMMM y, HH:mm")) for s in sessions])
    if request.method == "GET":
        if existing is not None:
            form.opinion.data, form.session_id.data = existing.opinion.value, str(existing.session_id or "")
        elif request.args.get("session"):
            form.session_id.data = request.args["session"]
    if form.validate_on_submit():
        try:
            services.record_opinion(db.session, current_user, item, project, opinion=form.opinion.data,
                                    text=form.text.data or "", session_id=choice_int(form.session_id.data))
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The council's opinion on project no. %(n)s is recorded.", n=project.reference), "success")
            return redirect(url_for("councils.council", council_id=item.id))
    return render_template("councils/opinion_form.html", council=item, project=project, form=form,
                           existing=existing), form_status(form)


# -- public meetings (staff) ----------------------------------------------------------------------------

@bp.get("/admin/editions/<int:edition_id>/meetings")
@guard("meeting.manage")
def admin_meetings(edition_id: int) -> str:
    edition = staff_edition(edition_id, "meeting.manage")
    meetings = [m for m in services.list_meetings(db.session, edition) if can(current_user, "meeting.manage", m)]
    return render_template("councils/admin_meetings.html", edition=edition, meetings=meetings)


@bp.route("/admin/editions/<int:edition_id>/meetings/new", methods=["GET", "POST"])
@bp.route("/admin/meetings/<int:meeting_id>", methods=["GET", "POST"])
@guard("meeting.manage")
def meeting(edition_id: int | None = None, meeting_id: int | None = None) -> str | Response | tuple[str, int]:
    record = services.get_meeting(db.session, meeting_id) if meeting_id else None
    edition = staff_edition(record.edition_id if record else edition_id, "meeting.manage")  # type: ignore[arg-type]
    if record is not None:
        authorized("meeting.manage", record)
    form = MeetingForm(obj=record)
    form.district_id.choices = _district_choices(edition, _("The whole city"))
    if request.method == "GET" and record is not None:
        form.starts_at.data = to_local(record.starts_at)
        form.district_id.data = str(record.district_id or "")
    if form.validate_on_submit():
        try:
            record = services.save_meeting(db.session, current_user, edition, record, title=form.title.data,
                                           starts_at=to_utc(form.starts_at.data),
                                           district_id=choice_int(form.district_id.data), place=form.place.data or "",
                                           description=form.description.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The meeting is saved."), "success")
            return redirect(url_for("councils.meeting", meeting_id=record.id))
    attendance_form = None
    groups: list[Any] = []
    if record is not None:
        groups = services.holders(db.session, edition.id)
        attendance_form = AttendanceForm()
        attendance_form.author_ids.choices = options((a.id, a.name) for _p, authors in groups for a in authors)
        attendance_form.author_ids.data = [a.author_id for a in record.attendance]
    return render_template("councils/meeting_form.html", edition=edition, record=record, form=form,
                           attendance_form=attendance_form, groups=groups), form_status(form)


@bp.post("/admin/meetings/<int:meeting_id>/attendance")
@guard("meeting.manage")
def attendance(meeting_id: int) -> Response:
    record = authorized("meeting.manage", services.get_meeting(db.session, meeting_id))
    form = AttendanceForm()
    form.author_ids.choices = options((a.id, a.name) for _p, authors in services.holders(db.session, record.edition_id)
                                      for a in authors)
    if form.validate_on_submit():
        try:
            services.set_attendance(db.session, current_user, record, form.author_ids.data or [])
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("Attendance is saved."), "success")
    else:
        flash(_("The attendance list could not be read; try again."), "error")
    return redirect(url_for("councils.meeting", meeting_id=record.id) + "#attendance")
