"""The institutional pages (public), the territory's stylesheet and logo, and their admin pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response as FlaskResponse, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from pb.accounts.forms import ConfirmForm
from pb.authz import guard, public
from pb.db import db
from pb.errors import PbError
from pb.site import services
from pb.site.forms import LogoForm, PageForm, SettingsForm
from pb.site.pages import FOOTER, PAGES
from pb.web.forms import form_status, show_error

bp = Blueprint("site", __name__)
PUBLIC_KEYS = ",".join(p.key for p in FOOTER)


@bp.app_context_processor
def site_context() -> dict[str, Any]:
    """What the layout shows on every page: the footer's links, the logo, the colour."""
    return {"site_settings": services.get_settings(db.session), "site_footer": FOOTER}


@bp.get(f"/<any({PUBLIC_KEYS}):key>")
@public
def page(key: str) -> str:
    return render_template("site/page.html", page=services.page(db.session, key),
                           settings=services.get_settings(db.session))


@bp.get("/site/theme.css")
@public
def theme_css() -> FlaskResponse:
    settings = services.get_settings(db.session)
    css = ""
    if settings.accent_color:
        css = (f":root {{ --accent: {settings.accent_color}; --accent-dark: {services.darker(settings.accent_color)}; }}\n")
    response = FlaskResponse(css, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/site/logo")
@public
def logo() -> Response:
    path, content_type = services.logo_path(db.session)
    response = send_file(path, mimetype=content_type, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- admin --------------------------------------------------------------------------------------------

@bp.get("/admin/site")
@guard("site.manage")
def admin() -> str:
    return render_template("site/admin.html", pages=[services.page(db.session, key) for key in PAGES],
                           kinds=PAGES, settings=services.get_settings(db.session))


@bp.route("/admin/site/pages/<key>", methods=["GET", "POST"])
@guard("site.manage")
def edit_page(key: str) -> str | Response | tuple[str, int]:
    current = services.page(db.session, key)
    form = PageForm(data={"title": current.title, "body": str(current.body)})
    if form.validate_on_submit():
        try:
            services.save_page(db.session, current_user, key, title=form.title.data, body=form.body.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The page is saved."), "success")
            return redirect(url_for("site.admin"))
    return render_template("site/edit_page.html", page=current, kind=PAGES[key], form=form,
                           reset_form=ConfirmForm(formdata=None)), form_status(form)


@bp.route("/admin/site/pages/<key>/reset", methods=["GET", "POST"])
@guard("site.manage")
def reset_page(key: str) -> str | Response:
    current = services.page(db.session, key)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.reset_page(db.session, current_user, key)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("The page shows its default text again."), "success")
        return redirect(url_for("site.admin"))
    return render_template("site/reset_page.html", page=current, form=form)


@bp.route("/admin/site/settings", methods=["GET", "POST"])
@guard("site.manage")
def settings() -> str | Response | tuple[str, int]:
    current = services.get_settings(db.session)
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.save_settings(db.session, current_user, contact_email=form.contact_email.data or "",
                                   postal_address=form.postal_address.data or "", dpo_email=form.dpo_email.data or "",
                                   conformity=form.conformity.data, audit_date=form.audit_date.data,
                                   audit_rate=form.audit_rate.data, accent_color=form.accent_color.data or "")
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The settings are saved."), "success")
            return redirect(url_for("site.settings"))
    return render_template("site/settings.html", form=form, logo_form=LogoForm(formdata=None), settings=current,
                           remove_form=ConfirmForm(formdata=None)), form_status(form)


@bp.route("/admin/site/logo", methods=["POST"])
@guard("site.manage")
def upload_logo() -> Response | tuple[str, int]:
    form = LogoForm()
    if form.validate_on_submit():
        try:
            services.set_logo(db.session, current_user, form.file.data.stream, form.logo_alt.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("The logo is saved."), "success")
            return redirect(url_for("site.settings"))
    current = services.get_settings(db.session)
    return render_template("site/settings.html", form=SettingsForm(formdata=None, obj=current), logo_form=form,
                           settings=current, remove_form=ConfirmForm(formdata=None)), form_status(form)


@bp.route("/admin/site/logo/remove", methods=["POST"])
@guard("site.manage")
def remove_logo() -> Response:
    if ConfirmForm().validate_on_submit():
        services.remove_logo(db.session, current_user)
        flash(_("The logo is removed."), "success")
    return redirect(url_for("site.settings"))
