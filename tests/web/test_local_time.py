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


def test_the_lock_message_gives_no_utc_time(app, session, make) -> None:
    """A lock (too many failed logins) says in French to wait; it never shows a time in UTC."""
    from pb.attempts import TooManyAttempts

    make.user("locked@ville.example")
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        for _ in range(app.config["PB_SETTINGS"].login_max_failures):
            with pytest.raises(accounts.InvalidCredentials):
                accounts.authenticate(session, "locked@ville.example", "wrong", address="198.51.100.7")
        with pytest.raises(TooManyAttempts) as refused:
            accounts.authenticate(session, "locked@ville.example", "wrong", address="198.51.100.7")
        text = refused.value.text()
    assert "UTC" not in text and "Trop" in text
