"""What residents receive and read gives dates in French and in local time (Europe/Paris),
never "2027-02-23 09:00 UTC"."""

from __future__ import annotations

import datetime as dt

import pytest

from pb.accounts import services as accounts
from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.voting.services.tokens import send_token_email

UTC = dt.timezone.utc


def test_the_voting_email_gives_the_closing_time_in_french_local_time(session, make, outbox) -> None:
    edition = make.edition()
    start = dt.datetime(2027, 2, 9, 8, 0, tzinfo=UTC)
    editions.set_calendar(session, SYSTEM, edition, {Phase.VOTE: (start, dt.datetime(2027, 2, 23, 9, 0, tzinfo=UTC))})
    send_token_email(session, edition, "lea@ville.example", "TOKEN", locale="fr")
    session.commit()
    body = outbox[-1].get_content()
    assert "23 février 2027 à 10:00" in body  # 09:00 UTC is 10:00 in Paris in February
    assert "UTC" not in body and "2027-02-23" not in body


def test_the_lock_message_gives_a_local_time(app, session, make) -> None:
    user = make.user("locked@ville.example")
    user.locked_until = dt.datetime(2027, 7, 1, 12, 30, tzinfo=UTC)
    with app.test_request_context(), pytest.raises(accounts.AccountLocked) as refused:
        accounts.authenticate(session, user.email, "wrong", now=dt.datetime(2027, 7, 1, 12, 0, tzinfo=UTC))
    with app.test_request_context():
        text = refused.value.text()
    assert "1 juillet 2027 à 14:30" in text and "UTC" not in text  # summer time: UTC+2
