"""Public edition pages, and the administration of the territory and of editions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.authz import guard, public
from pb.db import db
from pb.editions import describe, services
from pb.editions.forms import (
    DistrictForm, EditionForm, ExtendVoteForm, PhaseForm, RulesForm, TerritoryForm, calendar_form, calendar_values,
)
from pb.editions.models import CALENDAR_PHASES, OUTCOME_RULES, PHASE_LABELS, District, Phase
from pb.errors import PbError
from pb.web.forms import form_status, options, show_error
from pb.web.lookups import staff_edition, visible_edition

bp = Blueprint("editions", __name__)



def edition_links(kind: str) -> list[tuple[Any, ...]]:
    """Sections other domains add to the public edition page ("page") and to its admin page
    ("admin"), shown as links. Each view module declares its own, and the app factory
    (`pb.app.register_blueprints`) collects them in the order of BLUEPRINTS:
    EDITION_PAGE_LINKS: (label, endpoint taking slug=) or (label, endpoint, shown_if(edition) -> bool);
    EDITION_ADMIN_LINKS: (label, endpoint taking edition_id=, policy checked on the edition)."""
    return current_app.extensions["pb.edition_links"][kind]


EDITION_ADMIN_LINKS = [(_l("Copy for next year"), "editions.copy", "edition.create")]



@bp.get("/editions/<slug>")
@public
def show(slug: str) -> str:
    edition = visible_edition(slug)
    rules = {"ballot": describe.ballot_rules(edition), "participation": describe.participation_rules(edition),
             "count": describe.count_rules(edition)}
    return render_template("editions/show.html", edition=edition, links=edition_links("page"), rules=rules,
                           extensions=services.vote_extensions(db.session, edition))


# -- administration -----------------------------------------------------------------------------------

@bp.get("/admin/")
@guard("staff.dashboard")
def admin_home() -> str:
    editions = services.list_editions(db.session, current_user)
    return render_template("editions/admin_home.html", editions=editions, territory=services.get_territory(db.session),
                           links=edition_links("admin"))


@bp.route("/admin/territory", methods=["GET", "POST"])
@guard("territory.manage")
def territory() -> str | Response | tuple[str, int]:
    territory = services.get_territory(db.session)
    form = TerritoryForm(obj=territory)
    if form.validate_on_submit():
        try:
            services.update_territory(db.session, current_user, name=form.name.data, insee_code=form.insee_code.data or "",
                                      population=form.population.data, website=form.website.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The territory is saved."), "success")
            return redirect(url_for("editions.admin_home"))
    return render_template("editions/territory.html", form=form), form_status(form)


@bp.route("/admin/editions/new", methods=["GET", "POST"])
@guard("edition.create")
def create() -> str | Response | tuple[str, int]:
    form = EditionForm()
    if form.validate_on_submit():
        try:
            edition = services.create_edition(db.session, current_user, name=form.name.data, slug=form.slug.data,
                                              year=form.year.data, description=form.description.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The edition is created. Now add its districts and set its rules."), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/edit.html", form=form, edition=None), form_status(form)



@bp.route("/admin/editions/<int:edition_id>/copy", methods=["GET", "POST"])
@guard("edition.create")
def copy(edition_id: int) -> str | Response | tuple[str, int]:
    """A new edition from this one: rules, districts and envelopes, councils, checklist."""
    from pb.editions.copying import copy_edition

    source = staff_edition(edition_id, "edition.manage")
    year = source.year + 1
    form = EditionForm(data={"name": source.name.replace(str(source.year), str(year)), "year": year,
                             "slug": source.slug.replace(str(source.year), str(year)),
                             "description": source.description})
    if form.validate_on_submit():
        try:
            edition, copied = copy_edition(db.session, current_user, source, name=form.name.data, slug=form.slug.data,
                                           year=form.year.data, description=form.description.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The edition is created from “%(source)s”: its rules, %(districts)s districts with their envelopes, "
                    "%(councils)s councils and %(criteria)s review criteria. Set its calendar.", source=source.name,
                    districts=copied.get("districts", 0), councils=copied.get("councils", 0),
                    criteria=copied.get("checklist", 0)), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/copy.html", form=form, source=source), form_status(form)


def _district_of(edition, district_id: int) -> District:  # type: ignore[no-untyped-def]
    district = db.session.get(District, district_id)
    if district is None or district.edition_id != edition.id:
        abort(404)
    return district


@bp.route("/admin/editions/<int:edition_id>", methods=["GET", "POST"])
@guard("edition.manage")
def manage(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "edition.manage")
    form = EditionForm(obj=edition)
    if form.validate_on_submit():
        try:
            services.update_edition(db.session, current_user, edition, name=form.name.data, slug=form.slug.data,
                                    year=form.year.data, description=form.description.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The edition is saved."), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/manage.html", edition=edition, form=form, links=edition_links("admin"),
                           allowed=services.allowed_phases(edition)), form_status(form)


@bp.route("/admin/editions/<int:edition_id>/rules", methods=["GET", "POST"])
@guard("edition.manage")
def rules(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "edition.manage")
    form = RulesForm(obj=edition)
    if edition.is_frozen:
        for name in OUTCOME_RULES:
            form[name].render_kw = {"disabled": True}
    if form.validate_on_submit():
        values = form.values()
        if edition.is_frozen:  # disabled fields are not posted: keep the stored values
            values = {k: v for k, v in values.items() if k not in OUTCOME_RULES}
        try:
            services.update_rules(db.session, current_user, edition, **values)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The rules are saved."), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/rules.html", edition=edition, form=form), form_status(form)


@bp.route("/admin/editions/<int:edition_id>/calendar", methods=["GET", "POST"])
@guard("edition.manage")
def calendar(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "edition.manage")
    form = calendar_form(edition)
    if form.validate_on_submit():
        try:
            services.set_calendar(db.session, current_user, edition, calendar_values(form, edition))
        except ValueError:
            pass  # the form carries the message
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The calendar is saved."), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/calendar.html", edition=edition, form=form, phases=CALENDAR_PHASES,
                           extend=ExtendVoteForm() if edition.phase == Phase.VOTE else None), form_status(form)


@bp.route("/admin/editions/<int:edition_id>/extend-vote", methods=["GET", "POST"])
@guard("edition.manage")
def extend_vote(edition_id: int) -> str | Response | tuple[str, int]:
    """After the vote opened, only its closing time may move (later), with a published reason."""
    edition = staff_edition(edition_id, "edition.manage")
    form = ExtendVoteForm()
    if form.validate_on_submit():
        try:
            services.extend_vote(db.session, current_user, edition, form.new_end(), form.reason.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The vote is extended; the new closing time and its reason are published."), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/extend_vote.html", edition=edition, form=form), form_status(form)


@bp.route("/admin/editions/<int:edition_id>/districts/new", methods=["GET", "POST"])
@bp.route("/admin/editions/<int:edition_id>/districts/<int:district_id>", methods=["GET", "POST"])
@guard("edition.manage")
def district(edition_id: int, district_id: int | None = None) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "edition.manage")
    district = _district_of(edition, district_id) if district_id is not None else None
    form = DistrictForm(obj=district)
    if form.validate_on_submit():
        try:
            services.save_district(db.session, current_user, edition, district, name=form.name.data, code=form.code.data,
                                   envelope_cents=form.envelope_cents.data, population=form.population.data or 0,
                                   is_citywide=form.is_citywide.data, position=form.position.data or 0)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The district is saved."), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/district.html", edition=edition, district=district, form=form), form_status(form)


@bp.route("/admin/editions/<int:edition_id>/districts/<int:district_id>/delete", methods=["GET", "POST"])
@guard("edition.manage")
def delete_district(edition_id: int, district_id: int) -> str | Response:
    edition = staff_edition(edition_id, "edition.manage")
    district = _district_of(edition, district_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_district(db.session, current_user, district)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The district is deleted."), "success")
        return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/confirm_delete_district.html", edition=edition, district=district, form=form)


@bp.route("/admin/editions/<int:edition_id>/phase", methods=["GET", "POST"])
@guard("edition.manage")
def phase(edition_id: int) -> str | Response | tuple[str, int]:
    edition = staff_edition(edition_id, "edition.manage")
    form = PhaseForm()
    choices = services.phase_choices(edition)
    form.phase.choices = options((p.value, PHASE_LABELS[p] if p.rank > edition.phase.rank
                                  else _("Back to: %(phase)s", phase=PHASE_LABELS[p])) for p in choices)
    if request.method == "GET":
        wanted = request.args.get("to")
        form.phase.data = wanted if wanted in {p.value for p in choices} else (choices[0].value if choices else None)
    if form.validate_on_submit():
        consequences = services.phase_consequences(edition, Phase(form.phase.data))
        if consequences and form.confirm.data != "yes":
            return render_template("editions/phase_confirm.html", edition=edition, form=form,
                                   target=Phase(form.phase.data), consequences=consequences), 200
        try:
            services.set_phase(db.session, current_user, edition, Phase(form.phase.data))
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The edition is now in phase “%(phase)s”.", phase=edition.phase.label), "success")
            return redirect(url_for("editions.manage", edition_id=edition.id))
    return render_template("editions/phase.html", edition=edition, form=form), form_status(form)
