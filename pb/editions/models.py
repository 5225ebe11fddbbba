from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pb.db import Base, Money, enum_type, utcnow


class Phase(enum.StrEnum):
    DRAFT = "draft"
    SUBMISSION = "submission"
    REVIEW = "review"
    VOTE = "vote"
    RESULTS = "results"
    IMPLEMENTATION = "implementation"

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])

    @property
    def rank(self) -> int:
        return PHASE_ORDER.index(self)


PHASE_ORDER = list(Phase)
PHASE_LABELS = {
    Phase.DRAFT: _l("In preparation"),
    Phase.SUBMISSION: _l("Idea submission"),
    Phase.REVIEW: _l("Technical review"),
    Phase.VOTE: _l("Vote"),
    Phase.RESULTS: _l("Results"),
    Phase.IMPLEMENTATION: _l("Implementation"),
}
CALENDAR_PHASES = [Phase.SUBMISSION, Phase.REVIEW, Phase.VOTE, Phase.RESULTS, Phase.IMPLEMENTATION]
# Once the vote has opened, the windows up to the vote's are frozen: the vote's start is the date
# at which the minimum age is judged; its end moves only through extend_vote, with a reason.
FROZEN_PHASES = (Phase.SUBMISSION, Phase.REVIEW, Phase.VOTE)


class BallotType(enum.StrEnum):
    APPROVAL = "approval"
    KNAPSACK = "knapsack"
    MAJORITY_JUDGMENT = "majority_judgment"
    CUMULATIVE = "cumulative"

    @property
    def label(self) -> str:
        return str(BALLOT_LABELS[self])


BALLOT_LABELS = {
    BallotType.APPROVAL: _l("Approval: choose between a minimum and a maximum number of projects"),
    BallotType.KNAPSACK: _l("Budget: choose projects whose total cost fits the envelope"),
    BallotType.MAJORITY_JUDGMENT: _l("Majority judgment: give each project a grade"),
    BallotType.CUMULATIVE: _l("Points: share a number of points between projects"),
}


class ResidenceRule(enum.StrEnum):
    RESIDENCE = "residence"  # vote in the district where one lives (from the register)
    CHOICE = "choice"  # choose one district to vote in

    @property
    def label(self) -> str:
        return str(RESIDENCE_LABELS[self])


RESIDENCE_LABELS = {
    ResidenceRule.RESIDENCE: _l("Vote in the district of residence"),
    ResidenceRule.CHOICE: _l("Vote in a district of one's choice"),
}


class Verification(enum.StrEnum):
    REGISTER = "register"  # tokens sent to everyone on an imported register
    SELF_REGISTRATION = "self_registration"  # residents ask; the code goes to the register's contact or by post
    DECLARED_EMAIL = "declared_email"  # residents ask; the link goes to an address they declare (low level)

    @property
    def label(self) -> str:
        return str(VERIFICATION_LABELS[self])

    @property
    def level(self) -> str:
        """How strongly a voter's identity is checked, as the barometer's item B6 names it:
        `register` (a code reaches the person through a contact the city holds: a letter, the
        register's e-mail) or `email` (anyone who knows a name and a birth date can claim it with
        an address of their own; only the first address is bound, a second one goes to staff)."""
        return "email" if self == Verification.DECLARED_EMAIL else "register"

    @property
    def self_service(self) -> bool:
        """Residents may ask for their voting link on the site."""
        return self != Verification.REGISTER


VERIFICATION_LABELS = {
    Verification.REGISTER: _l("Voter register imported by the city; a voting code is sent to each voter"),
    Verification.SELF_REGISTRATION: _l("Residents ask for a voting code; it is sent only to the e-mail address on the voter register, or by post"),
    Verification.DECLARED_EMAIL: _l("Residents ask for a voting link sent to an e-mail address they give (low level of verification: only the address is checked)"),
}

AGGREGATION_RULES = {
    "greedy": _l("Most votes first, within the envelope (projects that do not fit are skipped)"),
    "greedy-no-skip": _l("Most votes first, stopping at the first project that does not fit"),
    "greedy-threshold": _l("Most votes first, among projects reaching a minimum score"),
    "mes": _l("Method of Equal Shares (proportional), without completion"),
    "mes-add1": _l("Method of Equal Shares, completed by raising every voter's share"),
    "mes-add1e": _l("Method of Equal Shares with the completion stopping at the first exhaustive outcome"),
    "mes-add1-greedy": _l("Method of Equal Shares, then most votes first for the money left"),
    "mes-add1-comparison": _l("Method of Equal Shares, kept unless more voters prefer the greedy outcome"),
    "mj": _l("Majority judgment ranking, then funding in that order"),
}
TIE_BREAKS = {
    "lexicographic": _l("Project identifier order"),
    "cost-votes-draw": _l("Lower cost, then more votes, then a public draw with a published seed"),
}
# The rules an edition cannot change once its vote has opened.
OUTCOME_RULES = (
    "ballot_type", "min_choices", "max_choices", "knapsack_min_share", "cumulative_points",
    "grade_count", "aggregation_rule", "tie_break", "tie_break_seed", "min_project_score", "fund_unsupported",
    "min_voter_age", "residence_rule", "verification", "online_voting", "paper_voting", "desk_registration",
)


class Territory(Base):
    """The city (or intercommunality) running pb. One row."""

    __tablename__ = "territory"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    insee_code: Mapped[str] = mapped_column(sa.String(5), default="")
    population: Mapped[int] = mapped_column(default=0)
    website: Mapped[str] = mapped_column(sa.String(255), default="")

    __table_args__ = (sa.CheckConstraint("population >= 0", name="population_positive"),)


class Edition(Base):
    __tablename__ = "edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    year: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(sa.Text, default="")
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "phase"), default=Phase.DRAFT)
    vote_opened_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    # The ballot and the count
    ballot_type: Mapped[BallotType] = mapped_column(enum_type(BallotType, "ballot_type"), default=BallotType.APPROVAL)
    min_choices: Mapped[int] = mapped_column(default=1)
    max_choices: Mapped[int | None] = mapped_column(default=5)
    knapsack_min_share: Mapped[int] = mapped_column(default=0)  # percent of the envelope
    cumulative_points: Mapped[int | None] = mapped_column()
    grade_count: Mapped[int | None] = mapped_column()  # majority judgment scale
    aggregation_rule: Mapped[str] = mapped_column(sa.String(32), default="greedy")
    tie_break: Mapped[str] = mapped_column(sa.String(32), default="cost-votes-draw")
    tie_break_seed: Mapped[str] = mapped_column(sa.String(64), default="")
    min_project_score: Mapped[int | None] = mapped_column()
    # A project nobody voted for (in majority judgment: rejected by the majority) is not funded,
    # unless the edition says otherwise.
    fund_unsupported: Mapped[bool] = mapped_column(default=False)

    # Participation
    comments_before_review: Mapped[bool] = mapped_column(default=True)
    comments_during_review: Mapped[bool] = mapped_column(default=True)
    comments_during_vote: Mapped[bool] = mapped_column(default=False)
    public_meeting_required: Mapped[bool] = mapped_column(default=False)
    online_voting: Mapped[bool] = mapped_column(default=True)
    paper_voting: Mapped[bool] = mapped_column(default=True)
    # A person missing from the register may be added at a connected station's desk, the officer
    # having checked an ID (pb.ballotbox.services.signin.register_and_sign_in).
    desk_registration: Mapped[bool] = mapped_column(default=False)
    min_voter_age: Mapped[int] = mapped_column(default=16)
    residence_rule: Mapped[ResidenceRule] = mapped_column(
        enum_type(ResidenceRule, "residence_rule"), default=ResidenceRule.RESIDENCE
    )
    verification: Mapped[Verification] = mapped_column(
        enum_type(Verification, "verification"), default=Verification.REGISTER
    )

    districts: Mapped[list[District]] = relationship(
        back_populates="edition", order_by="(District.is_citywide, District.position, District.id)",
        cascade="all, delete-orphan",
    )
    phase_windows: Mapped[list[PhaseWindow]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="PhaseWindow.starts_at",
    )

    __table_args__ = (
        sa.CheckConstraint("min_choices >= 0", name="min_choices_positive"),
        sa.CheckConstraint("max_choices IS NULL OR max_choices >= min_choices", name="choices_range"),
        sa.CheckConstraint("knapsack_min_share BETWEEN 0 AND 100", name="min_share_percent"),
        sa.CheckConstraint("min_voter_age BETWEEN 0 AND 120", name="voter_age"),
    )

    @property
    def is_frozen(self) -> bool:
        """Outcome rules are frozen once the vote has opened (even after it closed)."""
        return self.vote_opened_at is not None

    @property
    def verification_level(self) -> str:
        """`register` or `email` (barometer item B6): see Verification.level."""
        return Verification(self.verification).level

    @property
    def envelope_cents(self) -> int:
        return sum(d.envelope_cents for d in self.districts)

    @property
    def population(self) -> int:
        return sum(d.population for d in self.districts if not d.is_citywide)

    def window(self, phase: Phase) -> PhaseWindow | None:
        return next((w for w in self.phase_windows if w.phase == phase), None)

    def __repr__(self) -> str:
        return f"<Edition {self.slug} {self.phase}>"


class VoteExtension(Base):
    """The vote's closing time pushed back after the vote opened: the only calendar change then
    allowed. Each one is public (the edition page shows it with its reason)."""

    __tablename__ = "vote_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    previous_end: Mapped[dt.datetime] = mapped_column()
    new_end: Mapped[dt.datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    __table_args__ = (sa.CheckConstraint("new_end > previous_end", name="later_end"),)


class District(Base):
    """A district (arrondissement, quartier) with its own envelope; or the city-wide scope."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    code: Mapped[str] = mapped_column(sa.String(32))
    envelope_cents: Mapped[int] = mapped_column(Money, default=0)
    population: Mapped[int] = mapped_column(default=0)
    is_citywide: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    edition: Mapped[Edition] = relationship(back_populates="districts")

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "code"),
        sa.UniqueConstraint("edition_id", "name"),
        sa.CheckConstraint("envelope_cents >= 0", name="envelope_positive"),
        sa.CheckConstraint("population >= 0", name="population_positive"),
    )

    def __repr__(self) -> str:
        return f"<District {self.code}>"


class PhaseWindow(Base):
    """The published calendar: when each phase starts and ends."""

    __tablename__ = "phase_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id", ondelete="CASCADE"))
    phase: Mapped[Phase] = mapped_column(enum_type(Phase, "phase"))
    starts_at: Mapped[dt.datetime] = mapped_column()
    ends_at: Mapped[dt.datetime] = mapped_column()

    edition: Mapped[Edition] = relationship(back_populates="phase_windows")

    __table_args__ = (
        sa.UniqueConstraint("edition_id", "phase"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )
