from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pb.editions.models import (
    AGGREGATION_RULES, BALLOT_LABELS, CALENDAR_PHASES, FROZEN_PHASES, RESIDENCE_LABELS, TIE_BREAKS, VERIFICATION_LABELS, BallotType,
    Phase, ResidenceRule, Verification,
)
from pb.web.forms import MoneyField, options


class TerritoryForm(FlaskForm):
    name = StringField(_l("Name of the territory"), validators=[DataRequired(), Length(max=120)])
    insee_code = StringField(_l("INSEE code"), validators=[Optional(), Length(max=5)])
    population = IntegerField(_l("Population (latest census)"), validators=[DataRequired(), NumberRange(min=0)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255)])


class EditionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)],
                       description=_l("For example: Budget participatif 2027"))
    slug = StringField(_l("Short address"), validators=[Optional(), Length(max=64)],
                       description=_l("Used in links: lower-case letters, digits and dashes, for example bp-2027. "
                                      "Left empty: made from the name (Łódź 2027 gives lodz-2027)."))
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    description = TextAreaField(_l("Presentation"), validators=[Optional(), Length(max=10000)])


class RulesForm(FlaskForm):
    ballot_type = SelectField(_l("Ballot"), choices=options((b.value, BALLOT_LABELS[b]) for b in BallotType))
    min_choices = IntegerField(_l("Minimum number of projects per ballot"), validators=[NumberRange(min=0, max=1000)])
    max_choices = IntegerField(_l("Maximum number of projects per ballot"), validators=[Optional(), NumberRange(min=1, max=1000)],
                               description=_l("Leave empty for no maximum."))
    knapsack_min_share = IntegerField(_l("Budget ballot: minimum share of the envelope to spend (%)"),
                                      validators=[NumberRange(min=0, max=100)], default=0)
    cumulative_points = IntegerField(_l("Points ballot: points per voter"), validators=[Optional(), NumberRange(min=1, max=1000)])
    grade_count = IntegerField(_l("Majority judgment: number of grades"), validators=[Optional(), NumberRange(min=2, max=7)])
    aggregation_rule = SelectField(_l("Counting rule"), choices=options(AGGREGATION_RULES.items()))
    tie_break = SelectField(_l("Tie-break"), choices=options(TIE_BREAKS.items()))
    tie_break_seed = StringField(_l("Seed of the public draw"), validators=[Optional(), Length(max=64)],
                                 description=_l("Published before the vote so that anyone can redo the draw."))
    min_project_score = IntegerField(_l("Minimum number of votes for a project to be funded"),
                                     validators=[Optional(), NumberRange(min=1)])
    fund_unsupported = BooleanField(
        _l("Fund projects nobody voted for (in majority judgment: rejected by the majority) if money is left"),
        description=_l("Unticked (the default), such a project is never funded."))
    comments_before_review = BooleanField(_l("Comments open before the technical review"))
    comments_during_review = BooleanField(_l("Comments open during the technical review"))
    comments_during_vote = BooleanField(_l("Comments open during the vote"))
    public_meeting_required = BooleanField(_l("Project holders must attend a public meeting before the vote"))
    online_voting = BooleanField(_l("Online voting"))
    paper_voting = BooleanField(_l("Paper ballot boxes"))
    desk_registration = BooleanField(
        _l("On-the-spot registration at a polling station desk"),
        description=_l("A person missing from the register is added at a connected desk, the officer having "
                       "checked an ID (same minimum age and district rules as the register)."))
    min_voter_age = IntegerField(_l("Minimum age to vote (on the first day of the vote)"), validators=[NumberRange(min=0, max=120)])
    residence_rule = SelectField(_l("Where people vote"), choices=options((r.value, RESIDENCE_LABELS[r]) for r in ResidenceRule))
    verification = SelectField(_l("How voters are verified"), choices=options((v.value, VERIFICATION_LABELS[v]) for v in Verification))

    def values(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class DistrictForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Lower-case letters, digits and dashes, for example centre-ville."))
    envelope_cents = MoneyField(_l("Envelope (€)"), validators=[InputRequired()])
    population = IntegerField(_l("Population"), validators=[Optional(), NumberRange(min=0)], default=0)
    is_citywide = BooleanField(_l("City-wide scope (projects for the whole city)"))
    position = IntegerField(_l("Order in lists"), validators=[Optional()], default=0)


class PhaseForm(FlaskForm):
    phase = SelectField(_l("New phase"))
    confirm = HiddenField()  # set by the confirmation step, which says what the change will do


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PB_SETTINGS"].timezone)


def calendar_form(edition: Any, formdata: Any = None) -> FlaskForm:
    """One start and one end per phase, in the territory's local time."""

    class CalendarForm(FlaskForm):
        pass

    zone = _zone()
    for phase in CALENDAR_PHASES:
        window = edition.window(phase)
        setattr(CalendarForm, f"{phase.value}_starts", DateTimeLocalField(
            _l("Start"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
            default=window.starts_at.astimezone(zone).replace(tzinfo=None) if window else None))
        setattr(CalendarForm, f"{phase.value}_ends", DateTimeLocalField(
            _l("End"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
            default=window.ends_at.astimezone(zone).replace(tzinfo=None) if window else None))
    form = CalendarForm(formdata=formdata) if formdata is not None else CalendarForm()
    if edition.is_frozen:  # the vote has opened: these dates decide who may vote (extend_vote moves the end)
        for phase in FROZEN_PHASES:
            form[f"{phase.value}_starts"].render_kw = form[f"{phase.value}_ends"].render_kw = {"disabled": True}
    return form


class ExtendVoteForm(FlaskForm):
    ends_at = DateTimeLocalField(_l("New closing time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (published on the edition's page)"), validators=[DataRequired(), Length(max=500)])

    def new_end(self) -> dt.datetime:
        return self.ends_at.data.replace(tzinfo=_zone()).astimezone(dt.timezone.utc)


def calendar_values(form: FlaskForm, edition: Any = None) -> dict[Phase, tuple[dt.datetime, dt.datetime] | None]:
    """The windows typed; once the vote has opened, the frozen ones as stored (not posted)."""
    zone = _zone()
    result: dict[Phase, tuple[dt.datetime, dt.datetime] | None] = {}
    for phase in CALENDAR_PHASES:
        if edition is not None and edition.is_frozen and phase in FROZEN_PHASES:
            window = edition.window(phase)
            result[phase] = (window.starts_at, window.ends_at) if window else None
            continue
        start, end = form[f"{phase.value}_starts"].data, form[f"{phase.value}_ends"].data
        if start and end:
            result[phase] = (start.replace(tzinfo=zone).astimezone(dt.timezone.utc),
                             end.replace(tzinfo=zone).astimezone(dt.timezone.utc))
        elif start or end:
            form[f"{phase.value}_ends" if start else f"{phase.value}_starts"].errors = [
                str(_l("Give both the start and the end, or neither."))]
            raise ValueError("incomplete window")
        else:
            result[phase] = None
    return result
