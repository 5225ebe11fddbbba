from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.councils import services
from pb.councils.models import Handling, Opinion
from pb.db import utcnow
from pb.errors import Forbidden, ValidationFailed
from pb.ideas.models import IdeaStatus


@pytest.fixture
def council(session, cycle, make):
    edition = cycle.edition()
    item = services.save_council(session, make.admin(), edition, name="Conseil citoyen du secteur 1",
                                 district_id=edition.districts[0].id,
                                 members="Jeanne Dupont, co-présidente\nAhmed Benali\n\nLucie Martin, secrétaire")
    return item


def test_a_council_and_its_members(session, make, council) -> None:
    assert [(m.name, m.role, m.active) for m in council.members] == [
        ("Jeanne Dupont", "co-présidente", True), ("Ahmed Benali", "", True), ("Lucie Martin", "secrétaire", True)]
    edition = _edition(session, council)
    services.save_council(session, make.admin(), edition, council, name=council.name, district_id=council.district_id,
                          members="Ahmed Benali, président")
    # Members who leave stay in the records of past sessions: inactive, not deleted.
    assert [(m.name, m.role, m.active) for m in council.members] == [
        ("Jeanne Dupont", "co-présidente", False), ("Ahmed Benali", "président", True),
        ("Lucie Martin", "secrétaire", False)]
    with pytest.raises(Forbidden):
        services.save_council(session, make.user(roles=["council_secretary"]), edition, name="Autre conseil",
                              district_id=None)
    with pytest.raises(ValidationFailed):
        services.save_council(session, make.admin(), edition, name=council.name, district_id=None)


def _edition(session, council):
    from pb.editions.models import Edition

    return session.get(Edition, council.edition_id)


def test_sessions_links_and_opinions(session, cycle, make, council) -> None:
    edition = _edition(session, council)
    secretary = make.user(roles=[("council_secretary", edition.districts[0])])
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    project = idea.project
    when = utcnow().replace(microsecond=0) - dt.timedelta(days=7)
    record = services.save_session(session, secretary, council, starts_at=when, place="Maison des habitants",
                                   agenda="1. Projets du budget participatif", minutes="Présentation et débat.",
                                   present_member_ids=[council.members[0].id, council.members[2].id],
                                   public_attendance=12)
    assert [m.name for m in record.present] == ["Jeanne Dupont", "Lucie Martin"]
    link = services.link_project(session, secretary, record, project, Handling.PRESENTED)
    services.link_project(session, secretary, record, project, "discussed")
    assert len(record.items) == 1 and link.handling is Handling.DISCUSSED
    with pytest.raises(services.OpinionNeedsText):
        services.record_opinion(session, secretary, council, project, opinion="reserved")
    services.record_opinion(session, secretary, council, project, opinion=Opinion.FAVOURABLE, session_id=record.id)
    opinion = services.record_opinion(session, secretary, council, project, opinion="reserved",
                                      text="Favorable sous réserve de l'accord des riverains.", session_id=record.id)
    assert opinion.opinion is Opinion.RESERVED
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "council.opinion")
                              .order_by(AuditEntry.id)).all()
    assert entries[-1].before["opinion"] == "favourable" and entries[-1].after["opinion"] == "reserved"
    # The project page shows its sessions and opinions; the council page the projects it handled.
    follow = services.project_councils(session, project.id)
    assert [x.session_id for x in follow["sessions"]] == [record.id]
    assert [(o.council_id, o.opinion) for o in follow["opinions"]] == [(council.id, Opinion.RESERVED)]
    handled = services.council_projects(session, council)
    assert [(e["project"].id, e["opinion"].opinion, len(e["sessions"])) for e in handled] == [
        (project.id, Opinion.RESERVED, 1)]
    services.unlink_project(session, secretary, record.items[0])
    assert record.items == []


def test_secretaries_record_for_their_district_only(session, cycle, make, council) -> None:
    edition = _edition(session, council)
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    elsewhere = make.user(roles=[("council_secretary", edition.districts[1])])
    with pytest.raises(Forbidden):
        services.save_session(session, elsewhere, council, starts_at=utcnow())
    with pytest.raises(Forbidden):
        services.record_opinion(session, elsewhere, council, idea.project, opinion="favourable")
    with pytest.raises(Forbidden):
        services.record_opinion(session, make.user(roles=["reviewer"]), council, idea.project, opinion="favourable")
    everywhere = make.user(roles=["council_secretary"])
    services.record_opinion(session, everywhere, council, idea.project, opinion="favourable")


def test_projects_of_another_edition_are_refused(session, cycle, make, council) -> None:
    other = cycle.edition()
    idea = cycle.idea(other, status=IdeaStatus.FEASIBLE)
    with pytest.raises(services.ProjectNotInEdition):
        services.record_opinion(session, make.admin(), council, idea.project, opinion="favourable")


def test_public_meetings_and_attendance(session, cycle, make) -> None:
    edition = cycle.edition()
    d1, d2 = edition.districts
    a = cycle.idea(edition, status=IdeaStatus.FEASIBLE, district=d1)
    b = cycle.idea(edition, status=IdeaStatus.FEASIBLE, district=d2)
    secretary = make.user(roles=[("council_secretary", d1)])
    with pytest.raises(Forbidden):  # a city-wide meeting is for secretaries of the whole edition
        services.save_meeting(session, secretary, edition, title="Grande réunion", starts_at=utcnow())
    with pytest.raises(ValidationFailed):
        services.save_meeting(session, secretary, edition, title="", starts_at=utcnow(), district_id=d1.id)
    meeting = services.save_meeting(session, secretary, edition, title="Réunion publique du secteur 1",
                                    starts_at=utcnow(), district_id=d1.id, place="Salle Juliet-Berto")
    groups = services.holders(session, edition.id)
    assert [(p.id, [x.id for x in authors]) for p, authors in groups] == [
        (a.project_id, [a.holder.id]), (b.project_id, [b.holder.id])]
    services.set_attendance(session, secretary, meeting, [a.holder.id, 999_999])
    assert [x.author_id for x in meeting.attendance] == [a.holder.id]
    assert services.attended_project_ids(session, edition.id) == {a.project_id}
    assert [(m.id, au.id) for m, au in services.project_attendance(session, a.project_id)] == [(meeting.id, a.holder.id)]
    services.set_attendance(session, secretary, meeting, [b.holder.id])
    assert services.attended_project_ids(session, edition.id) == {b.project_id}
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "meeting.attendance")) == 2


def test_a_district_secretary_records_nothing_on_another_districts_project(session, cycle, make, council) -> None:
    """Issue 10 §6: a secretary of district 1 posted an unfavourable opinion on a project of district 2
    through district 1's council. Both objects are checked, and nothing is written."""
    edition = _edition(session, council)
    d1, d2 = edition.districts
    theirs = cycle.idea(edition, status=IdeaStatus.FEASIBLE, district=d2)
    secretary = make.user(roles=[("council_secretary", d1)])
    record = services.save_session(session, secretary, council, starts_at=utcnow())
    whole_edition = make.user(roles=[("council_secretary", edition)])
    before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with pytest.raises(Forbidden):
        services.record_opinion(session, secretary, council, theirs.project, opinion="unfavourable",
                                text="Un avis défavorable.")
    with pytest.raises(Forbidden):
        services.link_project(session, secretary, record, theirs.project)
    # Even a secretary of the whole edition does not put district 2's project before district 1's council.
    with pytest.raises(services.ProjectOutsideCouncil):
        services.record_opinion(session, whole_edition, council, theirs.project, opinion="favourable")
    session.flush()
    assert services.council_projects(session, council) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


def test_a_district_secretary_does_not_move_a_meeting_out_of_the_district(session, cycle, make) -> None:
    """Issue 10 §6: a district meeting turned into a city-wide one by its district's secretary."""
    edition = cycle.edition()
    d1, d2 = edition.districts
    secretary = make.user(roles=[("council_secretary", d1)])
    meeting = services.save_meeting(session, secretary, edition, title="Réunion du secteur 1", starts_at=utcnow(),
                                    district_id=d1.id)
    for elsewhere in (None, d2.id):
        with pytest.raises(Forbidden):
            services.save_meeting(session, secretary, edition, meeting, title="Réunion de toute la ville",
                                  starts_at=utcnow(), district_id=elsewhere)
        assert (meeting.district_id, meeting.title) == (d1.id, "Réunion du secteur 1")
    other = cycle.edition()
    with pytest.raises(Forbidden):  # an edition given with another edition's meeting
        services.save_meeting(session, make.user(roles=[("council_secretary", other)]), other, meeting,
                              title="Déplacée", starts_at=utcnow())


def test_a_district_administrator_does_not_make_a_council_city_wide(session, cycle, make, council) -> None:
    edition = _edition(session, council)
    d1, d2 = edition.districts
    district_admin = make.user(roles=[("admin", d1)])
    services.save_council(session, district_admin, edition, council, name=council.name, district_id=d1.id)
    for elsewhere in (None, d2.id):
        with pytest.raises(Forbidden):
            services.save_council(session, district_admin, edition, council, name=council.name, district_id=elsewhere)
        assert council.district_id == d1.id
