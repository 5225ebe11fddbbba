from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional


class CodeForm(FlaskForm):
    code = StringField(_l("Voting code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The 12 characters printed on your letter, for example 7KQ2-M9XD-4RTB. "
                                      "Capitals, spaces and dashes do not matter."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})


class IdentityForm(FlaskForm):
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=120)],
                            render_kw={"autocomplete": "family-name"})
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=120)],
                             render_kw={"autocomplete": "given-name"})
    birth_date = DateField(_l("Date of birth"), validators=[DataRequired()], render_kw={"autocomplete": "bday"})


class RequestCodeForm(IdentityForm):
    """Self-registration: the code goes to the contact the register holds; no address is asked."""


class DeclaredEmailForm(IdentityForm):
    """Declared e-mail: the link goes to the address given; the first one given binds the identity."""

    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       description=_l("Your personal voting link is sent there. It is never shown on screen. "
                                      "Once given, this address is the only one used for you: another address "
                                      "later is checked by the town hall before anything is sent."),
                       render_kw={"autocomplete": "email"})


class DecideRequestForm(FlaskForm):
    """Approve or refuse a request of the staff queue (the page itself is the confirmation)."""


class FindVoterForm(FlaskForm):
    ref = StringField(_l("Voter reference (printed on the letter)"), validators=[Optional(), Length(max=20)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=120)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=120)])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    external_id = StringField(_l("Register number (if the register has one)"), validators=[Optional(), Length(max=120)])


class ImportForm(FlaskForm):
    file = FileField(_l("Register file (CSV)"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("A CSV file, please."))],
                     description=_l("First line: the column names nom, prénom, date de naissance, quartier (or last_name, "
                                    "first_name, birth_date, district); optional: email, phone, address, external_id. "
                                    "Dates as JJ/MM/AAAA or AAAA-MM-JJ; separated by semicolons or commas; UTF-8 or "
                                    "Windows-1252 (as Excel saves it)."))


class IssueForm(FlaskForm):
    with_codes = BooleanField(_l("Also print a short code for each letter"), default=True)


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason (kept in the audit log)"), validators=[DataRequired(), Length(max=200)])
    email_it = BooleanField(_l("E-mail the new voting link to the voter's address"))


class DecryptForm(FlaskForm):
    shares = MultipleFileField(_l("Share files of the commission's members"),
                               description=_l("Select the share files together (hold Ctrl or Cmd). They are read in "
                                              "memory and never stored. In key mode “server”, select nothing."))
    confirm = BooleanField(_l("I confirm: decrypt the ballots now (they are then counted; this cannot be undone)"),
                           validators=[DataRequired()])
