from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import DateField, FloatField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pb.ideas.models import CHANNEL_LABELS, THEMES, Channel
from pb.web.forms import MoneyField, options


class IdeaForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)],
                        description=_l("A short sentence: “Plant fruit trees in the Jardin de Ville”."))
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(min=20, max=10000)],
                                description=_l("What you propose, for whom, and why. Plain text; leave a blank line "
                                               "between paragraphs."))
    district_id = SelectField(_l("District"), coerce=int, validators=[DataRequired()],
                              description=_l("Where the idea would be carried out, or the whole city."))
    theme = SelectField(_l("Theme"), validators=[DataRequired()])
    address = StringField(_l("Address or place (optional)"), validators=[Optional(), Length(max=255)])
    latitude = FloatField(_l("Latitude (optional)"), validators=[Optional(), NumberRange(min=-90, max=90)],
                          description=_l("Decimal degrees, for example 45.1885."))
    longitude = FloatField(_l("Longitude (optional)"), validators=[Optional(), NumberRange(min=-180, max=180)],
                           description=_l("Decimal degrees, for example 5.7245."))
    estimated_cost_cents = MoneyField(_l("Estimated cost in euros (optional)"), validators=[Optional()],
                                      description=_l("Your own estimate; the city's services will estimate it too."))
    coauthors = TextAreaField(_l("Co-authors (optional)"), validators=[Optional(), Length(max=3000)],
                              description=_l("The e-mail addresses of their accounts, one per line. Co-authors can "
                                             "edit the idea and are told of every step."))
    save_draft = SubmitField(_l("Save as draft"))
    submit_idea = SubmitField(_l("Submit the idea"))

    def __init__(self, *args: Any, districts: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.district_id.choices = options([(0, _l("Choose…"))] + [(d.id, d.name) for d in districts or []])
        self.theme.choices = options([("", _l("Choose…"))] + list(THEMES.items()))

    def values(self) -> dict[str, Any]:
        return {"title": self.title.data or "", "description": self.description.data or "",
                "district_id": self.district_id.data or None, "theme": self.theme.data or "",
                "address": self.address.data or "", "latitude": self.latitude.data,
                "longitude": self.longitude.data, "estimated_cost_cents": self.estimated_cost_cents.data}

    def coauthor_emails(self) -> list[str]:
        return [line.strip() for line in (self.coauthors.data or "").replace(",", "\n").split("\n") if line.strip()]


class NewIdeaForm(IdeaForm):
    """A resident's first submission: the idea and, on the same page, its images and documents."""

    files = MultipleFileField(_l("Images (JPEG, PNG) or documents (PDF), optional"),
                              description=_l("You can choose several files at once, and add others later."))

    def chosen_files(self) -> list[Any]:
        return [f.stream for f in (self.files.data or []) if getattr(f, "filename", "")]


class PaperIdeaForm(IdeaForm):
    channel = SelectField(_l("Received"), choices=options([(c.value, CHANNEL_LABELS[c])
                                                           for c in (Channel.PAPER, Channel.MEETING)]))
    holder_name = StringField(_l("Name of the holder"), validators=[DataRequired(), Length(min=2, max=120)])
    holder_email = StringField(_l("Holder's e-mail address (optional)"), validators=[Optional(), Length(max=254)],
                               description=_l("To tell the holder of every step. If an account uses it, the idea "
                                              "is linked to that account."))
    received_on = DateField(_l("Received on (optional)"), validators=[Optional()])



class AttachmentForm(FlaskForm):
    file = FileField(_l("Image (JPEG, PNG) or document (PDF)"), validators=[FileRequired()])
    label = StringField(_l("What it shows (optional)"), validators=[Optional(), Length(max=200)])


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(min=2, max=5000)])
    parent_id = HiddenField()


class FlagForm(FlaskForm):
    reason = TextAreaField(_l("What is inappropriate?"), validators=[DataRequired(), Length(min=3, max=500)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why do you withdraw it? (optional, public)"), validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the author)"), validators=[DataRequired(), Length(min=3, max=2000)])
