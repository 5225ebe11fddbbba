"""Small helpers shared by the voting services: settings, dates of the vote, eligibility, the
audit line of a refusal (written in its own transaction)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from pb.db import utcnow
from pb.editions.models import Edition, Phase, ResidenceRule
from pb.errors import PbError
from pb.web.format import day as day_words

log = logging.getLogger("pb.voting")


def settings() -> Any:
    return current_app.config["PB_SETTINGS"]


def vote_window(edition: Edition) -> tuple[dt.datetime | None, dt.datetime | None]:
    window = edition.window(Phase.VOTE)
    return (window.starts_at, window.ends_at) if window else (None, None)


def vote_date(edition: Edition) -> dt.date:
    """The date on which the minimum age is reached: the day the vote opens (its published
    start, else the day it actually opened, else today)."""
    return vote_day(vote_window(edition)[0], edition.vote_opened_at)


def vote_day(window_start: dt.datetime | None, opened_at: dt.datetime | None) -> dt.date:
    if window_start is not None:
        return window_start.date()
    if opened_at is not None:
        return opened_at.date()
    return utcnow().date()


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def birth_cutoff(edition: Edition) -> dt.date:
    """Born on or before this date: old enough on the vote date."""
    return cutoff_on(vote_date(edition), edition.min_voter_age)


def cutoff_on(day: dt.date, years: int) -> dt.date:
    """Born on or before this date: `years` old on `day`."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def ineligibility(edition: Edition, birth_date: dt.date | None, district_id: int | None) -> str | None:
    """Why this register entry may not vote, in words; None if it may."""
    return ineligibility_at(birth_cutoff(edition), edition.min_voter_age, vote_date(edition),
                            str(edition.residence_rule), birth_date, district_id)


def ineligibility_at(cutoff: dt.date, min_age: int, day: dt.date, residence_rule: str, birth_date: dt.date | None,
                     district_id: int | None) -> str | None:
    from flask_babel import gettext as _

    if birth_date is None:
        return _("the register has no date of birth for you.")
    if birth_date > cutoff:
        return _("the minimum age is %(age)s on %(date)s.", age=min_age, date=day_words(day))
    if residence_rule == ResidenceRule.RESIDENCE and district_id is None:
        return _("the register gives no district of residence for you.")
    return None


def record_refusal(session: Session, edition_id: int | None, error: PbError, *, stage: str, voter_ref: str | None,
                   client: str) -> None:
    """One audit line for a refusal, committed on its own (the refused transaction is rolled
    back). Never the choices; never anything that could point at a ballot: a refusal about the
    content (over budget, wrong district...) is recorded as `ballot_invalid` when the line names
    the voter."""
    from pb.audit.models import AuditEntry

    code = "ballot_invalid" if voter_ref and getattr(error, "content", False) else error.code

    try:
        with Session(bind=session.get_bind()) as own:
            own.add(AuditEntry(action="vote.refused", edition_id=edition_id, target_type="vote",
                               detail={"code": code, "stage": stage, "voter": voter_ref, "client": client}))
            own.commit()
    except Exception:  # noqa: BLE001 - a lost audit line must not hide the refusal itself
        log.exception("could not write the audit line of a refused vote (%s)", error.code)
