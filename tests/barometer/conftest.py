"""A constructed edition whose every indicator is known by hand (see `known`)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.councils.models import Council, CouncilOpinion, Opinion
from pb.db import utcnow
from pb.editions import services as editions
from pb.editions.models import Phase, PhaseWindow
from pb.ideas.models import Channel as IdeaChannel
from pb.ideas.models import Idea, IdeaAuthor, IdeaStatus
from pb.projects.models import ProjectStatus
from pb.projects.services import create_project
from pb.tracking.models import ImplementationUpdate
from pb.voting.models import Ballot, Participation

# A vote that ran before the tests do: moving the phase by hand aligns the published calendar
# on the present moment (pb.editions.services.align_calendar), a window still to come would move.
VOTE_ENDS = dt.datetime(2026, 3, 31, 18, 0, tzinfo=dt.timezone.utc)
DELIVERED_ON = dt.date(2026, 9, 30)  # 183 days after the vote: 6.0 months


def add_idea(session, edition, district, status, channel="online", authors=(), submitted=True, project=None):
    idea = Idea(edition_id=edition.id, district_id=district.id, title=f"Idée {status}", status=status,
                channel=IdeaChannel(channel), submitted_at=utcnow() if submitted else None,
                project_id=project.id if project else None)
    for i, (user, name, email) in enumerate(authors):
        idea.authors.append(IdeaAuthor(user_id=user.id if user else None, name=name, email=email, position=i))
    session.add(idea)
    session.flush()
    return idea


def sign_in(session, edition, district, key, channel, scope="district", at=None):
    session.add(Participation(edition_id=edition.id, scope=scope, district_id=district.id, voter_key=key,
                              channel=channel, signed_at=at or utcnow()))


def put_ballot(session, edition, district, choices, channel="online"):
    session.execute(sa.insert(Ballot), [{"id": uuid.uuid4(), "edition_id": edition.id, "district_id": district.id,
                                         "channel": channel, "choices": {str(p.id): v for p, v in choices.items()}}])


@pytest.fixture
def voting(session, make):
    """The edition during its vote (see `known` for every value)."""
    return build_voting(session, make)


@pytest.fixture
def known(session, voting):
    """The edition counted: pA delivered, pB not selected, pC winner, pD in works."""
    return count(session, voting)


def build_voting(session, make):
    editions.update_territory(session, SYSTEM, name="Villebelle", insee_code="38185", population=40_000, website="")
    edition = make.edition(districts=2, citywide=True, envelope_cents=100_000_00, public_meeting_required=True,
                           comments_before_review=False, comments_during_vote=True, online_voting=True, paper_voting=True)
    q1, q2, city = edition.districts
    u1, u2, u3 = make.user(), make.user(), make.user()
    pa = create_project(session, SYSTEM, edition, q1, title="Parc", cost_cents=50_000_00, status=ProjectStatus.ON_BALLOT)
    pb = create_project(session, SYSTEM, edition, q1, title="Bancs", cost_cents=10_000_00, status=ProjectStatus.ON_BALLOT)
    pc = create_project(session, SYSTEM, edition, q2, title="Pistes", cost_cents=60_000_00, status=ProjectStatus.ON_BALLOT)
    pd = create_project(session, SYSTEM, edition, city, title="Piscine", cost_cents=150_000_00, status=ProjectStatus.ON_BALLOT)
    S = IdeaStatus
    add_idea(session, edition, q1, S.ADMISSIBLE, authors=[(u1, "Un", "")])
    add_idea(session, edition, q1, S.INFEASIBLE, authors=[(u1, "Un", "")])
    add_idea(session, edition, q1, S.FEASIBLE, "paper", authors=[(None, "Marie Dupont", "")], project=pa)
    add_idea(session, edition, q1, S.MERGED, "meeting", authors=[(None, "marie dupont", "")], project=pa)
    add_idea(session, edition, q2, S.NOT_ADMISSIBLE, authors=[(u2, "Deux", "")])
    add_idea(session, edition, q2, S.DRAFT, authors=[(u3, "Trois", "")], submitted=False)
    add_idea(session, edition, q2, S.WITHDRAWN, authors=[(u2, "Deux", ""), (None, "Paul", "paul@example.org")])
    council = Council(edition_id=edition.id, district_id=q1.id, name="Conseil de quartier 1")
    session.add(council)
    session.flush()
    session.add(CouncilOpinion(council_id=council.id, project_id=pa.id, opinion=Opinion.FAVOURABLE))
    session.add(PhaseWindow(edition_id=edition.id, phase=Phase.VOTE, starts_at=VOTE_ENDS - dt.timedelta(days=20),
                            ends_at=VOTE_ENDS))
    session.flush()
    editions.set_phase(session, SYSTEM, edition, Phase.VOTE)
    for key, district, channel in [("k1", q1, "online"), ("k2", q1, "online"), ("k3", q2, "paper"),
                                   ("k4", q2, "paper"), ("k5", q2, "online")]:
        sign_in(session, edition, district, key, channel)
    for key, channel in [("k1", "online"), ("k3", "paper"), ("k6", "online")]:
        sign_in(session, edition, city, key, channel, scope="citywide")
    put_ballot(session, edition, q1, {pa: 1, pb: 1})
    put_ballot(session, edition, q1, {pa: 1})
    for _ in range(3):
        put_ballot(session, edition, q2, {pc: 1}, "paper")
        put_ballot(session, edition, city, {pd: 1})
    for code in ("token_used", "token_used", "already_voted"):
        session.add(AuditEntry(action="vote.refused", edition_id=edition.id, target_type="vote", detail={"code": code}))
    session.flush()
    return edition, {"pa": pa, "pb": pb, "pc": pc, "pd": pd}


def count(session, voting):
    edition, p = voting
    editions.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    for key, status in [("pa", ProjectStatus.DELIVERED), ("pb", ProjectStatus.NOT_SELECTED),
                        ("pc", ProjectStatus.WINNER), ("pd", ProjectStatus.IN_WORKS)]:
        p[key].status = status
    session.add(ImplementationUpdate(project_id=p["pa"].id, status=ProjectStatus.DELIVERED, progress=100,
                                     happened_on=DELIVERED_ON))
    session.flush()
    return edition, p
