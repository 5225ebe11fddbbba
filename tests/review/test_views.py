from __future__ import annotations

import sqlalchemy as sa

from pb.editions.models import Phase
from pb.ideas.models import Idea, IdeaStatus
from pb.projects.models import ProjectStatus
from pb.review import services
from pb.review.models import Assignment


def test_a_reviewer_sees_and_edits_only_their_ideas(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    admin = make.admin()
    rita = make.user(roles=["reviewer"])
    mine, theirs = cycle.idea(edition, title="Idée confiée à Rita"), cycle.idea(edition, title="Idée d'un autre")
    cycle.phase(edition, Phase.REVIEW)
    services.assign(session, admin, edition, [mine.id], reviewer_id=rita.id)
    session.commit()
    auth.login(rita)
    page = client.get(f"/admin/editions/{edition.id}/review").get_data(as_text=True)
    assert "Idée confiée à Rita" in page and "Idée d'un autre" not in page
    assert 'name="idea_ids"' not in page  # assigning is for administrators
    assert client.get(f"/admin/review/ideas/{theirs.id}").status_code == 403
    assert client.post(f"/admin/editions/{edition.id}/review/assign", data={"idea_ids": theirs.id,
                                                                          "reviewer_id": rita.id}).status_code == 403
    items = services.checklist(session, edition)
    session.commit()  # the default criteria, created on first use
    form = {f"item_{i.id}": "yes" for i in items}
    bad = client.post(f"/admin/review/ideas/{mine.id}", data={**form, "decision": "feasible"})
    assert bad.status_code == 422 and "coût" in bad.get_data(as_text=True)
    response = client.post(f"/admin/review/ideas/{mine.id}", data={**form, "decision": "feasible",
                                                                    "reviewed_cost_cents": "12 500"})
    assert response.status_code == 302
    session.expire_all()
    idea = session.get(Idea, mine.id)
    assert idea.status is IdeaStatus.FEASIBLE and idea.project.cost_cents == 12_500_00


def test_administrators_assign_in_bulk_build_the_ballot_and_edit_the_checklist(session, cycle, make, client,
                                                                                auth) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    admin, rita = make.admin(), make.user(roles=["reviewer"])
    ideas = [cycle.idea(edition) for _ in range(3)]
    session.commit()
    auth.login(admin)
    page = client.get(f"/admin/editions/{edition.id}/checklist")
    assert page.status_code == 200 and "Intérêt général" in page.get_data(as_text=True)
    response = client.post(f"/admin/editions/{edition.id}/checklist",
                           data={"items": "Intérêt général | Pour tous\nDomaine public"})
    assert response.status_code == 302
    assert [i.label for i in services.checklist(session, edition)] == ["Intérêt général", "Domaine public"]
    response = client.post(f"/admin/editions/{edition.id}/review/assign",
                           data={"idea_ids": [i.id for i in ideas[:2]], "reviewer_id": rita.id, "team_id": ""})
    assert response.status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Assignment)
                          .where(Assignment.reviewer_id == rita.id)) == 2
    cycle.decide(session.get(Idea, ideas[2].id), IdeaStatus.FEASIBLE)
    session.commit()
    assert client.post(f"/admin/editions/{edition.id}/ballot", data={}).status_code == 422  # not confirmed
    assert client.post(f"/admin/editions/{edition.id}/ballot", data={"confirm": "y"}).status_code == 302
    session.expire_all()
    assert session.get(Idea, ideas[2].id).project.status is ProjectStatus.ON_BALLOT
    page = client.get(f"/admin/editions/{edition.id}/ballot").get_data(as_text=True)
    assert session.get(Idea, ideas[2].id).title in page


def test_merge_through_the_form(session, cycle, make, client, auth) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    a, b = cycle.idea(edition), cycle.idea(edition)
    cycle.phase(edition, Phase.REVIEW)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    assert client.get(f"/admin/editions/{edition.id}/review/merge").status_code == 200
    response = client.post(f"/admin/editions/{edition.id}/review/merge", data={
        "idea_ids": [a.id, b.id], "project_id": "", "title": "Un projet commun aux deux idées",
        "district_id": edition.districts[0].id, "cost_cents": "30 000", "summary": "", "reason": ""})
    assert response.status_code == 302 and "/projects/1" in response.location
    session.expire_all()
    assert {session.get(Idea, a.id).status, session.get(Idea, b.id).status} == {IdeaStatus.MERGED}


def test_the_ballot_page_names_projects_costing_more_than_their_envelope(session, cycle, make, client, auth) -> None:
    from pb.projects.services import create_project

    edition = cycle.edition(Phase.REVIEW)  # envelopes of 100 000 €
    create_project(session, edition, edition.districts[0], title="Un pont trop cher", cost_cents=150_000_00,
                   status=ProjectStatus.ON_BALLOT)
    create_project(session, edition, edition.districts[0], title="Des bancs", cost_cents=5_000_00,
                   status=ProjectStatus.ON_BALLOT)
    admin = make.admin()
    session.commit()
    auth.login(admin)
    page = client.get(f"/admin/editions/{edition.id}/ballot").get_data(as_text=True)
    warning = page.split('class="notice" role="note"', 1)[1].split("</div>", 1)[0]
    assert "ne pourront jamais être financés" in warning and "Un pont trop cher" in warning
    assert "Des bancs" not in warning
