"""Pages: the officer's desk (sign-in, keys, closing, the report's two entries, sign-off, the
printable procès-verbal) and the administrators' pages (stations, officers, reconciliation)."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pb.authz import guard
from pb.ballotbox import errors
from pb.ballotbox.forms import (
    AmendForm, ConfirmCloseForm, KeyForm, LookupForm, OfficerForm, RegisterForm, ReportForm, StationForm, UploadForm,
)
from pb.ballotbox.services import reconcile as reconciliation
from pb.ballotbox.services import reports, signin
from pb.ballotbox.services import stations as svc
from pb.db import db
from pb.errors import PbError, ValidationFailed
from pb.projects.models import Project
from pb.web.csv import csv_response
from pb.web.forms import form_status, options, show_error
from pb.web.lookups import staff_edition

bp = Blueprint("ballotbox", __name__)
EDITION_ADMIN_LINKS = [(_l("Polling stations and reconciliation"), "ballotbox.stations", "ballotbox.manage")]


def _desk_station(station_id: int) -> Any:
    station = svc.get_station(db.session, None, station_id)
    svc.check_desk(current_user, station)
    return station


# -- the desk ------------------------------------------------------------------------------------

@bp.get("/desk/")
@guard("ballotbox.desk")
def desk_index() -> str:
    return render_template("ballotbox/desk_index.html", stations=svc.officer_stations(db.session, current_user),
                           state=svc.state)


@bp.route("/desk/<int:station_id>", methods=["GET", "POST"])
@guard("ballotbox.desk")
def desk(station_id: int) -> tuple[str, int] | str:
    station = _desk_station(station_id)
    form = LookupForm()
    found = done = register_form = None
    if form.validate_on_submit():
        identity = {"voter_ref": form.voter_ref.data or "", "last_name": form.last_name.data or "",
                    "first_name": form.first_name.data or "", "birth_date": form.birth_date.data}
        try:
            if request.form.get("action") == "signin":
                done = signin.sign_in(db.session, current_user, station, **identity)
            else:
                found = signin.lookup(db.session, current_user, station, **identity)
        except errors.AlreadySignedIn as refused:
            show_error(None, refused)
        except errors.NotRegistered as refused:
            show_error(form, refused)
            if not identity["voter_ref"] and _registers_here(station):
                register_form = _register_form(station, formdata=None, data={
                    k: identity[k] for k in ("last_name", "first_name", "birth_date")})
        except PbError as refused:
            show_error(form, refused)
    return _desk_page(station, form, KeyForm(formdata=None), found=found, done=done,
                      register_form=register_form), form_status(form)


def _registers_here(station: Any) -> bool:
    return bool(station.edition.desk_registration and not station.offline and svc.state(station) == "open")


def _register_form(station: Any, **kwargs: Any) -> RegisterForm:
    form = RegisterForm(**kwargs)
    districts = [d for d in station.edition.districts if not d.is_citywide]
    form.district.choices = options([("", "—")] + [(d.code, d.name) for d in districts])
    if station.district_id is not None and not form.district.data:
        form.district.data = next((d.code for d in districts if d.id == station.district_id), "")
    return form


@bp.post("/desk/<int:station_id>/register")
@guard("ballotbox.desk")
def desk_register(station_id: int) -> tuple[str, int] | str:
    """On-the-spot registration: a person missing from the register, ID checked, added and signed in."""
    station = _desk_station(station_id)
    form = _register_form(station)
    done = None
    if form.validate_on_submit():
        try:
            done = signin.register_and_sign_in(
                db.session, current_user, station, last_name=form.last_name.data, first_name=form.first_name.data,
                birth_date=form.birth_date.data, district=form.district.data or "", id_checked=form.id_checked.data)
        except errors.AlreadySignedIn as refused:
            show_error(None, refused)
        except PbError as refused:
            show_error(form, refused)
    shown = form if done is None and _registers_here(station) else None
    return (_desk_page(station, LookupForm(formdata=None), KeyForm(formdata=None), done=done, register_form=shown),
            form_status(form))


def _desk_page(station: Any, form: Any, key_form: Any, **shown: Any) -> str:
    return render_template("ballotbox/desk.html", station=station, form=form, found=shown.get("found"),
                           done=shown.get("done"), register_form=shown.get("register_form"),
                           describe=signin.describe, state=svc.state(station),
                           signins=signin.signins_of(db.session, station),
                           keys=svc.keys_of(db.session, station, current_user), key_form=key_form,
                           closes_at=svc.closes_at(station))


@bp.post("/desk/<int:station_id>/keys")
@guard("ballotbox.desk")
def desk_key(station_id: int) -> str | tuple[str, int]:
    """A new key, shown once. A refused one shows the desk again with the device's name as typed."""
    station = _desk_station(station_id)
    key_form = KeyForm()
    if key_form.validate_on_submit():
        try:
            _key, raw = svc.create_key(db.session, current_user, station, current_user, label=key_form.label.data or "")
            return render_template("ballotbox/key.html", station=station, raw=raw)
        except PbError as refused:
            show_error(key_form, refused)
    return _desk_page(station, LookupForm(formdata=None), key_form), form_status(key_form)


@bp.post("/desk/<int:station_id>/keys/<int:key_id>/revoke")
@guard("ballotbox.desk")
def desk_revoke_key(station_id: int, key_id: int) -> Response:
    station = _desk_station(station_id)
    svc.revoke_key(db.session, current_user, station, key_id)
    flash(_("The key is revoked: it no longer works."), "success")
    return redirect(url_for("ballotbox.desk", station_id=station.id))


@bp.route("/desk/<int:station_id>/close", methods=["GET", "POST"])
@guard("ballotbox.desk")
def desk_close(station_id: int) -> str | Response | tuple[str, int]:
    station = _desk_station(station_id)
    form = ConfirmCloseForm()
    if form.validate_on_submit():
        svc.close_station(db.session, current_user, station)
        flash(_("The station is closed. Enter its report."), "success")
        return redirect(url_for("ballotbox.report", station_id=station.id))
    return render_template("ballotbox/close.html", station=station, form=form), form_status(form)


def _number_index(station: Any) -> dict[str, int]:
    projects = reports.station_projects(db.session, station)
    return {str(p.number): p.id for p in db.session.query(Project).filter(Project.id.in_(list(projects)))}


def parse_keyed(text: str, kind: str, numbers: dict[str, int]) -> list[dict[str, Any]]:
    """The desk's textarea: one ballot a line, project numbers as printed on the paper. A number
    not on this ballot stays in the ballot (the validation then keeps it as spoilt, with why)."""
    ballots: list[dict[str, Any]] = []
    for line in text.splitlines():
        parts = [p for p in line.replace(",", " ").replace(";", " ").split() if p]
        if not parts:
            continue
        if kind in ("majority_judgment", "cumulative"):
            values: dict[str, Any] = {}
            for part in parts:
                number, _sep, value = part.partition("=")
                pid = numbers.get(number.strip().lstrip("0") or "0", numbers.get(number.strip()))
                values[str(pid if pid is not None else f"n{number}")] = value.strip() or "?"
            ballots.append({"grades" if kind == "majority_judgment" else "points": values})
        else:
            ballots.append({"choices": [numbers.get(p.lstrip("0") or "0", numbers.get(p, f"n{p}")) for p in parts]})
    return ballots


@bp.route("/desk/<int:station_id>/report", methods=["GET", "POST"])
@guard("ballotbox.desk")
def report(station_id: int) -> str | Response | tuple[str, int]:
    station = _desk_station(station_id)
    form = ReportForm()
    projects = sorted(db.session.query(Project).filter(Project.id.in_(list(reports.station_projects(db.session, station)))),
                      key=lambda p: p.number)
    if form.validate_on_submit():
        body = _report_body(form, station, projects)
        try:
            reports.submit_entry(db.session, current_user, station, form.entry.data, body)
            flash(_("Your entry is recorded."), "success")
            return redirect(url_for("ballotbox.report", station_id=station.id))
        except PbError as refused:
            show_error(form, refused)
    status = form_status(form)
    return render_template("ballotbox/report.html", station=station, form=form, projects=projects,
                           current=reports.report_state(db.session, station), closed=svc.is_closed(station),
                           needs_ballots=reports.needs_ballots(station.edition)), status


def _report_body(form: Any, station: Any, projects: list[Project]) -> dict[str, Any]:
    body: dict[str, Any] = {"envelopes": form.envelopes.data or 0, "blank": form.blank.data or 0,
                            "spoilt": form.spoilt.data or 0}
    if (form.ballots.data or "").strip():
        body["ballots"] = parse_keyed(form.ballots.data, str(station.edition.ballot_type), _number_index(station))
    else:
        totals: dict[str, Any] = {}
        for p in projects:
            value = (request.form.get(f"total-{p.id}") or "0").strip()
            totals[str(p.id)] = int(value) if value.isdigit() else value
        body["totals"] = totals
    return body


@bp.post("/desk/<int:station_id>/report/sign-off")
@guard("ballotbox.desk")
def sign_off(station_id: int) -> Response:
    station = _desk_station(station_id)
    try:
        reports.sign_off(db.session, current_user, station)
        flash(_("The report is signed off and locked."), "success")
    except PbError as refused:
        show_error(None, refused)
    return redirect(url_for("ballotbox.report", station_id=station.id))


@bp.route("/desk/<int:station_id>/upload", methods=["GET", "POST"])
@guard("ballotbox.desk")
def upload(station_id: int) -> str | tuple[str, int]:
    station = _desk_station(station_id)
    form = UploadForm()
    result = None
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
            result = signin.upload_signins(db.session, current_user, station, io.StringIO(text))
        except UnicodeDecodeError:
            show_error(form, ValidationFailed(_l("The file must be UTF-8."), field="file"))
        except PbError as refused:
            show_error(form, refused)
    status = form_status(form)
    return render_template("ballotbox/upload.html", station=station, form=form, result=result), status


@bp.get("/stations/<int:station_id>/report.html")
@guard("ballotbox.report")
def print_report(station_id: int) -> str:
    """The printable procès-verbal (A4): officers of the station and the edition's administrators."""
    station = svc.get_station(db.session, None, station_id)
    reports.check_reader(current_user, station)
    current = reports.report_state(db.session, station)
    projects = sorted(db.session.query(Project).filter(Project.id.in_(list(reports.station_projects(db.session, station)))),
                      key=lambda p: p.number)
    return render_template("ballotbox/print.html", station=station, current=current, projects=projects,
                           signins=signin.signins_of(db.session, station))


# -- administrators ----------------------------------------------------------------------------------

def _local(text: str | None, field: str) -> dt.datetime | None:
    """A date and time as written in France (14/03/2027 08:00) or ISO (2027-03-14 08:00), local time."""
    if not text or not text.strip():
        return None
    text = text.strip()
    try:
        value = dt.datetime.strptime(text, "%d/%m/%Y %H:%M") if "/" in text else dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(_l("Not a date and time (14/03/2027 08:00)."), field=field) from None
    if value.tzinfo is None:
        from pb.voting.services.common import settings

        value = value.replace(tzinfo=zoneinfo.ZoneInfo(settings().timezone))
    return value


@bp.route("/admin/editions/<int:edition_id>/stations", methods=["GET", "POST"])
@guard("ballotbox.manage")
def stations(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "ballotbox.manage")
    form = StationForm()
    form.district.choices = options([("", _("City-wide (any voter)"))] + [(d.code, d.name) for d in edition.districts
                                                                           if not d.is_citywide])
    if form.validate_on_submit():
        try:
            station = svc.create_station(db.session, current_user, edition, name=form.name.data,
                                         address=form.address.data or "", district=form.district.data or None,
                                         opens=_local(form.opens.data, "opens"), closes=_local(form.closes.data, "closes"),
                                         offline=form.offline.data)
            flash(_("Station “%(name)s” created.", name=station.name), "success")
            return redirect(url_for("ballotbox.station", edition_id=edition.id, station_id=station.id))
        except PbError as refused:
            show_error(form, refused)
    status = form_status(form)
    return render_template("ballotbox/stations.html", edition=edition, form=form,
                           stations=svc.stations_of(db.session, edition), state=svc.state,
                           report_state=lambda s: reports.report_state(db.session, s).state), status


@bp.route("/admin/editions/<int:edition_id>/stations/<int:station_id>", methods=["GET", "POST"])
@guard("ballotbox.manage")
def station(edition_id: int, station_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "ballotbox.manage")
    station = svc.get_station(db.session, edition, station_id)
    form = OfficerForm()
    if form.validate_on_submit():
        try:
            svc.grant_officer(db.session, current_user, station, svc.find_user(db.session, form.email.data))
            flash(_("%(email)s is now an officer of this station.", email=form.email.data), "success")
            return redirect(url_for("ballotbox.station", edition_id=edition.id, station_id=station.id))
        except PbError as refused:
            show_error(form, refused)
    status = form_status(form)
    return render_template("ballotbox/station.html", edition=edition, station=station, form=form,
                           state=svc.state(station), keys=svc.keys_of(db.session, station),
                           current=reports.report_state(db.session, station),
                           signins=signin.signins_of(db.session, station)), status


@bp.post("/admin/editions/<int:edition_id>/stations/<int:station_id>/officers/<int:user_id>/remove")
@guard("ballotbox.manage")
def remove_officer(edition_id: int, station_id: int, user_id: int) -> Response:
    edition = staff_edition(edition_id, "ballotbox.manage")
    svc.revoke_officer(db.session, current_user, svc.get_station(db.session, edition, station_id), user_id)
    flash(_("The officer is removed; their keys for this station no longer work."), "success")
    return redirect(url_for("ballotbox.station", edition_id=edition.id, station_id=station_id))


@bp.post("/admin/editions/<int:edition_id>/stations/<int:station_id>/keys/<int:key_id>/revoke")
@guard("ballotbox.manage")
def revoke_key(edition_id: int, station_id: int, key_id: int) -> Response:
    edition = staff_edition(edition_id, "ballotbox.manage")
    svc.revoke_key(db.session, current_user, svc.get_station(db.session, edition, station_id), key_id)
    flash(_("The key is revoked: it no longer works."), "success")
    return redirect(url_for("ballotbox.station", edition_id=edition.id, station_id=station_id))


@bp.route("/admin/editions/<int:edition_id>/stations/<int:station_id>/amend", methods=["GET", "POST"])
@guard("ballotbox.manage")
def amend(edition_id: int, station_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "ballotbox.manage")
    station = svc.get_station(db.session, edition, station_id)
    form = AmendForm()
    form.entry.validators = []
    projects = sorted(db.session.query(Project).filter(Project.id.in_(list(reports.station_projects(db.session, station)))),
                      key=lambda p: p.number)
    if request.method == "POST" and form.validate():
        try:
            reports.amend_report(db.session, current_user, station, _report_body(form, station, projects), form.reason.data)
            flash(_("The report is changed; the change and its reason are in the audit log."), "success")
            return redirect(url_for("ballotbox.station", edition_id=edition.id, station_id=station.id))
        except PbError as refused:
            show_error(form, refused)
    status = form_status(form)
    return render_template("ballotbox/amend.html", edition=edition, station=station, form=form, projects=projects,
                           current=reports.report_state(db.session, station)), status


@bp.get("/admin/editions/<int:edition_id>/reconcile")
@guard("ballotbox.manage")
def reconcile(edition_id: int) -> str:
    edition = staff_edition(edition_id, "ballotbox.manage")
    return render_template("ballotbox/reconcile.html", edition=edition,
                           result=reconciliation.reconcile(db.session, current_user, edition))


@bp.get("/admin/editions/<int:edition_id>/reconcile.csv")
@guard("ballotbox.manage")
def reconcile_csv(edition_id: int) -> Response:
    edition = staff_edition(edition_id, "ballotbox.manage")
    text = reconciliation.as_csv(reconciliation.reconcile(db.session, current_user, edition))
    return csv_response(text, f"rapprochement-{edition.slug}.csv")

