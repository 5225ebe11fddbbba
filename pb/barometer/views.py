"""The barometer's pages: the public dashboard and open-data page with its files; for staff, the
edition's indicators, questionnaire, export and datasets, the territory's open-data settings,
and the aggregation of uploaded exports."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from pb.accounts.forms import ConfirmForm
from pb.authz import guard, public
from pb.barometer import aggregate as agg
from pb.barometer import charts, dashboard, export, opendata, services
from pb.barometer.forms import AggregateForm, ProfileForm, QuestionnaireForm
from pb.barometer.indicators import CATALOGUE, HIGH_FROM, LOW_BELOW, REFERENCE_MEAN, REFERENCE_MEDIAN
from pb.barometer.models import Dataset
from pb.db import db
from pb.editions.models import Edition
from pb.errors import PbError
from pb.web.csv import csv_response
from pb.web.forms import form_status, show_error
from pb.web.lookups import staff_edition, visible_edition

bp = Blueprint("barometer", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PB_SETTINGS"].timezone)


# -- public -------------------------------------------------------------------------------------------

@bp.get("/editions/<slug>/dashboard")
@public
def show_dashboard(slug: str) -> str:
    edition = visible_edition(slug)
    board = dashboard.build(db.session, edition, _zone())
    return render_template("barometer/dashboard.html", edition=edition, board=board, svg=_dashboard_charts(board),
                           refs={"median": REFERENCE_MEDIAN, "mean": REFERENCE_MEAN, "low": LOW_BELOW, "high": HIGH_FROM})


def _dashboard_charts(board: dashboard.Dashboard) -> dict[str, Markup]:
    svg = {
        "days": charts.column_chart(_("Voters per day"), [(format_date(d, "d MMM"), n) for d, n in board.days],
                                    every=len(board.days) // 10 + 1),
        "hours": charts.column_chart(_("Voters by hour of the day"), [(f"{h:02d} h", n) for h, n in board.hours], every=3),
        "districts": charts.bar_chart(_("Voters by district"), [(name, on + paper) for name, on, paper, _rate in board.districts]),
        "funnel": charts.bar_chart(_("From ideas to funded projects"), [(str(label), n) for label, n in board.funnel]),
        "delivery": charts.bar_chart(_("Delivery of the funded projects"), [(str(label), n) for label, n in board.delivery_steps]),
    }
    q9 = board.values["Q9"]
    if q9:
        svg["level"] = charts.bar_chart(
            _("Participation rate and reference values"), [(_("This edition"), q9["total"])], fmt="percent",
            marks=[(_("median %(r)s", r=format_percent(REFERENCE_MEDIAN)), REFERENCE_MEDIAN),
                   (_("high from %(r)s", r=format_percent(HIGH_FROM)), HIGH_FROM)])
    return svg


@bp.get("/editions/<slug>/open-data")
@public
def open_data(slug: str) -> str:
    edition = visible_edition(slug)
    published = services.published(db.session, edition)
    datasets = [(info, published[info.dataset],
                 opendata.last_update(db.session, edition, info.dataset, published[info.dataset].published_at))
                for info in opendata.CATALOGUE if info.dataset in published]
    return render_template("barometer/open_data.html", edition=edition, datasets=datasets,
                           profile=export.profile(db.session))


def _published(slug: str, dataset: Dataset) -> Edition:
    """The edition, if this dataset of it is published (404 otherwise: it does not exist yet)."""
    edition = visible_edition(slug)
    if dataset not in services.published(db.session, edition):
        abort(404)
    return edition


@bp.get("/editions/<slug>/open-data/<name>.csv")
@public
def data_csv(slug: str, name: str) -> Response:
    """projets.csv, idees.csv, suivi.csv, budget.csv: each once its dataset is published."""
    if name not in opendata.CSV_FILES:
        abort(404)
    dataset, write = opendata.CSV_FILES[name]
    edition = _published(slug, dataset)
    return csv_response(write(db.session, edition), f"{edition.slug}-{name}.csv")


@bp.get("/editions/<slug>/open-data/indicateurs.json")
@public
def data_indicators(slug: str) -> Response:
    edition = _published(slug, Dataset.INDICATORS)
    return _json_download(export.to_json(export.document(db.session, edition)), f"{edition.slug}-indicateurs.json")


def _json_download(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# -- staff: one edition --------------------------------------------------------------------------------

# The words inside the indicators' values (the parts of a count, channels, controls, levels) as
# a reader reads them; datasets by their titles and refusals by their messages (value_labels).
VALUE_WORDS = {
    "total": _l("total"), "submitted": _l("submitted"), "admissible": _l("admissible"), "feasible": _l("feasible"),
    "merged": _l("merged"), "on_ballot": _l("on the ballot"), "funded": _l("funded projects"), "delivered": _l("delivered"),
    "rate": _l("rate"), "months_median": _l("median months"), "per_voter": _l("per voter"),
    "districts": _l("per district"), "median": _l("median"), "max": _l("maximum"),
    "online": _l("online"), "paper": _l("on paper"), "both": _l("online and on paper"), "none": _l("none"),
    "email": _l("an e-mail address"), "sms": _l("a code by text message"), "postal_code": _l("the postal code"),
    "register_tokens": _l("a code for each person on the register"), "franceconnect": _l("FranceConnect"),
    "low": _l("low"), "normal": _l("usual"), "high": _l("high"),
}


def _refusal_messages(cls: type[PbError] = PbError) -> dict[str, Any]:
    """Each refusal's code and its message (the ones that read whole, without a blank to fill)."""
    found = {}
    for sub in cls.__subclasses__():
        if "%(" not in str(sub.message):
            found[sub.code] = sub.message
        found |= _refusal_messages(sub)
    return found


def value_labels() -> dict[str, Any]:
    return {**_refusal_messages(), **{info.dataset.value: info.title for info in opendata.CATALOGUE}, **VALUE_WORDS}


@bp.route("/admin/editions/<int:edition_id>/barometer", methods=["GET", "POST"])
@guard("barometer.manage")
def manage(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "barometer.manage")
    q = export.questionnaire(db.session, edition)
    form = QuestionnaireForm(obj=q)
    if q is not None and not form.is_submitted():
        form.objectives.data = "\n".join(q.objectives or [])
        form.low_participation_reasons.data = "\n".join(q.low_participation_reasons or [])
        form.cost_band.data = q.cost_band.value if q.cost_band else ""
    if form.validate_on_submit():
        try:
            services.save_questionnaire(db.session, current_user, edition, managing_service=form.managing_service.data or "",
                                        cost_band=form.cost_band.data or None, objectives=form.objectives.data or "",
                                        evaluation=form.evaluation.data or "",
                                        low_participation_reasons=form.low_participation_reasons.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The questionnaire is saved."), "success")
            return redirect(url_for("barometer.manage", edition_id=edition.id))
    values = export.indicator_values(db.session, edition)
    published = services.published(db.session, edition)
    datasets = [(info, published.get(info.dataset), services.readiness(db.session, edition, info.dataset))
                for info in opendata.CATALOGUE]
    return render_template("barometer/manage.html", edition=edition, form=form, values=values, catalogue=CATALOGUE,
                           labels=value_labels(), datasets=datasets, confirm=ConfirmForm()), form_status(form)


@bp.get("/admin/editions/<int:edition_id>/barometer/export.<fmt>")
@guard("barometer.manage")
def download_export(edition_id: int, fmt: str) -> Response:
    edition = staff_edition(edition_id, "barometer.manage")
    if fmt not in ("json", "csv"):
        abort(404)
    doc = export.document(db.session, edition)
    name = f"{edition.slug}-barometre.{fmt}"
    return _json_download(export.to_json(doc), name) if fmt == "json" else csv_response(export.to_csv(doc), name)


@bp.post("/admin/editions/<int:edition_id>/barometer/datasets/<dataset>/<action>")
@guard("barometer.manage")
def dataset_action(edition_id: int, dataset: str, action: str) -> Response:
    edition = staff_edition(edition_id, "barometer.manage")
    if dataset not in {d.value for d in Dataset} or action not in ("publish", "unpublish"):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            if action == "publish":
                services.publish_dataset(db.session, current_user, edition, dataset)
                flash(_("The dataset is published on the open-data page."), "success")
            else:
                services.unpublish_dataset(db.session, current_user, edition, dataset)
                flash(_("The dataset is no longer published."), "success")
        except PbError as error:
            show_error(None, error)
    return redirect(url_for("barometer.manage", edition_id=edition.id))


# -- staff: the territory -------------------------------------------------------------------------------

@bp.route("/admin/barometer/settings", methods=["GET", "POST"])
@guard("territory.manage")
def settings() -> str | Response | tuple[str, int]:
    profile = export.profile(db.session)
    form = ProfileForm(obj=profile)
    if not form.is_submitted():
        form.kind.data = profile.kind.value
    if form.validate_on_submit():
        try:
            services.save_profile(db.session, current_user, kind=form.kind.data, siret=form.siret.data or "",
                                  licence=form.licence.data or "", licence_url=form.licence_url.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The open-data settings are saved."), "success")
            return redirect(url_for("barometer.settings"))
    return render_template("barometer/settings.html", form=form), form_status(form)


@bp.route("/admin/barometer/aggregate", methods=["GET", "POST"])
@guard("barometer.aggregate")
def aggregate() -> str | tuple[str, int]:
    form = AggregateForm()
    result = None
    if form.validate_on_submit():
        try:
            docs = [agg.parse(f.filename or "?", f.read()) for f in form.files.data]
        except PbError as error:
            show_error(form, error)
        else:
            result = agg.aggregate(docs)
    rows = agg.table(result) if result else []
    chart = charts.bar_chart(_("Share of the territories"), [(f"{code} · {label}", share or 0)
                                                               for code, label, _k, _of, share in rows],
                             fmt="percent", maximum=1) if result else None
    return render_template("barometer/aggregate.html", form=form, result=result, rows=rows, chart=chart,
                           catalogue=CATALOGUE), form_status(form)


EDITION_PAGE_LINKS = [(_l("Dashboard"), "barometer.show_dashboard", lambda edition: edition.phase.value != "draft"),
                      (_l("Open data"), "barometer.open_data")]
EDITION_ADMIN_LINKS = [(_l("Barometer and open data"), "barometer.manage", "barometer.manage")]
