from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from pb.accounts.models import ROLE_LABELS, STAFF_ROLES
from pb.web.forms import options


class RegisterForm(FlaskForm):
    display_name = StringField(_l("Name shown with your ideas and comments"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password (at least 10 characters)"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("Password again"), validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Stay logged in on this device"))
    next = HiddenField()


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name shown with your ideas and comments"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=options([("fr", "Français"), ("en", "English")]))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(_l("New password again"), validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New e-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class DeleteAccountForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    understood = BooleanField(_l("I understand that my account will be deleted for good"), validators=[DataRequired()])


class GrantRoleForm(FlaskForm):
    email = EmailField(_l("E-mail address of the account"), validators=[DataRequired(), Email()])
    role = SelectField(_l("Role"), choices=options((r.value, ROLE_LABELS[r]) for r in STAFF_ROLES))
    scope = SelectField(_l("Scope"), validators=[Optional()])

    def __init__(self, *args: object, scopes: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = options(scopes or [("", _l("All editions"))])


class ConfirmForm(FlaskForm):
    """An empty form: a button with its CSRF token, for actions confirmed on a page of their own."""
