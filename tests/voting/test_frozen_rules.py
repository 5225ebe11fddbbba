"""Rules frozen means frozen (issue 10 §4): once the vote opens, nothing that decides who may
vote moves; only the closing time is extended, with a published reason; no vote before the
published start; the register is purged only after the recourse period."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.db import utcnow
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.editions.services import RulesFrozen
from pb.errors import ValidationFailed
from pb.voting.models import Voter
from pb.voting.services import import_text
from pb.voting.services.register import PurgeTooEarly, purge_due, purge_personal_data

from .conftest import build_world

DAY = dt.timedelta(days=1)


def _world_with_window(session, make, start: dt.datetime, end: dt.datetime, **rules):
    world = build_world(session, make, phase="draft", **rules)
    editions.set_calendar(session, SYSTEM, world.edition, {Phase.VOTE: (start, end)})
    editions.set_phase(session, SYSTEM, world.edition, Phase.VOTE)
    session.commit()
    return world


def test_the_vote_start_and_with_it_the_age_date_cannot_move_once_open(session, make) -> None:
    now = utcnow().replace(microsecond=0)
    world = _world_with_window(session, make, now - DAY, now + 10 * DAY, min_voter_age=16)
    edition = world.edition
    fifteen = (now - DAY).date().replace(year=(now - DAY).year - 16) + 10 * DAY  # 16 only ten days after the start
    for start in (now + 20 * DAY, now - 400 * DAY):  # later: a 15-year-old becomes eligible; earlier: voters lose it
        with pytest.raises(RulesFrozen):
            editions.set_calendar(session, SYSTEM, edition, {Phase.VOTE: (start, now + 30 * DAY)})
        session.rollback()
    with pytest.raises(RulesFrozen):  # nor removed
        editions.set_calendar(session, SYSTEM, edition, {})
    session.rollback()
    with pytest.raises(RulesFrozen):  # nor its end moved by the calendar
        editions.set_calendar(session, SYSTEM, edition, {Phase.VOTE: (now - DAY, now + 11 * DAY)})
    session.rollback()
    result = import_text(session, SYSTEM, edition, f"last_name,first_name,birth_date,district\nJeune,Léo,{fifteen},q1\n")
    assert dict(result.reasons) == {"too_young": 1}
    # Later phases may still be planned, after the vote's end.
    editions.set_calendar(session, SYSTEM, edition, {Phase.VOTE: (now - DAY, now + 10 * DAY),
                                                     Phase.RESULTS: (now + 11 * DAY, now + 40 * DAY)})


def test_only_the_closing_time_is_extended_with_a_reason_audited_and_published(en_client, session, make) -> None:
    now = utcnow().replace(microsecond=0)
    world = _world_with_window(session, make, now - DAY, now + DAY)
    edition = world.edition
    with pytest.raises(ValidationFailed):
        editions.extend_vote(session, SYSTEM, edition, now + 2 * DAY, "  ")
    with pytest.raises(ValidationFailed):
        editions.extend_vote(session, SYSTEM, edition, now + DAY / 2, "shorter")
    editions.extend_vote(session, SYSTEM, edition, now + 3 * DAY, "Network outage on Sunday")
    session.commit()
    assert edition.window(Phase.VOTE).ends_at == now + 3 * DAY
    line = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "edition.vote_extended")).one()
    assert line.after["reason"] == "Network outage on Sunday"
    page = en_client.get(f"/editions/{world.slug}").get_data(as_text=True)
    assert "The vote was extended" in page and "Network outage on Sunday" in page
    api = en_client.get(f"/api/v1/editions/{world.slug}").get_json()["vote"]
    assert api["extensions"][0]["reason"] == "Network outage on Sunday"
    assert api["closes_at"] == api["extensions"][0]["closes_at"]


def test_the_staff_page_extends_and_keeps_frozen_dates(en_client, session, make, auth) -> None:
    now = utcnow().replace(microsecond=0, second=0)
    world = _world_with_window(session, make, now - DAY, now + DAY)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    base = f"/admin/editions/{world.edition.id}"
    assert 'disabled' in en_client.get(base + "/calendar").get_data(as_text=True)
    saved = en_client.post(base + "/calendar", data={})  # frozen fields are not posted: kept as they were
    assert saved.status_code == 302
    refused = en_client.post(base + "/extend-vote", data={"ends_at": "2000-01-01T10:00", "reason": "x"})
    assert refused.status_code == 422
    session.expire_all()
    assert world.edition.window(Phase.VOTE).ends_at == now + DAY


def test_no_vote_before_the_published_start_even_if_the_phase_opened_early(client, session, make) -> None:
    now = utcnow()
    world = _world_with_window(session, make, now + DAY, now + 10 * DAY)
    token = world.tokens[0]
    api = client.post(f"/api/v1/editions/{world.slug}/ballots", json={"token": token.token, "choices": world.ids(0)})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "vote_not_open"
    page = client.get(f"/vote/{token.token}")
    assert page.status_code == 409
    assert session.scalar(sa.select(sa.func.count()).select_from(Voter).where(Voter.id == token.voter_id)) == 1


def _publish(session, edition) -> dt.datetime:
    from pb.results.services import publish_run, run_tally

    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    run = publish_run(session, SYSTEM, run_tally(session, SYSTEM, edition))
    session.commit()
    return run.published_at


def test_the_register_is_purged_only_after_the_recourse_period(session, make, app) -> None:
    world = build_world(session, make, emails=True)
    edition = world.edition
    with pytest.raises(PurgeTooEarly):  # the vote is open
        purge_personal_data(session, SYSTEM, edition)
    published = _publish(session, edition)
    with pytest.raises(PurgeTooEarly):  # within the two months of recourse
        purge_personal_data(session, SYSTEM, edition, now=published + 58 * DAY)
    assert purge_due(session, SYSTEM, now=published + 58 * DAY) == {}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Voter).where(Voter.birth_date.is_not(None))) == 6
    assert purge_due(session, SYSTEM, now=published + 62 * DAY) == {edition.slug: 6}
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Voter).where(
        sa.or_(Voter.birth_date.is_not(None), Voter.email != ""))) == 0
    assert purge_due(session, SYSTEM, now=published + 63 * DAY) == {}  # nothing left to do


def test_the_purge_command_refuses_while_the_vote_is_open(session, make, app) -> None:
    from pb.cli import main

    world = build_world(session, make)
    env = {"PB_DATABASE_URL": app.config["PB_SETTINGS"].database_url, "PB_ENV": "test", "PB_MAIL_BACKEND": "memory"}
    result = CliRunner().invoke(main, ["voters", "purge", world.slug, "--yes"], env=env)
    assert result.exit_code != 0 and ("cannot be purged yet" in result.output or "ne peut pas encore" in result.output)
    due = CliRunner().invoke(main, ["voters", "purge-due"], env=env)
    assert due.exit_code == 0 and due.output.strip().endswith("0 register(s) purged"), due.output
