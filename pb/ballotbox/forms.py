from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from pb.web.forms import options
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional


class StationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    district = SelectField(_l("District"), choices=[], validate_choice=False,
                           description=_l("Its ballot papers list this district's projects (and the city-wide ones)."))
    opens = StringField(_l("Opens (local time, e.g. 14/03/2027 08:00)"), validators=[Optional(), Length(max=40)],
                        description=_l("Leave both times empty: the station is open for the whole vote."))
    closes = StringField(_l("Closes (local time)"), validators=[Optional(), Length(max=40)])
    offline = BooleanField(_l("Offline desk (its sign-in list is uploaded after the close)"))


class OfficerForm(FlaskForm):
    email = EmailField(_l("E-mail address of the officer's account"), validators=[DataRequired(), Email(), Length(max=254)])


class LookupForm(FlaskForm):
    voter_ref = StringField(_l("Reference on the voting letter"), validators=[Optional(), Length(max=20)],
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                       "autofocus": True})
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "off"})
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "off"})
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])


class RegisterForm(FlaskForm):
    """On-the-spot registration: the identity as on the ID, and the officer's word that they checked it."""

    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "off"})
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=120)],
                             render_kw={"autocomplete": "off"})
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired()])
    district = SelectField(_l("District of residence"), choices=[], validate_choice=False)
    id_checked = BooleanField(_l("I checked an ID: the identity above is the one it shows"))


class KeyForm(FlaskForm):
    label = StringField(_l("Name of the device (e.g. tablet 1)"), validators=[Optional(), Length(max=80)])


class ReportForm(FlaskForm):
    entry = RadioField(_l("Entry"), choices=options([("first", _l("First entry")), ("second", _l("Second entry"))]),
                       validators=[DataRequired()])
    envelopes = IntegerField(_l("Envelopes found in the box"), validators=[DataRequired(), NumberRange(min=0)])
    blank = IntegerField(_l("Blank ballots"), validators=[Optional(), NumberRange(min=0)], default=0)
    spoilt = IntegerField(_l("Spoilt ballots (not keyed)"), validators=[Optional(), NumberRange(min=0)], default=0)
    ballots = TextAreaField(
        _l("Ballots keyed one by one"), validators=[Optional(), Length(max=2_000_000)],
        description=_l("One ballot a line: the project numbers chosen, separated by spaces (approval, budget); or "
                       "number=grade / number=points pairs (majority judgment, points). Leave empty to give totals "
                       "per project instead."))


class UploadForm(FlaskForm):
    file = FileField(_l("Sign-in list (CSV, UTF-8)"), validators=[FileRequired()],
                     description=_l("Columns: voter_ref (or last_name, first_name, birth_date) and time (local time)."))


class AmendForm(ReportForm):
    reason = TextAreaField(_l("Reason for the change (kept in the audit log)"), validators=[DataRequired(), Length(max=500)])


class ConfirmCloseForm(FlaskForm):
    confirm = BooleanField(_l("I confirm: close the station now; nobody can be signed in there afterwards"),
                           validators=[DataRequired()])
