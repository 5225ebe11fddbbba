from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from pb.projects.models import ProjectStatus as S


def test_public_list_and_timeline(client, session, winners) -> None:
    edition, a, _b, c = winners
    session.commit()
    page = client.get(f"/editions/{edition.slug}/implementation").get_data(as_text=True)
    assert "Jardin partagé" in page and "Pistes cyclables" in page and "Kiosque" not in page
    assert client.get(f"/editions/{edition.slug}/implementation/{a.number}").status_code == 200
    assert client.get(f"/editions/{edition.slug}/implementation/{c.number}").status_code == 404
    assert f"/editions/{edition.slug}/implementation" in client.get(f"/editions/{edition.slug}").get_data(as_text=True)


def test_staff_publish_an_update_through_the_form(client, auth, make, session, winners) -> None:
    edition, a, _b, _c = winners
    reviewer = make.user(roles=[("reviewer", a.district)])
    session.commit()
    auth.login(reviewer)
    url = f"/admin/editions/{edition.slug}/implementation/{a.number}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"status": "in_works", "progress": "35", "spent_cents": "12 500",
                                      "happened_on": "2026-04-02", "note": "Les travaux ont commencé."})
    assert response.status_code == 302
    session.expire_all()
    from pb.projects.models import Project

    project = session.get(Project, a.id)
    assert project.status is S.IN_WORKS
    timeline = client.get(f"/editions/{edition.slug}/implementation/{a.number}").get_data(as_text=True)
    assert "Les travaux ont commencé." in timeline and "35" in timeline
    # A refused step re-renders the form with the message.
    response = client.post(url, data={"status": "abandoned", "progress": "35", "happened_on": "2026-04-03", "note": ""})
    assert response.status_code == 422


def test_a_list_of_many_winners_takes_a_constant_number_of_queries(app, client, session, winners) -> None:
    from pb.authz import SYSTEM
    from pb.projects.services import create_project
    from pb.tracking import services

    edition, a, b, _c = winners
    for project in (a, b):
        services.record_update(session, SYSTEM, project, status=S.IN_STUDY, progress=5, note="", happened_on=dt.date(2026, 1, 5))
    session.commit()

    def count_queries() -> int:
        statements = []
        from pb.db import db

        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(f"/editions/{edition.slug}/implementation").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_queries()
    for i in range(60):
        p = create_project(session, SYSTEM, edition, edition.districts[i % 2], title=f"Projet {i}", cost_cents=1_00, status=S.WINNER)
        services.record_update(session, SYSTEM, p, status=S.IN_WORKS, progress=i, note="", happened_on=dt.date(2026, 1, 5))
    session.commit()
    assert count_queries() == few
