from __future__ import annotations

import pytest

from pb.authz import SYSTEM
from pb.editions import services as editions
from pb.editions.models import Phase
from pb.errors import Forbidden, NotFoundError, ValidationFailed
from pb.ideas import comments
from pb.ideas.models import IdeaStatus

SWITCHES = {Phase.SUBMISSION: "comments_before_review", Phase.REVIEW: "comments_during_review",
            Phase.VOTE: "comments_during_vote"}


@pytest.mark.parametrize("phase", list(SWITCHES), ids=lambda p: p.value)
@pytest.mark.parametrize("open_", [True, False], ids=["on", "off"])
def test_each_switch_opens_its_own_phase_only(session, cycle, make, phase, open_) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    idea = cycle.idea(edition)
    settings = {name: not open_ for name in SWITCHES.values()}
    settings[SWITCHES[phase]] = open_
    editions.update_rules(session, SYSTEM, edition, **settings)
    cycle.phase(edition, phase)
    assert comments.comments_open(edition) is open_
    if open_:
        comment = comments.add_comment(session, make.user(), idea=idea, body="Très bonne idée !")
        assert comment.phase is phase and comment.idea_id == idea.id
    else:
        with pytest.raises(comments.CommentsClosed) as info:
            comments.add_comment(session, make.user(), idea=idea, body="Très bonne idée !")
        assert phase.label in info.value.text()


@pytest.mark.parametrize("phase", [Phase.RESULTS, Phase.IMPLEMENTATION])
def test_comments_are_closed_after_the_vote_whatever_the_switches(session, cycle, make, phase) -> None:
    edition = cycle.edition(Phase.SUBMISSION)
    idea = cycle.idea(edition)
    editions.update_rules(session, SYSTEM, edition, comments_before_review=True, comments_during_review=True,
                          comments_during_vote=True)
    cycle.phase(edition, phase)
    with pytest.raises(comments.CommentsClosed):
        comments.add_comment(session, make.user(), idea=idea, body="Trop tard ?")


def test_replies_are_one_level_deep(session, cycle, make) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition)
    root = comments.add_comment(session, make.user(), idea=idea, body="Où exactement ?")
    reply = comments.add_comment(session, make.user(), idea=idea, body="Devant l'école.", parent_id=root.id)
    deeper = comments.add_comment(session, make.user(), idea=idea, body="Merci !", parent_id=reply.id)
    assert reply.parent_id == root.id and deeper.parent_id == root.id
    threads = comments.threads(session, idea_id=idea.id)
    assert [t.comment.id for t in threads] == [root.id]
    assert [c.id for c in threads[0].replies] == [reply.id, deeper.id]


def test_a_reply_must_belong_to_the_same_idea(session, cycle, make) -> None:
    edition = cycle.edition()
    a, b = cycle.idea(edition), cycle.idea(edition)
    root = comments.add_comment(session, make.user(), idea=a, body="Bonjour")
    with pytest.raises(NotFoundError):
        comments.add_comment(session, make.user(), idea=b, body="Réponse égarée", parent_id=root.id)


def test_drafts_and_blocked_accounts_cannot_be_commented(session, cycle, make) -> None:
    edition = cycle.edition()
    draft = cycle.idea(edition, status=IdeaStatus.DRAFT)
    with pytest.raises(comments.CannotComment):
        comments.add_comment(session, make.user(), idea=draft, body="Je vois ton brouillon")
    idea = cycle.idea(edition)
    blocked = make.user()
    from pb.db import utcnow

    blocked.blocked_at = utcnow()
    with pytest.raises(Forbidden):
        comments.add_comment(session, blocked, idea=idea, body="Je suis bloqué")
    with pytest.raises(ValidationFailed):
        comments.add_comment(session, make.user(), idea=idea, body=" x ")


def test_comments_on_projects_during_the_vote(session, cycle, make) -> None:
    edition = cycle.edition(comments_during_vote=True)
    idea = cycle.idea(edition, status=IdeaStatus.FEASIBLE)
    cycle.phase(edition, Phase.VOTE)
    comment = comments.add_comment(session, make.user(), project=idea.project, body="Je vote pour !")
    assert comment.project_id == idea.project_id and comment.idea_id is None
    assert comment.district_id == idea.district_id
    assert [t.comment.id for t in comments.threads(session, project_id=idea.project_id)] == [comment.id]


def test_a_person_reports_a_content_once(session, cycle, make) -> None:
    edition = cycle.edition()
    idea = cycle.idea(edition)
    comment = comments.add_comment(session, make.user(), idea=idea, body="Propos déplacés")
    reporter = make.user()
    flag = comments.flag(session, reporter, comment=comment, reason="Insulte")
    assert flag.comment_id == comment.id and flag.edition_id == edition.id
    with pytest.raises(comments.AlreadyFlagged):
        comments.flag(session, reporter, comment=comment, reason="Encore")
    comments.flag(session, reporter, idea=idea, reason="Publicité")
    with pytest.raises(ValidationFailed):
        comments.flag(session, make.user(), idea=idea, reason="")
    draft = cycle.idea(edition, status=IdeaStatus.DRAFT)
    with pytest.raises(NotFoundError):
        comments.flag(session, reporter, idea=draft, reason="Brouillon")
