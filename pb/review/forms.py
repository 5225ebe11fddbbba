from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from pb.review.models import DECISION_LABELS
from pb.web.forms import MoneyField, options

ANSWERS = [("yes", _l("Yes")), ("no", _l("No")), ("", _l("Not answered yet"))]


def review_form(items: list[Any], formdata: Any = None, **kwargs: Any) -> FlaskForm:
    """The review form: one yes/no question per checklist item of the edition, then the cost,
    the decision and the reasons."""

    class ReviewForm(FlaskForm):
        reviewed_cost_cents = MoneyField(_l("Cost estimated by the services (€)"), validators=[Optional()],
                                         description=_l("The project's final cost if the idea is feasible."))
        decision = RadioField(_l("Decision"), choices=options([("", _l("No decision yet (save the review)"))]
                                                              + list(DECISION_LABELS.items())),
                              default="", validators=[Optional()])
        public_reason = TextAreaField(_l("Public reason"), validators=[Optional(), Length(max=5000)],
                                      description=_l("Shown on the idea's page and sent to its authors. Required when "
                                                     "the idea is not admissible or not feasible."))
        internal_note = TextAreaField(_l("Internal note (services only)"), validators=[Optional(), Length(max=5000)])

    for item in items:
        setattr(ReviewForm, f"item_{item.id}", RadioField(item.label, choices=options(ANSWERS), default="",
                                                          description=item.help, validators=[Optional()]))
    return ReviewForm(formdata=formdata, **kwargs) if formdata is not None else ReviewForm(**kwargs)


def answers_of(form: FlaskForm, items: list[Any]) -> dict[int, bool | None]:
    return {item.id: {"yes": True, "no": False}.get(form[f"item_{item.id}"].data or "") for item in items}


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("Reviewer"), validators=[Optional()])
    team_id = SelectField(_l("City service"), validators=[Optional()])


class ChecklistForm(FlaskForm):
    items = TextAreaField(_l("Criteria, one per line"), validators=[DataRequired(), Length(max=5000)],
                          description=_l("Write each criterion on its own line; add an explanation after a “|”, for "
                                         "example: Public land | The project is on land owned by the city."))


class TeamForm(FlaskForm):
    name = StringField(_l("Name of the service"), validators=[DataRequired(), Length(max=120)])
    members = TextAreaField(_l("Members"), validators=[Optional(), Length(max=5000)],
                            description=_l("The e-mail addresses of their accounts, one per line."))


class MergeForm(FlaskForm):
    project_id = SelectField(_l("Merge into an existing project"), validators=[Optional()])
    title = StringField(_l("Or create a project: its title"), validators=[Optional(), Length(max=200)])
    district_id = SelectField(_l("District of the new project"), validators=[Optional()])
    cost_cents = MoneyField(_l("Cost of the new project (€)"), validators=[Optional()])
    summary = TextAreaField(_l("Summary of the new project"), validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(_l("Message to the holders (optional, public)"), validators=[Optional(), Length(max=2000)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Public reason"), validators=[DataRequired(), Length(min=3, max=2000)])


class ProjectForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=2000)])
    cost_cents = MoneyField(_l("Final cost (€)"), validators=[InputRequired()])
    district_id = SelectField(_l("District"), coerce=int)


class BuildForm(FlaskForm):
    confirm = BooleanField(_l("I have checked the ballot of every district."), validators=[DataRequired()])
