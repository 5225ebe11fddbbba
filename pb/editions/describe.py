"""The edition's rules in plain words, for residents (edition page, ballot page, results)."""

from __future__ import annotations

from flask_babel import gettext as _

from pb.editions.models import AGGREGATION_RULES, TIE_BREAKS, BallotType, Edition, ResidenceRule, Verification
from pb.web.format import money, one


def ballot_rules(edition: Edition) -> list[str]:
    lines: list[str] = []
    b = edition.ballot_type
    if b is BallotType.APPROVAL:
        if edition.max_choices:
            lines.append(_("Choose between %(min)s and %(max)s projects.", min=edition.min_choices, max=edition.max_choices))
        else:
            lines.append(_("Choose at least one project, as many as you like.") if one(edition.min_choices)
                         else _("Choose at least %(min)s projects, as many as you like.", min=edition.min_choices))
    elif b is BallotType.KNAPSACK:
        lines.append(_("Choose projects whose total cost does not exceed your district's envelope."))
        if edition.knapsack_min_share:
            lines.append(_("Your choices must use at least %(share)s%% of the envelope.", share=edition.knapsack_min_share))
        if edition.max_choices:
            lines.append(_("At most %(max)s projects.", max=edition.max_choices))
    elif b is BallotType.CUMULATIVE:
        lines.append(_("Share %(points)s points between the projects you support.", points=edition.cumulative_points))
        if edition.max_choices:
            lines.append(_("At most %(max)s projects.", max=edition.max_choices))
    else:
        lines.append(_("Give every project a grade from “%(low)s” to “%(high)s”.",
                       low=grade_labels(edition.grade_count or 5)[0], high=grade_labels(edition.grade_count or 5)[-1]))
    return lines


def participation_rules(edition: Edition) -> list[str]:
    lines = []
    if edition.min_voter_age:
        lines.append(_("Residents aged %(age)s or over may vote.", age=edition.min_voter_age))
    else:
        lines.append(_("Residents of every age may vote."))
    if edition.residence_rule is ResidenceRule.RESIDENCE:
        lines.append(_("You vote for the projects of the district where you live."))
    else:
        lines.append(_("You choose the district whose projects you vote for."))
    if any(d.is_citywide for d in edition.districts):
        lines.append(_("Everyone also votes for the city-wide projects."))
    channels = []
    if edition.online_voting:
        channels.append(_("online"))
    if edition.paper_voting:
        channels.append(_("at a paper ballot box"))
    lines.append(_("Ways to vote: %(channels)s.", channels=_(" or ").join(channels)))
    if edition.paper_voting and edition.desk_registration:
        lines.append(_("Not on the register? At a polling station, show an ID: the officer can register you there "
                       "and then."))
    lines.append(_("One vote per person, whatever the way of voting."))
    lines.append(_("How voters are checked: %(how)s.", how=Verification(edition.verification).label))
    if edition.verification_level == "email":
        lines.append(_("This is a low level of verification: only the e-mail address is checked, not the person."))
    return lines


def count_rules(edition: Edition) -> list[str]:
    lines = [str(AGGREGATION_RULES[edition.aggregation_rule]) + "."]
    lines.append(_("Each district's projects are funded within its own envelope."))
    if edition.aggregation_rule == "greedy-threshold" and edition.min_project_score:
        lines.append(_("A project needs at least %(n)s votes.", n=edition.min_project_score))
    if not edition.fund_unsupported:
        lines.append(_("A project rejected by the majority of voters is never funded.")
                     if edition.ballot_type == BallotType.MAJORITY_JUDGMENT
                     else _("A project nobody voted for is never funded."))
    tie = str(TIE_BREAKS[edition.tie_break])
    if edition.tie_break == "cost-votes-draw":
        lines.append(_("Ties: %(rule)s (seed: %(seed)s).", rule=tie, seed=edition.tie_break_seed))
    else:
        lines.append(_("Ties: %(rule)s.", rule=tie))
    return lines


def grade_labels(count: int) -> list[str]:
    """Grade names from worst to best (majority judgment as Paris uses it)."""
    scales = {
        2: [_("Reject"), _("Good")],
        3: [_("Reject"), _("Fair"), _("Good")],
        4: [_("Reject"), _("Fair"), _("Good"), _("Very good")],
        5: [_("Reject"), _("Poor"), _("Fair"), _("Good"), _("Very good")],
        6: [_("Reject"), _("Poor"), _("Fair"), _("Good"), _("Very good"), _("Excellent")],
        7: [_("Reject"), _("Insufficient"), _("Poor"), _("Fair"), _("Good"), _("Very good"), _("Excellent")],
    }
    return scales[count]


def envelope_words(edition: Edition) -> str:
    return _("Total envelope: %(amount)s", amount=money(edition.envelope_cents))
