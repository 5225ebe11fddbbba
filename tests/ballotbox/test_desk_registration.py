"""On-the-spot registration at a connected desk (when the edition allows it): the person is added
to the register exactly as an import line would be (identity key, minimum age, district) and
signed in in the same transaction; every refusal is named and leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.ballotbox import errors
from pb.ballotbox.services import signin
from pb.editions.models import Edition
from pb.voting import identity
from pb.voting.models import Channel, Participation, Voter, VoterSource
from pb.voting.services import issue_tokens
from pb.voting.services.common import settings

from .conftest import identity_of, open_desk, own_choices, participations, post_ballot
from ..voting.conftest import build_world

NEWCOMER = {"last_name": "Nouvelle", "first_name": "Arrivée", "birth_date": "1990-05-04"}


def _allow(session, world) -> None:  # type: ignore[no-untyped-def]
    # Set before the vote opens, as staff would (the rule is frozen afterwards).
    session.execute(sa.update(Edition).where(Edition.id == world.edition.id).values(desk_registration=True))
    session.commit()
    session.refresh(world.edition)


def _register(client, desk, **body):  # type: ignore[no-untyped-def]
    payload = {"register": True, **NEWCOMER, "id_checked": True, **body}
    return client.post(f"/api/v1/stations/{desk.id}/signins", json=payload, headers=desk.headers())


def _counts(session, world) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    session.commit()
    voters = session.scalar(sa.select(sa.func.count()).select_from(Voter).where(Voter.edition_id == world.edition.id))
    rows = session.scalar(sa.select(sa.func.count()).select_from(Participation))
    audited = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "ballotbox.desk_registration"))
    return voters, rows, audited


def _key(person: dict[str, str]) -> str:
    return identity.voter_key(settings().voter_pepper, person["last_name"], person["first_name"],
                              dt.date.fromisoformat(person["birth_date"]))


def test_registered_at_the_desk_and_signed_in_then_cannot_vote_online(client, session, paper) -> None:
    world, desk = paper
    _allow(session, world)
    before = _counts(session, world)
    answer = _register(client, desk)
    assert answer.status_code == 201, answer.json
    assert answer.json["scopes"] == ["district"] and answer.json["district"] == "q1"
    new = session.scalar(sa.select(Voter).where(Voter.voter_key == _key(NEWCOMER)))
    assert new is not None and new.ref == answer.json["voter_ref"] and new.source == VoterSource.STAFF
    assert new.district_id == desk.station.district_id
    assert _counts(session, world) == (before[0] + 1, before[1] + 1, 1)
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ballotbox.desk_registration"))
    assert "Nouvelle" not in str(entry.detail) and "Arrivée" not in str(entry.detail)
    assert [(r.channel, r.station_id) for r in participations(session, new.voter_key)] == [(Channel.PAPER, desk.id)]
    # Given a voting token afterwards, the person still cannot vote online: one person, one vote.
    token = next(t for t in issue_tokens(session, SYSTEM, world.edition) if t.voter_id == new.id)
    session.commit()
    refused = post_ballot(client, world, token.token, own_choices(world, new))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "already_voted_paper"
    # Registered now: a second registration is refused, a lookup finds them signed in.
    again = _register(client, desk)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_registered"


@pytest.mark.parametrize(("allow", "body", "status", "code"), [
    (False, {}, 409, "desk_registration_disabled"),
    (True, {"id_checked": False}, 422, "id_not_checked"),
    (True, {"id_checked": "yes"}, 422, "id_not_checked"),
    (True, {"birth_date": "2020-01-01"}, 403, "not_eligible"),
    (True, {"birth_date": "1990-02-30"}, 422, "invalid"),
    (True, {"first_name": ""}, 422, "invalid"),
    (True, {**identity_of(0)}, 409, "already_registered"),
])
def test_refusals_are_named_and_leave_nothing(client, session, paper, allow, body, status, code) -> None:
    world, desk = paper
    if allow:
        _allow(session, world)
    before = _counts(session, world)
    answer = _register(client, desk, **body)
    assert answer.status_code == status and answer.json["error"]["code"] == code, answer.json
    assert _counts(session, world) == before


def test_city_wide_station_needs_the_district_of_residence(client, session, make) -> None:
    world = build_world(session, make, voters=2)
    _allow(session, world)
    desk = open_desk(session, make, world, district=None, officers=1)
    before = _counts(session, world)
    missing = _register(client, desk)
    assert missing.status_code == 422 and missing.json["error"]["code"] == "invalid"
    assert "district" in missing.json["error"]["message"]
    unknown = _register(client, desk, district="nowhere")
    assert unknown.status_code == 422 and _counts(session, world) == before
    done = _register(client, desk, district=world.districts[1].code)
    assert done.status_code == 201 and done.json["district"] == world.districts[1].code


def test_an_offline_station_does_not_register(session, make) -> None:
    world = build_world(session, make, voters=2)
    _allow(session, world)
    desk = open_desk(session, make, world, offline=True, officers=1)
    with pytest.raises(errors.DeskRegistrationDisabled):
        signin.register_and_sign_in(session, desk.officers[0], desk.station, id_checked=True, **NEWCOMER)


def test_desk_page_offers_registration_when_the_lookup_finds_nobody(client, auth, session, paper) -> None:
    world, desk = paper
    auth.login(desk.officers[0])
    lookup = {**NEWCOMER, "action": "lookup"}
    page = client.post(f"/desk/{desk.id}", data=lookup)
    assert page.status_code == 404 and 'id="register"' not in page.get_data(as_text=True)
    disabled = client.post(f"/desk/{desk.id}/register", data={**NEWCOMER, "district": "q1", "id_checked": "y"})
    assert disabled.status_code == 409 and 'id="register"' not in disabled.get_data(as_text=True)
    assert _counts(session, world)[2] == 0
    _allow(session, world)
    page = client.post(f"/desk/{desk.id}", data=lookup)
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and 'id="register"' in text and 'value="Nouvelle"' in text
    unchecked = client.post(f"/desk/{desk.id}/register", data=NEWCOMER)
    assert unchecked.status_code == 422 and 'value="Nouvelle"' in unchecked.get_data(as_text=True)
    assert _counts(session, world)[2] == 0
    done = client.post(f"/desk/{desk.id}/register", data={**NEWCOMER, "district": "q1", "id_checked": "y"})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert _counts(session, world)[2] == 1
    assert participations(session, _key(NEWCOMER))
    again = client.post(f"/desk/{desk.id}/register", data={**NEWCOMER, "id_checked": "y"})
    assert again.status_code == 409


def test_answers_match_the_openapi_document(client, session, paper) -> None:
    from .test_api import _check

    doc = client.get("/api/v1/openapi.json").json
    world, desk = paper
    path = "/api/v1/stations/{station_id}/signins"
    _check(doc, path, "post", _register(client, desk))  # 409 disabled
    _allow(session, world)
    _check(doc, path, "post", _register(client, desk, id_checked=False))  # 422
    _check(doc, path, "post", _register(client, desk))  # 201
    _check(doc, path, "post", _register(client, desk))  # 409 already registered


def test_staff_set_the_rule_before_the_vote_and_the_published_rules_say_so(session, make) -> None:
    from pb.editions import services as editions
    from pb.editions.describe import participation_rules

    world = build_world(session, make, voters=1, phase="draft")
    without = participation_rules(world.edition)
    editions.update_rules(session, SYSTEM, world.edition, desk_registration=True)
    added = [line for line in participation_rules(world.edition) if line not in without]
    assert len(added) == 1 and "bureau de vote" in added[0]
