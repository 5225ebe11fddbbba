"""Register, confirm, log in and out, reset a password, edit one's profile; staff roles (admin)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug import Response

from pb.accounts import rights, services
from pb.accounts.forms import (
    ConfirmForm, DeleteAccountForm, EmailChangeForm, ForgotForm, GrantRoleForm, LoginForm, PasswordForm, ProfileForm,
    RegisterForm, ResetForm,
)
from pb.accounts.models import RoleAssignment
from pb.authz import guard, public
from pb.db import db
from pb.editions.models import Edition
from pb.errors import PbError
from pb.attempts import credential_key, limiter_of
from pb.web.forms import form_status, show_error
from pb.web.pagination import paginate
from pb.web.views import safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/account/register", methods=["GET", "POST"])
@public
def register() -> str | Response | tuple[str, int]:
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_user(db.session, form.email.data, form.password.data, form.display_name.data,
                                   locale=str(_current_locale()))
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Welcome! We have sent you an e-mail: open its link to confirm your address."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/register.html", form=form), form_status(form)


def _current_locale() -> str:
    from flask_babel import get_locale

    return str(get_locale())


@bp.get("/account/confirm/<token>")
@public
def confirm(token: str) -> Response:
    user = services.confirm_email(db.session, token)
    flash(_("Your e-mail address is confirmed. You can log in."), "success")
    return redirect(url_for("accounts.login", email=user.email))


@bp.route("/account/login", methods=["GET", "POST"])
@public
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        form.email.data = request.args.get("email", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, form.email.data, form.password.data,
                                         address=request.remote_addr or "")
        except PbError as error:
            show_error(None, error)
            if error.status == 429:
                return render_template("accounts/login.html", form=form), 429
        else:
            session.clear()  # a new session on login: no fixation
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(form.next.data, url_for("web.home")))
    return render_template("accounts/login.html", form=form), 401 if form.is_submitted() else 200


@bp.post("/account/logout")
@guard("authenticated")
def logout() -> Response:
    services.log_out(db.session, current_user._get_current_object())  # the cookies die on the server too
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("web.home"))


@bp.route("/account/forgot", methods=["GET", "POST"])
@public
def forgot() -> str | Response | tuple[str, int]:
    form = ForgotForm()
    if form.validate_on_submit():
        # Every request counts (per address asked for, and per client address): the answer is the
        # same whether or not an account uses the address.
        address, key = request.remote_addr or "", credential_key("forgot|" + form.email.data.strip().lower())
        try:
            limiter_of().check("login", address, key)
        except PbError as error:
            show_error(None, error)
            return render_template("accounts/forgot.html", form=form), error.status
        limiter_of().failed("login", address, key)
        services.request_password_reset(db.session, form.email.data)
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str) -> str | Response | tuple[str, int]:
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, token, form.password.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("Your password has changed. You can log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), form_status(form)


@bp.route("/account/", methods=["GET", "POST"])
@guard("authenticated")
def profile() -> str | Response | tuple[str, int]:
    form = ProfileForm(obj=current_user)
    password_form = PasswordForm(prefix="pw")
    if request.form.get("which") == "profile" and form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.locale = form.locale.data
        response = redirect(url_for("accounts.profile"))
        from pb.i18n import LANG_COOKIE

        response.set_cookie(LANG_COOKIE, form.locale.data, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        flash(_("Your profile is saved."), "success")
        return response
    if request.form.get("which") == "password" and password_form.validate_on_submit():
        try:
            services.change_password(db.session, current_user, password_form.current.data, password_form.password.data)
        except PbError as error:
            show_error(password_form, error)
        else:
            login_user(current_user._get_current_object())  # the new session version keeps this browser in
            flash(_("Your password has changed; your other sessions are logged out."), "success")
            return redirect(url_for("accounts.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/profile.html", form=form, password_form=password_form), status


# -- residents' rights: e-mail address, my data, deleting the account ---------------------------------

@bp.route("/account/email", methods=["GET", "POST"])
@guard("authenticated")
def change_email() -> str | Response | tuple[str, int]:
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            rights.request_email_change(db.session, current_user, form.email.data, form.current.data)
        except PbError as error:
            show_error(form, error)
        else:
            flash(_("We have sent a link to %(email)s: open it to use this address. Until then, your address does "
                    "not change.", email=form.email.data.strip().lower()), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_email.html", form=form), form_status(form)


@bp.get("/account/email/<token>")
@public
def confirm_email_change(token: str) -> Response:
    user = rights.confirm_email_change(db.session, token)
    flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
    return redirect(url_for("accounts.profile") if current_user.is_authenticated else url_for("accounts.login"))


@bp.get("/account/my-data.json")
@guard("authenticated")
def my_data() -> Response:
    import json

    body = json.dumps(rights.my_data(db.session, current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="mes-donnees-budget-participatif.json"'})


@bp.route("/account/delete", methods=["GET", "POST"])
@guard("authenticated")
def delete_account() -> str | Response | tuple[str, int]:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            rights.delete_account(db.session, current_user._get_current_object(), form.current.data)
        except PbError as error:
            show_error(form, error)
        else:
            logout_user()
            session.clear()
            flash(_("Your account is deleted. What you published stays, signed “Former participant”."), "success")
            return redirect(url_for("web.home"))
    return render_template("accounts/delete.html", form=form), form_status(form)


# -- staff roles (administrators) ------------------------------------------------------------------

def _scopes() -> list[tuple[str, str]]:
    choices = [("", _("All editions"))]
    for edition in db.session.scalars(sa.select(Edition).order_by(Edition.year.desc(), Edition.id.desc())):
        choices.append((f"e{edition.id}", edition.name))
        for district in edition.districts:
            choices.append((f"d{district.id}", f"{edition.name} · {district.name}"))
    return choices


@bp.route("/admin/staff", methods=["GET", "POST"])
@guard("staff.manage")
def staff() -> str | Response | tuple[str, int]:
    form = GrantRoleForm(scopes=_scopes())
    if form.validate_on_submit():
        user = services.find_user(db.session, form.email.data)
        if user is None:
            form.email.errors = [_("No account uses this address: the person must register first.")]
        else:
            scope = form.scope.data or ""
            edition_id = int(scope[1:]) if scope.startswith("e") else None
            district_id = int(scope[1:]) if scope.startswith("d") else None
            try:
                services.grant_role(db.session, current_user, user, form.role.data, edition_id=edition_id,
                                    district_id=district_id)
            except PbError as error:
                show_error(form, error)
            else:
                flash(_("Role granted to %(name)s.", name=user.display_name), "success")
                return redirect(url_for("accounts.staff"))
    page = paginate(db.session, services.list_staff(db.session), request.args.get("page"), per_page=50)
    return render_template("accounts/staff.html", form=form, page=page), form_status(form)


@bp.route("/admin/staff/<int:assignment_id>/revoke", methods=["GET", "POST"])
@guard("staff.manage")
def revoke(assignment_id: int) -> str | Response:
    assignment = db.session.get(RoleAssignment, assignment_id) or abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.revoke_role(db.session, current_user, assignment)
        except PbError as error:
            show_error(None, error)
        else:
            flash(_("Role removed."), "success")
        return redirect(url_for("accounts.staff"))
    return render_template("accounts/revoke.html", form=form, assignment=assignment)

