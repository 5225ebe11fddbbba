from __future__ import annotations

import datetime as dt

import pytest

from pb.audit.models import AuditEntry
from pb.errors import Forbidden, ValidationFailed
from pb.projects import services as projects
from pb.projects.models import ProjectStatus as S
from pb.tracking import services
from pb.tracking.models import ImplementationUpdate

DAY = dt.date(2026, 3, 1)


def test_a_winner_goes_through_study_and_works_to_delivery(session, make, winners) -> None:
    edition, a, _b, _c = winners
    staff = make.user(roles=[("reviewer", a.district)])
    services.record_update(session, staff, a, status=S.IN_STUDY, progress=10, note="Études lancées", happened_on=DAY)
    services.record_update(session, staff, a, status=S.IN_WORKS, progress=40, note="Chantier", happened_on=DAY + dt.timedelta(days=60),
                           spent_cents=12_000_00)
    services.record_update(session, staff, a, status=S.IN_WORKS, progress=70, note="", happened_on=DAY + dt.timedelta(days=90))
    update = services.record_update(session, staff, a, status=S.DELIVERED, progress=80, note="Inauguré",
                                    happened_on=DAY + dt.timedelta(days=120), spent_cents=39_500_00)
    assert a.status is S.DELIVERED and update.progress == 100  # delivered means 100 %
    assert services.implementation_dates(session, [a.id]) == {a.id: (DAY, DAY + dt.timedelta(days=120))}
    assert [u.progress for u in services.history(session, a)] == [100, 70, 40, 10]
    assert session.query(AuditEntry).filter_by(action="tracking.update").count() == 4


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([S.DELIVERED], S.IN_WORKS),  # delivered is final
        ([S.ABANDONED], S.IN_STUDY),  # abandoned is final
        ([S.IN_WORKS], S.IN_STUDY),  # no going back
        ([], S.ON_BALLOT),  # not an implementation stage
        ([], S.NOT_SELECTED),
    ],
)
def test_refused_steps(session, winners, path, refused) -> None:
    _edition, a, _b, _c = winners
    from pb.authz import SYSTEM

    for status in path:
        services.record_update(session, SYSTEM, a, status=status, progress=50, note="raison publique", happened_on=DAY)
    with pytest.raises(services.InvalidImplementationStep):
        services.record_update(session, SYSTEM, a, status=refused, progress=50, note="x", happened_on=DAY)


def test_only_winners_after_the_results_are_tracked(session, make, winners) -> None:
    from pb.authz import SYSTEM

    _edition, _a, _b, c = winners
    with pytest.raises(services.NotTracked):
        services.record_update(session, SYSTEM, c, status=S.IN_STUDY, progress=0, note="", happened_on=DAY)
    early = make.edition(districts=1)
    p = projects.create_project(session, SYSTEM, early, early.districts[0], title="Trop tôt", cost_cents=1, status=S.WINNER)
    with pytest.raises(services.NotTracked):
        services.record_update(session, SYSTEM, p, status=S.IN_STUDY, progress=0, note="", happened_on=DAY)


def test_abandoning_needs_a_public_reason_and_shows_it(session, winners) -> None:
    from pb.authz import SYSTEM

    _edition, _a, b, _c = winners
    with pytest.raises(ValidationFailed) as info:
        services.record_update(session, SYSTEM, b, status=S.ABANDONED, progress=0, note="  ", happened_on=DAY)
    assert info.value.field == "note"
    services.record_update(session, SYSTEM, b, status=S.ABANDONED, progress=0, note="Terrain non disponible", happened_on=DAY)
    assert b.status is S.ABANDONED and b.status_reason == "Terrain non disponible"


def test_bad_values_are_refused_and_nothing_is_written(session, winners) -> None:
    from pb.authz import SYSTEM

    _edition, a, _b, _c = winners
    for kwargs, field in [({"progress": 120}, "progress"), ({"spent_cents": -1}, "spent_cents"),
                          ({"happened_on": dt.date.today() + dt.timedelta(days=10)}, "happened_on")]:
        values = {"status": S.IN_STUDY, "progress": 10, "note": "", "happened_on": DAY, **kwargs}
        with pytest.raises(ValidationFailed) as info:
            services.record_update(session, SYSTEM, a, **values)
        assert info.value.field == field
    assert session.query(ImplementationUpdate).count() == 0 and a.status is S.WINNER


def test_only_staff_of_the_district_or_edition_admins_update(session, make, winners) -> None:
    edition, a, b, _c = winners
    reviewer = make.user(roles=[("reviewer", a.district)])
    with pytest.raises(Forbidden):
        services.record_update(session, reviewer, b, status=S.IN_STUDY, progress=0, note="", happened_on=DAY)
    with pytest.raises(Forbidden):
        services.record_update(session, make.user(), a, status=S.IN_STUDY, progress=0, note="", happened_on=DAY)
    edition_admin = make.user(roles=[("admin", edition)])
    services.record_update(session, edition_admin, b, status=S.IN_STUDY, progress=0, note="", happened_on=DAY)


def test_status_hooks_hear_every_change(session, winners, monkeypatch) -> None:
    from pb.authz import SYSTEM

    _edition, a, _b, _c = winners
    heard = []
    monkeypatch.setattr(projects, "STATUS_HOOKS", [lambda s, p, old, new: heard.append((p.id, old, new))])
    services.record_update(session, SYSTEM, a, status=S.IN_STUDY, progress=5, note="", happened_on=DAY)
    services.record_update(session, SYSTEM, a, status=S.IN_STUDY, progress=15, note="", happened_on=DAY)
    assert heard == [(a.id, S.WINNER, S.IN_STUDY)]


def test_delivery_stats(session, winners) -> None:
    from pb.authz import SYSTEM

    edition, a, b, _c = winners
    services.record_update(session, SYSTEM, a, status=S.DELIVERED, progress=100, note="", happened_on=DAY, spent_cents=41_000_00)
    services.record_update(session, SYSTEM, b, status=S.IN_WORKS, progress=30, note="", happened_on=DAY, spent_cents=10_000_00)
    stats = services.delivery_stats(session, edition)
    assert (stats.winners, stats.delivered, stats.in_works, stats.delivery_rate) == (2, 1, 1, 0.5)
    assert (stats.budget_cents, stats.spent_cents) == (130_000_00, 51_000_00)
