from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pb.site.models import CONFORMITY_LABELS
from pb.web.forms import options


class PageForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=2, max=200)])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=100_000)],
                         description=_l("HTML: paragraphs <p>, headings <h2> and <h3>, lists <ul>/<ol> with <li>, "
                                        "<strong>, <em>, links <a href>, tables. Anything else (scripts, styles, "
                                        "images) is removed when the page is saved."))


class SettingsForm(FlaskForm):
    contact_email = StringField(_l("Contact e-mail address of the team"), validators=[Optional(), Length(max=254)],
                                description=_l("Shown on the contact page, in the legal texts and in the e-mails "
                                               "sent to residents. An address someone reads, not “noreply”."))
    postal_address = TextAreaField(_l("Postal address"), validators=[Optional(), Length(max=500)])
    dpo_email = StringField(_l("E-mail address of the data protection officer"), validators=[Optional(), Length(max=254)])
    conformity = SelectField(_l("Accessibility (RGAA): conformity status"),
                             choices=options((c.value, label) for c, label in CONFORMITY_LABELS.items()),
                             description=_l("Without an audit, the site is “not compliant” in the sense of the RGAA."))
    audit_date = DateField(_l("Date of the accessibility audit"), validators=[Optional()])
    audit_rate = IntegerField(_l("Share of RGAA criteria met (%)"), validators=[Optional(), NumberRange(min=0, max=100)])
    accent_color = StringField(_l("Colour of the territory"), validators=[Optional(), Length(max=7)],
                               description=_l("As #RRGGBB, for example #1b5e8c: header, buttons and links. It must be "
                                              "dark enough for white text (contrast 4.5:1). Empty: pb's blue."))


class LogoForm(FlaskForm):
    file = FileField(_l("Logo (PNG or JPEG, 2 MB at most)"), validators=[FileRequired()])
    logo_alt = StringField(_l("Text alternative of the logo"), validators=[DataRequired(), Length(min=2, max=200)],
                           description=_l("What the logo says, usually the territory's name."))
