"""The demo's polling stations: a working officer (`bureau@`) at an open station of the vote in
progress, and for the edition already counted, signed-off reports with a discrepancy and an
offline collision, paper ballots in the published results."""

from __future__ import annotations

import sqlalchemy as sa

from pb.accounts.models import User
from pb.authz import SYSTEM
from pb.ballotbox.models import PollingStation
from pb.ballotbox.services.reconcile import reconcile
from pb.ballotbox.services.stations import state
from pb.demo import load_demo
from pb.editions.models import Edition, Phase
from pb.results.services import published_run

from ..conftest import PASSWORD


def test_demo_stations(client, auth, session) -> None:
    load_demo(session)
    session.commit()
    past = session.scalars(sa.select(Edition).where(Edition.phase == Phase.IMPLEMENTATION)).one()
    result = reconcile(session, SYSTEM, past).as_json()
    assert len(result["stations"]) == 3 and result["missing_reports"] == []
    assert sorted(s["difference"] for s in result["stations"]) == [0, 0, 1]
    assert [c["other_channel"] for c in result["collisions"]] == ["online"]
    assert result["districts"] and all(d["verdict"] in ("cannot_change", "could_change") for d in result["districts"])
    assert sum(r.channels.get("paper", 0) for r in published_run(session, past).districts) > 0
    current = session.scalars(sa.select(Edition).where(Edition.phase == Phase.VOTE)).one()
    town_hall = session.scalar(sa.select(PollingStation).where(PollingStation.edition_id == current.id,
                                                               PollingStation.name == "Hôtel de ville"))
    assert state(town_hall) == "open"
    bureau = session.scalar(sa.select(User).where(User.email == "bureau@grenoble.example"))
    assert town_hall.has_officer(bureau.id)
    from pb.accounts.services import hash_password

    bureau.password_hash = hash_password(PASSWORD)
    session.commit()
    auth.login(bureau)
    assert client.get(f"/desk/{town_hall.id}").status_code == 200
