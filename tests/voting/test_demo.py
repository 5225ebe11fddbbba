"""`pb demo` opens a vote with printed tokens that work, and the past edition has its ballots."""

from __future__ import annotations

import re

import sqlalchemy as sa

from pb.demo import load_demo
from pb.editions.models import Edition
from pb.voting.models import Ballot, BoardEntry
from pb.voting.services import verify_board

from .conftest import fresh_locale


def test_demo_votes_and_prints_working_tokens(client, session) -> None:
    summary = load_demo(session)
    session.commit()
    past, current = session.scalars(sa.select(Edition).order_by(Edition.year)).all()[:2]
    assert past.phase.value == "implementation" and current.phase.value == "vote"
    assert session.scalar(sa.select(sa.func.count()).select_from(Ballot).where(Ballot.edition_id == past.id)) > 10
    assert verify_board(session, past.id).ok and verify_board(session, past.id).pending == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(BoardEntry).where(BoardEntry.edition_id == current.id)) > 0
    links = re.findall(r"(https?://\S+/vote/(\S+))\s+code (\S+)", summary)
    assert len(links) == 5
    fresh_locale()
    response = client.get("/vote/" + links[0][1])
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/editions/{current.slug}/vote")
