from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired, MultipleFileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, URL

from pb.barometer.models import COST_BAND_LABELS, KIND_LABELS, CostBand, TerritoryKind
from pb.web.forms import options


class QuestionnaireForm(FlaskForm):
    """The declarative part of the barometer: what no record answers."""

    managing_service = StringField(_l("Service managing the process"), validators=[Optional(), Length(max=200)],
                                   description=_l("For example: Direction de la démocratie locale."))
    cost_band = SelectField(_l("Cost of the tool per year"), validators=[Optional()],
                            choices=options([("", _l("Not declared"))] + [(b.value, COST_BAND_LABELS[b]) for b in CostBand]))
    objectives = TextAreaField(_l("Objectives pursued"), validators=[Optional(), Length(max=4000)],
                               description=_l("One objective per line."))
    evaluation = TextAreaField(_l("How the edition was evaluated"), validators=[Optional(), Length(max=4000)])
    low_participation_reasons = TextAreaField(_l("Reasons for low participation"),
                                              validators=[Optional(), Length(max=4000)],
                                              description=_l("One reason per line; leave empty if none."))


class ProfileForm(FlaskForm):
    kind = SelectField(_l("Kind of territory"), choices=options((k.value, KIND_LABELS[k]) for k in TerritoryKind))
    siret = StringField(_l("SIRET number"), validators=[Optional(), Length(max=20)],
                        description=_l("14 digits; written in the open datasets (coll_siret, BGT_SIRET)."))
    licence = StringField(_l("Licence of the datasets"), validators=[Length(min=1, max=120)])
    licence_url = StringField(_l("Address of the licence"), validators=[Optional(), URL(), Length(max=255)])


class AggregateForm(FlaskForm):
    files = MultipleFileField(_l("Exports (pb-barometer/1 JSON files)"),
                              validators=[FileRequired(), FileAllowed(["json"], _l("JSON files, please."))])
