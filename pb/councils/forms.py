from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pb.councils.models import HANDLING_LABELS, OPINION_LABELS, Handling
from pb.web.forms import options


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CouncilForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(min=3, max=160)])
    district_id = SelectField(_l("District"), validators=[Optional()])
    description = TextAreaField(_l("Presentation"), validators=[Optional(), Length(max=5000)])
    members = TextAreaField(_l("Members"), validators=[Optional(), Length(max=10000)],
                            description=_l("One member per line: “Name” or “Name, role” (for example: Jeanne Dupont, "
                                           "co-présidente). Members removed from the list stay in past sessions."))


class SessionForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=255)])
    agenda = TextAreaField(_l("Agenda"), validators=[Optional(), Length(max=10000)])
    minutes = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=50000)])
    present = MultiCheckboxField(_l("Members present"), coerce=int)
    public_attendance = IntegerField(_l("Residents present besides the members"), default=0,
                                     validators=[Optional(), NumberRange(min=0, max=100000)])


class LinkForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=int)
    handling = RadioField(_l("At this session, the project was"), choices=options(HANDLING_LABELS.items()),
                          default=Handling.PRESENTED.value)


class OpinionForm(FlaskForm):
    opinion = RadioField(_l("The council's opinion"), choices=options(OPINION_LABELS.items()),
                         validators=[DataRequired()])
    text = TextAreaField(_l("Text of the opinion"), validators=[Optional(), Length(max=10000)],
                         description=_l("Required for an unfavourable or reserved opinion; public."))
    session_id = SelectField(_l("Given at the session of"), validators=[Optional()])


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=200)])
    starts_at = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    district_id = SelectField(_l("District"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=255)])
    description = TextAreaField(_l("Presentation"), validators=[Optional(), Length(max=5000)])


class AttendanceForm(FlaskForm):
    author_ids = MultiCheckboxField(_l("Holders present"), coerce=int)
