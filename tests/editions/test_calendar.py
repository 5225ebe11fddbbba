"""The public calendar agrees with the phase when staff move it by hand: phases left behind end
when they were left (or leave the calendar if they never ran), the phase entered early starts
when it was entered (but the vote, whose published start is frozen), and the public page marks
the current phase."""

from __future__ import annotations

import datetime as dt

from pb.authz import SYSTEM
from pb.db import utcnow
from pb.editions import services
from pb.editions.models import Phase

DAY = dt.timedelta(days=1)


def _planned(session, edition, now):
    services.set_calendar(session, SYSTEM, edition, {
        Phase.SUBMISSION: (now - 10 * DAY, now + 20 * DAY), Phase.REVIEW: (now + 21 * DAY, now + 40 * DAY),
        Phase.VOTE: (now + 41 * DAY, now + 55 * DAY), Phase.RESULTS: (now + 56 * DAY, now + 70 * DAY)})
    services.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)


def test_moving_on_early_ends_the_phase_left_and_starts_the_next(session, make) -> None:
    edition = make.edition()
    now = utcnow()
    _planned(session, edition, now)
    services.set_phase(session, SYSTEM, edition, Phase.REVIEW)
    submission, review = edition.window(Phase.SUBMISSION), edition.window(Phase.REVIEW)
    assert submission.ends_at <= utcnow() and review.starts_at <= utcnow()
    assert review.ends_at == now + 40 * DAY  # the planned end stays
    assert edition.window(Phase.VOTE).starts_at == now + 41 * DAY  # phases to come keep their dates


def test_a_skipped_phase_leaves_the_calendar(session, make) -> None:
    edition = make.edition()
    now = utcnow()
    _planned(session, edition, now)
    services.set_phase(session, SYSTEM, edition, Phase.VOTE)
    assert edition.window(Phase.REVIEW) is None  # it never ran
    # The vote keeps its published start (frozen with the rules: tests/voting/test_frozen_rules.py).
    assert edition.window(Phase.VOTE).starts_at == now + 41 * DAY
    starts = [w.starts_at for w in edition.phase_windows]
    assert starts == sorted(starts)


def test_the_public_calendar_shows_the_phase_as_it_is(session, make, client) -> None:
    edition = make.edition()
    now = utcnow()
    _planned(session, edition, now)
    services.set_phase(session, SYSTEM, edition, Phase.REVIEW)
    session.commit()
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    current = page.split('aria-current="step"', 1)[1].split("</tr>", 1)[0]
    assert "Étude technique" in current and "(en cours)" in current
