from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM, can
from pb.db import utcnow
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.errors import Forbidden, ValidationFailed
from pb.ideas import rules, services
from pb.ideas.models import Channel, IdeaStatus
from pb.projects.models import ProjectStatus

VALUES = {"title": "Des arbres fruitiers au Jardin de Ville", "theme": "nature",
          "description": "Planter une dizaine de pommiers et de poiriers le long de l'allée centrale."}


def _values(edition, **extra):
    return {**VALUES, "district_id": edition.districts[0].id, **extra}


def test_a_draft_is_private_then_submitted_with_its_history(session, cycle, make) -> None:
    edition = cycle.edition()
    alice, bob = make.user(), make.user()
    idea = services.create_idea(session, alice, edition, **_values(edition))
    assert idea.status is IdeaStatus.DRAFT and idea.channel is Channel.ONLINE
    assert can(alice, "idea.view", idea) and not can(bob, "idea.view", idea) and not can(None, "idea.view", idea)
    services.submit_idea(session, alice, idea)
    assert idea.status is IdeaStatus.SUBMITTED and idea.submitted_at is not None
    assert [(h.from_status, h.to_status, h.actor_id) for h in idea.history] == [
        (None, IdeaStatus.DRAFT, alice.id), (IdeaStatus.DRAFT, IdeaStatus.SUBMITTED, alice.id)]
    assert can(bob, "idea.view", idea) and can(None, "idea.view", idea)


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.REVIEW, Phase.VOTE, Phase.RESULTS])
def test_submission_is_closed_outside_the_submission_phase(session, cycle, make, phase) -> None:
    edition = make.edition()
    if phase is not Phase.DRAFT:
        cycle.phase(edition, phase)
    with pytest.raises(services.SubmissionClosed) as info:
        services.create_idea(session, make.user(), edition, **_values(edition))
    assert info.value.code == "submission_closed"
    assert ("pas encore commencé" in info.value.text()) == (phase is Phase.DRAFT)


def test_the_deadline_closes_submission_and_editing(session, cycle, make) -> None:
    edition = cycle.edition()
    now = utcnow()
    editions.set_calendar(session, SYSTEM, edition, {Phase.SUBMISSION: (now - dt.timedelta(days=10),
                                                                        now + dt.timedelta(days=1))})
    alice = make.user()
    idea = services.create_idea(session, alice, edition, submit=True, **_values(edition))
    services.update_idea(session, alice, idea, **_values(edition, title="Un titre corrigé avant la date"))
    later = now + dt.timedelta(days=2)
    with pytest.raises(services.SubmissionClosed) as info:
        services.update_idea(session, alice, idea, now=later, **_values(edition, title="Trop tard pour changer"))
    assert "date limite" in info.value.text()
    with pytest.raises(services.SubmissionClosed):
        services.create_idea(session, alice, edition, now=later, **_values(edition))
    assert idea.title == "Un titre corrigé avant la date"


def test_a_reviewed_idea_is_locked(session, cycle, make) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice, status=IdeaStatus.ADMISSIBLE)
    with pytest.raises(services.IdeaLocked):
        services.update_idea(session, alice, idea, **_values(edition))


def test_only_authors_edit(session, cycle, make) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition, make.user())
    with pytest.raises(Forbidden):
        services.update_idea(session, make.user(), idea, **_values(edition))


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": "Bof"}, "title"),
    ({"description": "Trop court"}, "description"),
    ({"theme": "inconnu"}, "theme"),
    ({"latitude": 45.18}, "latitude"),
    ({"latitude": 145.0, "longitude": 5.7}, "latitude"),
    ({"estimated_cost_cents": -1}, "estimated_cost_cents"),
    ({"district_id": None}, "district_id"),
])
def test_fields_are_checked(session, cycle, make, fields, field) -> None:
    edition = cycle.edition()
    with pytest.raises(ValidationFailed) as info:
        services.create_idea(session, make.user(), edition, **_values(edition, **fields))
    assert info.value.field == field


def test_a_district_of_another_edition_is_refused(session, cycle, make) -> None:
    edition, other = cycle.edition(), make.edition()
    with pytest.raises(ValidationFailed) as info:
        services.create_idea(session, make.user(), edition, **_values(edition, district_id=other.districts[0].id))
    assert info.value.field == "district_id"


def test_text_is_stored_plain(session, cycle, make) -> None:
    edition = cycle.edition()
    idea = services.create_idea(session, make.user(), edition, **_values(
        edition, title="  Un   titre\x00 <b>gras</b> ", description="Ligne un\r\nligne deux\x07 <script>x</script>"))
    assert idea.title == "Un titre <b>gras</b>"  # kept as typed, escaped when shown
    assert idea.description == "Ligne un\nligne deux <script>x</script>"


def test_coauthors_edit_and_are_notified(session, cycle, make, outbox) -> None:
    edition = cycle.edition()
    alice, bob = make.user(), make.user()
    with pytest.raises(ValidationFailed) as info:
        services.create_idea(session, alice, edition, coauthor_emails=["nobody@ville.example"], **_values(edition))
    assert info.value.field == "coauthors"
    idea = services.create_idea(session, alice, edition, coauthor_emails=[bob.email.upper(), alice.email],
                                submit=True, **_values(edition))
    assert [a.user_id for a in idea.authors] == [alice.id, bob.id]
    services.update_idea(session, bob, idea, **_values(edition, title="Titre revu par le co-auteur"))
    session.commit()
    assert sorted(m["To"] for m in outbox) == sorted([alice.email, bob.email])


def test_withdrawal_before_the_vote(session, cycle, make) -> None:
    edition = cycle.edition()
    alice = make.user()
    ideas_by_status = {s: cycle.idea(edition, alice, status=s) for s in
                       (IdeaStatus.DRAFT, IdeaStatus.SUBMITTED, IdeaStatus.ADMISSIBLE, IdeaStatus.FEASIBLE)}
    final = {s: cycle.idea(edition, alice, status=s) for s in (IdeaStatus.NOT_ADMISSIBLE, IdeaStatus.INFEASIBLE)}
    assert edition.phase is Phase.REVIEW
    for status, idea in ideas_by_status.items():
        change = services.withdraw_idea(session, alice, idea, "Nous avons déménagé.")
        assert (change.from_status, change.to_status) == (status, IdeaStatus.WITHDRAWN)
        assert idea.status_reason == "Nous avons déménagé."
    project = ideas_by_status[IdeaStatus.FEASIBLE].project
    assert project.status is ProjectStatus.WITHDRAWN and project.status_reason
    for idea in final.values():
        with pytest.raises(rules.InvalidTransition):
            services.withdraw_idea(session, alice, idea)


def test_no_withdrawal_once_the_vote_has_opened(session, cycle, make) -> None:
    edition = cycle.edition()
    alice = make.user()
    idea = cycle.idea(edition, alice, status=IdeaStatus.FEASIBLE)
    cycle.phase(edition, Phase.VOTE)
    with pytest.raises(services.BallotFrozen):
        services.withdraw_idea(session, alice, idea)
    assert idea.project.status is ProjectStatus.ON_BALLOT


def test_staff_enter_paper_ideas_for_a_named_holder(session, cycle, make, outbox) -> None:
    edition = cycle.edition()
    clerk = make.user(roles=["moderator"])
    idea = services.enter_idea(session, clerk, edition, channel="paper", holder_name="Mme Josette Girard",
                               holder_email="josette@ville.example", received_on=dt.date(2027, 3, 2),
                               **_values(edition))
    assert idea.channel is Channel.PAPER and idea.status is IdeaStatus.SUBMITTED
    assert idea.holder.name == "Mme Josette Girard" and idea.holder.user_id is None
    assert idea.submitted_at.date() == dt.date(2027, 3, 2)
    assert idea.history[0].to_status is IdeaStatus.SUBMITTED and idea.history[0].actor_id == clerk.id
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "idea.enter"))
    assert entry.actor_id == clerk.id and entry.after["channel"] == "paper"
    # The clerk may correct the text typed in; the holder is told by e-mail of each step.
    services.update_idea(session, clerk, idea, **_values(edition, title="Des arbres fruitiers, rue Thiers"))
    session.commit()
    assert [m["To"] for m in outbox] == ["josette@ville.example"]
    # Allowed during the review too (a form posted in time), never during the vote.
    cycle.phase(edition, Phase.REVIEW)
    services.enter_idea(session, clerk, edition, channel="meeting", holder_name="Karim", **_values(edition))
    cycle.phase(edition, Phase.VOTE)
    with pytest.raises(rules.PhaseClosed):
        services.enter_idea(session, clerk, edition, channel="meeting", holder_name="Karim", **_values(edition))


def test_entering_paper_ideas_is_for_staff_of_the_district(session, cycle, make) -> None:
    edition = cycle.edition()
    with pytest.raises(Forbidden):
        services.enter_idea(session, make.user(), edition, channel="paper", holder_name="X Y", **_values(edition))
    local = make.user(roles=[("moderator", edition.districts[1])])
    with pytest.raises(Forbidden):
        services.enter_idea(session, local, edition, channel="paper", holder_name="X Y", **_values(edition))
    idea = services.enter_idea(session, local, edition, channel="paper", holder_name="X Y",
                               **_values(edition, district_id=edition.districts[1].id))
    assert idea.district_id == edition.districts[1].id
    with pytest.raises(ValidationFailed):
        services.enter_idea(session, local, edition, channel="online", holder_name="X Y",
                            **_values(edition, district_id=edition.districts[1].id))


def test_a_holder_with_an_account_is_linked(session, cycle, make) -> None:
    edition = cycle.edition()
    holder = make.user("paulette@ville.example")
    idea = services.enter_idea(session, make.admin(), edition, channel="meeting", holder_name="Paulette",
                               holder_email="Paulette@ville.example", **_values(edition))
    assert idea.holder.user_id == holder.id and idea.is_author(holder)


def test_every_status_change_mails_every_author_in_their_language(session, cycle, make, outbox) -> None:
    edition = cycle.edition()
    alice, bob = make.user(), make.user()
    bob.locale = "en"
    idea = services.create_idea(session, alice, edition, coauthor_emails=[bob.email], submit=True, **_values(edition))
    session.commit()
    assert len(outbox) == 2
    by_address = {m["To"]: m for m in outbox}
    assert set(by_address) == {alice.email, bob.email}
    assert "Submitted" in by_address[bob.email]["Subject"]
    assert "Déposée" in by_address[alice.email]["Subject"]
    assert f"/ideas/{idea.id}" in by_address[alice.email].get_content()
    outbox.clear()
    cycle.decide(idea, IdeaStatus.NOT_ADMISSIBLE)
    session.commit()
    assert len(outbox) == 2 and all("Raison publique" in m.get_content() for m in outbox)


def test_nothing_is_sent_for_a_rolled_back_change(session, cycle, make, outbox) -> None:
    edition = cycle.edition()
    session.commit()
    services.create_idea(session, make.user(), edition, submit=True, **_values(edition))
    session.rollback()
    assert outbox == []


def test_the_public_list_filters_searches_and_hides_drafts(session, cycle, make) -> None:
    edition = cycle.edition()
    d1, d2 = edition.districts
    a = cycle.idea(edition, title="Piste cyclable rue Stalingrad", district=d1)
    b = cycle.idea(edition, title="Fontaine à eau place Notre-Dame", district=d2, theme="sante")
    draft = cycle.idea(edition, status=IdeaStatus.DRAFT, title="Brouillon secret de piste")
    hidden = cycle.idea(edition, title="Piste cachée par la modération")
    hidden.hidden_at = utcnow()
    session.flush()

    def ids(**kw):
        return [i.id for i in session.scalars(services.list_ideas(session, edition, **kw)).unique()]

    assert set(ids()) == {a.id, b.id}
    assert ids(q="piste") == [a.id]
    assert ids(q="NOTRE dame") == [b.id]
    assert ids(district_id=d2.id) == [b.id]
    assert ids(theme="sante") == [b.id]
    assert ids(status="draft") == ids() and draft.id not in ids(status="draft")
    assert ids(sort="title") == [b.id, a.id]


def test_holders_hear_of_every_status_of_their_project(session, cycle, make, outbox) -> None:
    from flask_babel import force_locale

    from pb.projects.services import set_status

    edition = cycle.edition()
    alice, bob = make.user(), make.user()
    bob.locale = "en"
    idea = cycle.idea(edition, alice, status=IdeaStatus.FEASIBLE)
    other = cycle.idea(edition, bob, status=IdeaStatus.ADMISSIBLE)
    from pb.review.projects import merge_ideas

    merge_ideas(session, make.admin(), edition, [other.id], project_id=idea.project_id)
    session.commit()
    outbox.clear()
    set_status(session, SYSTEM, idea.project, ProjectStatus.WINNER)  # what the tally does
    session.commit()
    by_address = {m["To"]: m for m in outbox}
    assert set(by_address) == {alice.email, bob.email}
    with force_locale("fr"):
        french = ProjectStatus.WINNER.label
    assert french in by_address[alice.email]["Subject"] and "Winner" in by_address[bob.email]["Subject"]
    assert f"/projects/{idea.project.number}" in by_address[alice.email].get_content()
