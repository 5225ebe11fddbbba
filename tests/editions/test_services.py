from __future__ import annotations

import datetime as dt

import pytest

from pb.audit.models import AuditEntry
from pb.authz import SYSTEM
from pb.editions import services
from pb.editions.models import OUTCOME_RULES, Phase
from pb.errors import Forbidden, ValidationFailed


def test_create_edition_validates_slug_and_year(session, make) -> None:
    admin = make.admin()
    edition = services.create_edition(session, admin, name="Budget participatif 2027", slug="bp-2027", year=2027)
    assert edition.phase is Phase.DRAFT and edition.tie_break_seed
    with pytest.raises(ValidationFailed) as info:
        services.create_edition(session, admin, name="Copy", slug="bp-2027", year=2027)
    assert info.value.field == "slug"
    with pytest.raises(ValidationFailed) as info:
        services.create_edition(session, admin, name="Bad", slug="BP 2027!", year=2027)
    assert info.value.field == "slug"
    with pytest.raises(ValidationFailed) as info:
        services.create_edition(session, admin, name="Old", slug="bp-1990", year=1990)
    assert info.value.field == "year"


def test_only_admins_create_and_edition_admins_manage(session, make) -> None:
    edition = make.edition()
    other = make.edition()
    resident = make.user()
    edition_admin = make.user(roles=[("admin", edition)])
    with pytest.raises(Forbidden):
        services.create_edition(session, resident, name="X", slug="x", year=2027)
    with pytest.raises(Forbidden):
        services.create_edition(session, edition_admin, name="X", slug="x", year=2027)
    services.update_rules(session, edition_admin, edition, max_choices=3)
    with pytest.raises(Forbidden):
        services.update_rules(session, edition_admin, other, max_choices=3)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"aggregation_rule": "coin-toss"}, "aggregation_rule"),
        ({"tie_break": "youngest"}, "tie_break"),
        ({"min_choices": 4, "max_choices": 2}, "max_choices"),
        ({"min_choices": 0}, "min_choices"),
        ({"ballot_type": "cumulative", "cumulative_points": None}, "cumulative_points"),
        ({"ballot_type": "majority_judgment", "grade_count": 5, "aggregation_rule": "greedy"}, "aggregation_rule"),
        ({"ballot_type": "majority_judgment", "grade_count": 9, "aggregation_rule": "mj"}, "grade_count"),
        ({"aggregation_rule": "mj"}, "aggregation_rule"),
        ({"ballot_type": "cumulative", "cumulative_points": 10, "aggregation_rule": "mes"}, "aggregation_rule"),
        ({"aggregation_rule": "greedy-threshold", "min_project_score": None}, "min_project_score"),
        ({"tie_break": "cost-votes-draw", "tie_break_seed": ""}, "tie_break_seed"),
        ({"online_voting": False, "paper_voting": False}, "online_voting"),
        ({"knapsack_min_share": 120}, "knapsack_min_share"),
        ({"min_voter_age": 130}, "min_voter_age"),
    ],
)
def test_incoherent_rules_are_refused_with_the_field_named(session, make, changes, field) -> None:
    edition = make.edition()
    before = {k: getattr(edition, k) for k in changes}
    with pytest.raises(ValidationFailed) as info:
        services.update_rules(session, SYSTEM, edition, **changes)
    assert info.value.field == field
    assert {k: getattr(edition, k) for k in changes} == before  # nothing applied


def test_coherent_rules_are_saved_and_audited(session, make) -> None:
    edition = make.edition()
    admin = make.admin()
    services.update_rules(session, admin, edition, ballot_type="majority_judgment", grade_count=5,
                          aggregation_rule="mj", min_choices=0, max_choices=None)
    assert edition.ballot_type == "majority_judgment"
    entry = session.query(AuditEntry).filter_by(action="edition.rules").one()
    assert entry.actor_id == admin.id
    assert entry.before["ballot_type"] == "approval" and entry.after["ballot_type"] == "majority_judgment"


def _open_vote(session, edition) -> None:
    services.set_phase(session, SYSTEM, edition, Phase.VOTE)


@pytest.mark.parametrize("field", OUTCOME_RULES)
def test_every_outcome_rule_is_frozen_once_the_vote_opened(session, make, field) -> None:
    edition = make.edition(aggregation_rule="greedy-threshold", min_project_score=3)
    _open_vote(session, edition)
    assert edition.is_frozen and edition.vote_opened_at is not None
    new_values = {
        "ballot_type": "knapsack", "min_choices": 2, "max_choices": 9, "knapsack_min_share": 10,
        "cumulative_points": 7, "grade_count": 4, "aggregation_rule": "greedy", "tie_break": "lexicographic",
        "tie_break_seed": "other", "min_project_score": 9, "min_voter_age": 11, "residence_rule": "choice",
        "verification": "self_registration", "online_voting": False, "paper_voting": False, "fund_unsupported": True,
        "desk_registration": True,
    }
    with pytest.raises(services.RulesFrozen):
        services.update_rules(session, SYSTEM, edition, **{field: new_values[field]})


def test_comment_windows_can_still_change_during_the_vote(session, make) -> None:
    edition = make.edition()
    _open_vote(session, edition)
    services.update_rules(session, SYSTEM, edition, comments_during_vote=True, public_meeting_required=True)
    assert edition.comments_during_vote


def test_rules_stay_frozen_after_the_vote_closed(session, make) -> None:
    edition = make.edition()
    _open_vote(session, edition)
    services.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    with pytest.raises(services.RulesFrozen):
        services.update_rules(session, SYSTEM, edition, max_choices=2)


def test_envelopes_and_districts_are_frozen_once_the_vote_opened(session, make) -> None:
    edition = make.edition(districts=2)
    district = edition.districts[0]
    _open_vote(session, edition)
    with pytest.raises(services.RulesFrozen):
        services.save_district(session, SYSTEM, edition, district, name=district.name, code=district.code,
                               envelope_cents=1, population=district.population)
    with pytest.raises(services.RulesFrozen):
        services.save_district(session, SYSTEM, edition, name="New", code="new", envelope_cents=1, population=0)
    with pytest.raises(services.RulesFrozen):
        services.delete_district(session, SYSTEM, district)
    # A name or a population is not an outcome rule.
    services.save_district(session, SYSTEM, edition, district, name="Renamed", code=district.code,
                           envelope_cents=district.envelope_cents, population=12)
    assert district.name == "Renamed"


def test_district_validation(session, make) -> None:
    edition = make.edition(districts=1, citywide=True)
    with pytest.raises(ValidationFailed) as info:
        services.save_district(session, SYSTEM, edition, name="Quartier 1", code="other", envelope_cents=1, population=0)
    assert info.value.field == "name"
    with pytest.raises(ValidationFailed) as info:
        services.save_district(session, SYSTEM, edition, name="Other", code="q1", envelope_cents=1, population=0)
    assert info.value.field == "code"
    with pytest.raises(ValidationFailed) as info:
        services.save_district(session, SYSTEM, edition, name="Again", code="again", envelope_cents=1, population=0,
                               is_citywide=True)
    assert info.value.field == "is_citywide"
    with pytest.raises(ValidationFailed) as info:
        services.save_district(session, SYSTEM, edition, name="Neg", code="neg", envelope_cents=-1, population=0)
    assert info.value.field == "envelope"
    assert edition.envelope_cents == 3 * 100_000_00


def test_phase_changes_forward_and_back_until_the_vote(session, make) -> None:
    edition = make.edition()
    assert Phase.VOTE in services.allowed_phases(edition)
    services.set_phase(session, SYSTEM, edition, Phase.REVIEW)
    services.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)  # back: allowed before the vote
    services.set_phase(session, SYSTEM, edition, Phase.VOTE)
    for earlier in (Phase.DRAFT, Phase.SUBMISSION, Phase.REVIEW):
        with pytest.raises(services.InvalidPhaseChange):
            services.set_phase(session, SYSTEM, edition, earlier)
    services.set_phase(session, SYSTEM, edition, Phase.RESULTS)
    with pytest.raises(services.InvalidPhaseChange):
        services.set_phase(session, SYSTEM, edition, Phase.VOTE)  # a closed vote does not reopen
    assert [e.after["phase"] for e in session.query(AuditEntry).filter_by(action="edition.phase").order_by(AuditEntry.id)] == [
        "review", "submission", "vote", "results"]


def test_the_vote_cannot_open_without_districts(session, make) -> None:
    edition = make.edition(districts=0)
    with pytest.raises(services.EditionNotReady):
        services.set_phase(session, SYSTEM, edition, Phase.VOTE)
    assert edition.phase is Phase.DRAFT and not edition.is_frozen


def test_phase_hooks_run_and_can_veto(session, make, monkeypatch) -> None:
    edition = make.edition()
    seen = []

    def hook(session, edition, old, new):
        seen.append((old, new))
        if new is Phase.VOTE:
            raise services.EditionNotReady(reason="the ballot is empty")

    monkeypatch.setattr(services, "PHASE_HOOKS", [hook])
    services.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    with pytest.raises(services.EditionNotReady):
        services.set_phase(session, SYSTEM, edition, Phase.VOTE)
    assert seen == [(Phase.DRAFT, Phase.SUBMISSION), (Phase.SUBMISSION, Phase.VOTE)]
    assert edition.phase is Phase.SUBMISSION and not edition.is_frozen


def test_calendar_phases_must_not_overlap(session, make) -> None:
    edition = make.edition()
    t = dt.datetime(2027, 1, 10, 9, tzinfo=dt.timezone.utc)
    day = dt.timedelta(days=1)
    services.set_calendar(session, SYSTEM, edition, {Phase.SUBMISSION: (t, t + 30 * day), Phase.VOTE: (t + 60 * day, t + 75 * day)})
    assert [w.phase for w in edition.phase_windows] == [Phase.SUBMISSION, Phase.VOTE]
    with pytest.raises(ValidationFailed):
        services.set_calendar(session, SYSTEM, edition, {Phase.SUBMISSION: (t, t + 30 * day), Phase.REVIEW: (t + 20 * day, t + 40 * day)})
    with pytest.raises(ValidationFailed):
        services.set_calendar(session, SYSTEM, edition, {Phase.VOTE: (t, t - day)})
    services.set_calendar(session, SYSTEM, edition, {Phase.VOTE: (t, t + day)})
    assert [w.phase for w in edition.phase_windows] == [Phase.VOTE]


def test_territory_insee_code(session, make) -> None:
    admin = make.admin()
    services.update_territory(session, admin, name="Ajaccio", insee_code="2a004", population=73_000)
    assert services.get_territory(session).insee_code == "2A004"
    with pytest.raises(ValidationFailed):
        services.update_territory(session, admin, name="X", insee_code="123", population=1)
    with pytest.raises(Forbidden):
        services.update_territory(session, make.user(), name="X", insee_code="", population=1)


def test_edition_view_policy_hides_drafts(session, make) -> None:
    from pb.authz import can

    edition = make.edition()
    assert not can(None, "edition.view", edition)
    assert not can(make.user(), "edition.view", edition)
    assert can(make.admin(), "edition.view", edition)
    services.set_phase(session, SYSTEM, edition, Phase.SUBMISSION)
    assert can(None, "edition.view", edition)
