from __future__ import annotations

from pb.councils import services
from pb.db import utcnow
from pb.ideas.models import IdeaStatus


def test_council_and_project_pages_show_sessions_and_opinions(session, cycle, make, client, auth) -> None:
    edition = cycle.edition()
    admin = make.admin()
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    council = services.save_council(session, admin, edition, name="Conseil citoyen du quartier 1",
                                    district_id=edition.districts[0].id, members="Jeanne Dupont, présidente")
    record = services.save_session(session, admin, council, starts_at=utcnow(), place="Maison des habitants",
                                   agenda="Budget participatif", present_member_ids=[council.members[0].id])
    services.link_project(session, admin, record, idea.project, "presented")
    services.record_opinion(session, admin, council, idea.project, opinion="unfavourable",
                            text="L'emplacement gênerait le marché.", session_id=record.id)
    secretary = make.user(roles=[("council_secretary", edition.districts[1])])
    session.commit()
    page = client.get(f"/editions/{edition.slug}/councils/{council.id}").get_data(as_text=True)
    assert idea.project.title in page and "Défavorable" in page and "Jeanne Dupont" in page
    page = client.get(f"/editions/{edition.slug}/projects/{idea.project.number}").get_data(as_text=True)
    assert "Conseil citoyen du quartier 1" in page and "L&#39;emplacement gênerait le marché." in page
    assert client.get(f"/editions/{edition.slug}/councils").status_code == 200
    assert client.get(f"/editions/{edition.slug}/meetings").status_code == 200
    # A secretary of another district cannot record for this council.
    auth.login(secretary)
    assert client.get(f"/admin/councils/{council.id}").status_code == 403
    assert client.get(f"/admin/councils/{council.id}/sessions/new").status_code == 403
    assert client.get(f"/admin/editions/{edition.id}/councils").status_code == 200


def test_attendance_through_the_meeting_page(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(public_meeting_required=True)
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    secretary = make.user(roles=["council_secretary"])
    session.commit()
    auth.login(secretary)
    response = client.post(f"/admin/editions/{edition.id}/meetings/new", data={
        "title": "Réunion publique du quartier 1", "starts_at": "2027-03-10T18:30",
        "district_id": edition.districts[0].id, "place": "Salle des fêtes", "description": ""})
    assert response.status_code == 302
    meeting_url = response.location
    page = client.get(meeting_url).get_data(as_text=True)
    assert idea.holder.name in page
    meeting_id = int(meeting_url.rstrip("/").split("/")[-1])
    response = client.post(f"/admin/meetings/{meeting_id}/attendance", data={"author_ids": [idea.holder.id]})
    assert response.status_code == 302
    assert services.attended_project_ids(session, edition.id) == {idea.project_id}
    meeting = services.get_meeting(session, meeting_id)
    assert meeting.starts_at.hour == 17  # 18:30 in Paris in March is 17:30 UTC
