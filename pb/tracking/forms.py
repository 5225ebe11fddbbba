from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from pb.web.forms import MoneyField


class UpdateForm(FlaskForm):
    status = SelectField(_l("Stage"))
    progress = IntegerField(_l("Progress (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)], default=0)
    spent_cents = MoneyField(_l("Spent so far (€)"), validators=[Optional()],
                             description=_l("Leave empty if not known yet."))
    happened_on = DateField(_l("Date"), validators=[InputRequired()], default=dt.date.today)
    note = TextAreaField(_l("Public note"), validators=[Optional(), Length(max=5000)],
                         description=_l("Shown on the project's page: what was done, what comes next."))
