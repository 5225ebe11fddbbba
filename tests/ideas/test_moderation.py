from __future__ import annotations

import pytest
import sqlalchemy as sa

from pb.accounts.services import AccountBlocked, authenticate
from pb.audit.models import AuditEntry
from pb.errors import Forbidden, ValidationFailed
from pb.ideas import comments, moderation
from pb.ideas.models import Comment, Flag, FlagResolution, Idea

from ..conftest import PASSWORD


@pytest.fixture
def flagged(session, cycle, make, outbox):
    edition = cycle.edition()
    idea = cycle.idea(edition)
    rude = comments.add_comment(session, make.user(), idea=idea, body="Propos injurieux")
    meh = comments.add_comment(session, make.user(), idea=idea, body="Hors sujet")
    for _ in range(3):
        comments.flag(session, make.user(), comment=rude, reason="Insulte")
    comments.flag(session, make.user(), comment=meh, reason="Hors sujet")
    comments.flag(session, make.user(), idea=idea, reason="Doublon")
    comments.flag(session, make.user(), idea=idea, reason="Publicité")
    session.commit()
    outbox.clear()
    return edition, idea, rude, meh


def test_the_queue_is_sorted_by_number_of_reports(session, make, flagged) -> None:
    edition, idea, rude, meh = flagged
    moderator = make.user(roles=["moderator"])
    items = moderation.queue(session, moderator, edition)
    assert [(i.kind, i.target.id, i.flags) for i in items] == [
        ("comment", rude.id, 3), ("idea", idea.id, 2), ("comment", meh.id, 1)]
    assert items[1].reasons == ["Doublon", "Publicité"]
    with pytest.raises(Forbidden):
        moderation.queue(session, make.user(), edition)


def test_hiding_keeps_the_content_and_tells_the_author(session, make, flagged, outbox) -> None:
    edition, idea, rude, _meh = flagged
    moderator = make.user(roles=["moderator"])
    with pytest.raises(ValidationFailed):
        moderation.hide(session, moderator, rude, " ")
    moderation.hide(session, moderator, rude, "Insulte envers un autre participant.")
    session.commit()
    stored = session.get(Comment, rude.id)
    assert stored.body == "Propos injurieux" and stored.is_hidden
    assert stored.hidden_reason == "Insulte envers un autre participant." and stored.hidden_by_id == moderator.id
    flags = session.scalars(sa.select(Flag).where(Flag.comment_id == rude.id)).all()
    assert {f.resolution for f in flags} == {FlagResolution.HIDDEN}
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "moderation.hide_comment"))
    assert entry.actor_id == moderator.id and entry.after["reason"] and entry.before == {"hidden": False}
    assert [m["To"] for m in outbox] == [rude.author.email]
    assert "Insulte envers un autre participant." in outbox[0].get_content()
    assert [i.target.id for i in moderation.queue(session, moderator, edition)] == [idea.id, _meh.id]
    with pytest.raises(moderation.AlreadyHidden):
        moderation.hide(session, moderator, rude, "Encore")


def test_restore_and_ignore(session, make, flagged) -> None:
    edition, idea, rude, meh = flagged
    moderator = make.user(roles=["moderator"])
    moderation.hide(session, moderator, idea, "Doublon de l'idée 12.")
    assert session.get(Idea, idea.id).is_hidden
    assert moderation.hidden_content(session, moderator, edition) == [idea]
    moderation.restore(session, moderator, idea)
    assert not idea.is_hidden and idea.hidden_reason == ""
    with pytest.raises(moderation.NotHidden):
        moderation.restore(session, moderator, idea)
    assert moderation.ignore_flags(session, moderator, meh) == 1
    assert not meh.is_hidden
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["moderation.hide_idea", "moderation.restore_idea", "moderation.ignore_comment"]
    assert [i.target.id for i in moderation.queue(session, moderator, edition)] == [rude.id]


def test_blocking_an_account(session, make, flagged) -> None:
    edition, idea, rude, _meh = flagged
    moderator = make.user(roles=["moderator"])
    author = rude.author
    moderation.block_account(session, moderator, author, "Insultes répétées.", edition)
    assert author.blocked_at is not None and author.blocked_reason == "Insultes répétées."
    with pytest.raises(Forbidden):
        comments.add_comment(session, author, idea=idea, body="Je reviens")
    with pytest.raises(AccountBlocked):
        authenticate(session, author.email, PASSWORD)
    with pytest.raises(Forbidden):
        moderation.block_account(session, moderator, make.admin(), "Non", edition)


def test_a_district_moderator_sees_only_their_district(session, cycle, make) -> None:
    edition = cycle.edition()
    d1, d2 = edition.districts
    here, there = cycle.idea(edition, district=d1), cycle.idea(edition, district=d2)
    comments.flag(session, make.user(), idea=here, reason="Doublon")
    comments.flag(session, make.user(), idea=there, reason="Doublon")
    local = make.user(roles=[("moderator", d1)])
    assert [i.target.id for i in moderation.queue(session, local, edition)] == [here.id]
    with pytest.raises(Forbidden):
        moderation.hide(session, local, there, "Hors de mon secteur")
    moderation.hide(session, local, here, "Doublon")


def test_the_moderation_queue_is_paginated(client, auth, session, make) -> None:
    from pb.authz import SYSTEM
    from pb.editions import services as editions
    from pb.editions.models import Phase
    from pb.ideas import services as ideas
    from pb.ideas.models import Flag

    edition = make.edition(districts=1)
    editions.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    author, moderator = make.user(), make.user(roles=["moderator"])
    for i in range(55):
        idea = ideas.create_idea(session, author, edition, title=f"Idée {i:02d}", description="Texte assez long pour passer.",
                                 district_id=edition.districts[0].id, theme="nature", estimated_cost_cents=1000_00)
        session.add(Flag(edition_id=edition.id, idea_id=idea.id, user_id=moderator.id, reason="spam"))
    session.commit()
    auth.login(moderator)
    first = client.get(f"/admin/editions/{edition.id}/moderation").get_data(as_text=True)
    second = client.get(f"/admin/editions/{edition.id}/moderation?page=2").get_data(as_text=True)
    assert first.count('<tr id="idea-') == 50 and second.count('<tr id="idea-') == 5
    assert "page=2" in first
