"""Results: the public pages and downloads, the JSON API, and the count for administrators."""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pb.accounts.forms import ConfirmForm
from pb.barometer import opendata as open_datasets
from pb.authz import guard, public
from pb.db import db
from pb.editions.models import AGGREGATION_RULES, TIE_BREAKS, Phase
from pb.errors import PbError
from pb.results import opendata, report, services
from pb.results.models import TallyRun
from pb.voting.services import turnout as voting_turnout
from pb.voting.services.board import published_head
from pb.web.csv import csv_response
from pb.web.forms import show_error
from pb.web.lookups import staff_edition, visible_edition

bp = Blueprint("results", __name__)



def _lang() -> str:
    return str(get_locale() or "fr")


@bp.get("/editions/<slug>/results")
@public
def show(slug: str) -> str | tuple[str, int]:
    edition = visible_edition(slug)
    if edition.phase.rank < Phase.RESULTS.rank:
        return render_template("results/sealed.html", edition=edition), 200
    tally = services.published_run(db.session, edition)
    if tally is None:
        return render_template("results/pending.html", edition=edition), 200
    reports = report.district_reports(db.session, edition, tally, _lang())
    return render_template("results/show.html", edition=edition, tally=tally, reports=reports,
                           board_head=published_head(db.session, edition.id),
                           summary=report.summary(db.session, edition, tally, reports),
                           words=report.rule_words(edition, tally, _lang()), score_label=report.score_label(edition))


@bp.get("/editions/<slug>/results/projects.csv")
@public
def projects_csv(slug: str) -> Response:
    edition = visible_edition(slug)
    services.public_results(db.session, edition)
    return csv_response(open_datasets.projects_csv(db.session, edition), f"{edition.slug}-projets.csv")


@bp.get("/editions/<slug>/results/pabulib.zip")
@public
def pabulib_zip(slug: str) -> Response:
    edition = visible_edition(slug)
    services.public_results(db.session, edition)
    files = opendata.export_pabulib(db.session, edition)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for district in edition.districts:
            archive.writestr(opendata.file_name(db.session, edition, district), files[district.code])
    return Response(buf.getvalue(), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{edition.slug}-pabulib.zip"'})


@bp.get("/editions/<slug>/results/<code>.pb")
@public
def pabulib_file(slug: str, code: str) -> Response:
    edition = visible_edition(slug)
    services.public_results(db.session, edition)
    district = next((d for d in edition.districts if d.code == code), None) or abort(404)
    text = opendata.export_pabulib(db.session, edition)[district.code]
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{opendata.file_name(db.session, edition, district)}"'})


@bp.get("/api/v1/editions/<edition>/results")
@public
def api_results(edition: str) -> Response:
    e = visible_edition(edition)
    tally = services.public_results(db.session, e)
    return jsonify(report.as_json(e, tally, report.district_reports(db.session, e, tally, _lang()),
                                  published_head(db.session, e.id)))


# -- administrators ---------------------------------------------------------------------------------


@bp.route("/admin/editions/<int:edition_id>/results", methods=["GET", "POST"])
@guard("results.manage")
def manage(edition_id: int) -> str | Response:
    edition = staff_edition(edition_id, "results.manage")
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            tally = services.run_tally(db.session, current_user, edition)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The ballots are counted (run %(n)s). Check the outcome, then publish it.",
                    n=report.run_numbers(db.session, edition)[tally.id]), "success")
            return redirect(url_for("results.manage", edition_id=edition.id))
    turnout = voting_turnout(db.session, edition)
    return render_template("results/manage.html", edition=edition, form=form, runs=services.runs(db.session, edition),
                           published=services.published_run(db.session, edition), turnout=turnout,
                           closed=edition.phase.rank >= Phase.RESULTS.rank, numbers=report.run_numbers(db.session, edition),
                           rule_labels=AGGREGATION_RULES, tie_labels=TIE_BREAKS)


@bp.route("/admin/editions/<int:edition_id>/results/<int:run_id>", methods=["GET", "POST"])
@guard("results.manage")
def review_run(edition_id: int, run_id: int) -> str | Response:
    edition = staff_edition(edition_id, "results.manage")
    tally = db.session.get(TallyRun, run_id)
    if tally is None or tally.edition_id != edition.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.publish_run(db.session, current_user, tally)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The results are published."), "success")
            return redirect(url_for("results.show", slug=edition.slug))
    return render_template("results/run.html", edition=edition, tally=tally, form=form,
                           reports=report.district_reports(db.session, edition, tally, _lang()),
                           words=report.rule_words(edition, tally, _lang()), score_label=report.score_label(edition),
                           published=services.published_run(db.session, edition),
                           numbers=report.run_numbers(db.session, edition))


EDITION_PAGE_LINKS = [(_l("Results"), "results.show", lambda edition: edition.phase.rank >= Phase.RESULTS.rank)]
EDITION_ADMIN_LINKS = [(_l("Count and results"), "results.manage", "results.manage")]
