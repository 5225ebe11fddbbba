"""Small helpers shared by the views of every domain."""

from __future__ import annotations

from typing import Any

from typing import Iterable

from flask import flash, g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice

from pb.db import db
from pb.errors import PbError, ValidationFailed
from pb.web.format import money, parse_money


def show_error(form: FlaskForm | None, error: PbError) -> None:
    """Puts a domain error where the person will read it: on the field it names, or at the top.
    What the refused call wrote is rolled back at once (the page then shows what is stored, and
    the request commits nothing of it), unless the refusal is itself a record."""
    g.pb_error_status = error.status
    if not error.recorded:
        db.session.rollback()
    field_name = getattr(error, "field", None) if isinstance(error, ValidationFailed) else None
    if form is not None and field_name and field_name in form._fields:
        form._fields[field_name].errors = list(form._fields[field_name].errors or []) + [error.text()]
    else:
        flash(error.text(), "error")


def form_status(form: FlaskForm) -> int:
    """200 for a first display; when a submitted form is shown again: the status of the domain
    error that refused it, or 422 for field errors."""
    if g.get("pb_error_status"):
        return int(g.pb_error_status)
    return 422 if form.is_submitted() and (form.errors or any(f.errors for f in form)) else 200


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Choices for a SelectField from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def choice_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class MoneyField(StringField):
    """An amount in euros typed as people type it (12 345,50 €), kept as integer cents in `.cents`."""

    cents: int | None = None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return money(self.data).replace("\u202f", " ").replace("\xa0", " ") if isinstance(self.data, int) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.raw_data = valuelist
            try:
                self.data = parse_money(str(valuelist[0]))
            except ValueError:
                self.data = None
                raise ValueError(str(_l("Type an amount in euros, for example 150 000 or 1 250,50."))) from None
