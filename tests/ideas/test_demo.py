"""`pb demo` walks the whole cycle: ideas in every status, comments, moderation, councils with
sessions and opinions, public meetings, and a real ballot for the editions that reached the vote."""

from __future__ import annotations

import sqlalchemy as sa

from pb.councils.models import CouncilOpinion, CouncilSession, MeetingAttendance
from pb.demo import load_demo
from pb.editions.models import Edition, Phase
from pb.ideas.models import Channel, Comment, Flag, Idea, IdeaStatus
from pb.projects.models import Project, ProjectStatus


def test_the_demo_shows_the_whole_cycle(session, outbox) -> None:
    load_demo(session)
    session.commit()
    assert outbox == []  # fictional people are never e-mailed
    statuses = set(session.scalars(sa.select(Idea.status).distinct()))
    assert statuses == set(IdeaStatus)
    assert set(session.scalars(sa.select(Idea.channel).distinct())) == set(Channel)
    assert session.scalar(sa.select(sa.func.count()).select_from(Comment).where(Comment.parent_id.is_not(None)))
    assert session.scalar(sa.select(sa.func.count()).select_from(Comment).where(Comment.hidden_at.is_not(None)))
    assert session.scalar(sa.select(sa.func.count()).select_from(Flag).where(Flag.resolved_at.is_(None)))
    assert session.scalar(sa.select(sa.func.count()).select_from(CouncilSession)) >= 6
    assert set(session.scalars(sa.select(CouncilOpinion.opinion).distinct())) == {"favourable", "reserved",
                                                                                    "unfavourable"}
    assert session.scalar(sa.select(sa.func.count()).select_from(MeetingAttendance))
    for edition in session.scalars(sa.select(Edition).where(Edition.phase.in_((Phase.VOTE, Phase.RESULTS)))):
        for district in edition.districts:
            on_ballot = session.scalar(sa.select(sa.func.count()).select_from(Project).where(
                Project.district_id == district.id, Project.status == ProjectStatus.ON_BALLOT))
            assert 6 <= on_ballot <= 10, (edition.slug, district.code, on_ballot)
        held = session.scalars(sa.select(Project).where(Project.edition_id == edition.id,
                                                        Project.status == ProjectStatus.HELD_BACK)).all()
        assert held and all(p.status_reason for p in held)
    # History is spread over the published windows, not all "now".
    dates = {i.submitted_at.date() for i in session.scalars(sa.select(Idea).where(Idea.submitted_at.is_not(None)))}
    assert len(dates) > 10
