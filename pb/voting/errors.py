"""Every refusal of the ballot box: a stable code, an HTTP status, an English message translated
into French. A refusal writes nothing but one audit line (pb.voting.services.casting)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from pb.errors import PbError


class VoteRefused(PbError):
    """Base class of the ballot-box refusals. `credential` marks refusals that count as a failed
    attempt for the rate limits (wrong, expired, revoked or used token or code)."""

    credential = False
    # Refusals that say something about the choices: their audit line never names the voter.
    content = False


class TokenInvalid(VoteRefused):
    code = "token_invalid"
    status = 401
    credential = True
    message = _l("This voting code is not valid. Check that you copied the whole link or typed the code correctly.")


class TokenExpired(VoteRefused):
    code = "token_expired"
    status = 401
    credential = True
    message = _l("This voting code has expired: it was valid until the close of the vote.")


class TokenRevoked(VoteRefused):
    code = "token_revoked"
    status = 403
    credential = True
    message = _l("This voting code has been cancelled and replaced by a new one. Use the most recent code you received.")


class TokenUsed(VoteRefused):
    code = "token_used"
    status = 409
    credential = True
    message = _l("This voting code has already been used: the vote made with it is recorded. Each code can be used once.")


class AlreadyVoted(VoteRefused):
    code = "already_voted"
    status = 409
    message = _l("You have already voted online in this participatory budget. Your first vote is the one that counts.")


class AlreadyVotedPaper(VoteRefused):
    code = "already_voted_paper"
    status = 409
    message = _l("You have already voted at a paper ballot box in this participatory budget. Only one vote per person counts.")


class VoteNotOpen(VoteRefused):
    code = "vote_not_open"
    status = 409
    message = _l("The vote is not open yet.")


class VoteClosed(VoteRefused):
    code = "vote_closed"
    status = 409
    message = _l("The vote is closed.")


class OnlineVotingDisabled(VoteRefused):
    code = "online_voting_disabled"
    status = 409
    message = _l("This participatory budget is voted at paper ballot boxes only.")


class NotEligible(VoteRefused):
    code = "not_eligible"
    status = 403
    message = _l("You cannot vote in this participatory budget: %(reason)s")


class OverBudget(VoteRefused):
    code = "over_budget"
    status = 422
    content = True
    message = _l("Your choices in “%(district)s” cost %(total)s, more than the envelope of %(envelope)s.")


class UnderMinimumShare(VoteRefused):
    code = "under_min_share"
    status = 422
    content = True
    message = _l("Your choices in “%(district)s” must use at least %(share)s%% of the envelope (%(minimum)s); they use %(total)s.")


class TooManyChoices(VoteRefused):
    code = "too_many_choices"
    status = 422
    content = True
    message = _l("You chose %(count)s projects in “%(district)s”; the maximum is %(max)s.")


class TooFewChoices(VoteRefused):
    code = "too_few_choices"
    status = 422
    content = True
    message = _l("You chose %(count)s projects in “%(district)s”; the minimum is %(min)s.")


class NoChoice(VoteRefused):
    code = "too_few_choices"
    status = 422
    content = True
    message = _l("Your ballot is empty: choose at least one project.")


class TooManyPoints(VoteRefused):
    code = "too_many_points"
    status = 422
    content = True
    message = _l("You gave %(count)s points in “%(district)s”; you have %(max)s to share.")


class UnknownProject(VoteRefused):
    code = "unknown_project"
    status = 422
    content = True
    message = _l("Project %(project)s is not on the ballot of this participatory budget.")


class WrongDistrict(VoteRefused):
    code = "wrong_district"
    status = 422
    content = True
    message = _l("Project %(project)s is on the ballot of another district than yours.")


class Malformed(VoteRefused):
    code = "malformed"
    status = 400
    content = True
    message = _l("The ballot could not be read: %(detail)s")


class BallotBoxNotReady(VoteRefused):
    code = "ballot_box_not_ready"
    status = 503
    message = _l("The ballot box has no key yet: your vote cannot be recorded now. Try again later.")


class TooManyAttempts(PbError):
    """Too many failed attempts from this address or with this code (pb/voting/attempts.py)."""

    code = "too_many_requests"
    status = 429
    message = _l("Too many failed attempts with a voting code from here or with this code. Wait a few minutes, then try again.")


class ResultsSealed(PbError):
    code = "results_sealed"
    status = 409
    message = _l("The ballots are sealed until the vote closes: no partial result is published.")


class BallotsEncrypted(PbError):
    code = "ballots_encrypted"
    status = 409
    message = _l("The vote is closed but its ballots are still encrypted: the vote's commission must decrypt them "
                 "before the count.")


class DecryptionRefused(PbError):
    code = "decryption_refused"
    status = 422
    message = _l("The ballots were not decrypted (nothing was changed): %(reason)s")


class BallotKeyRefused(PbError):
    code = "ballot_key_refused"
    status = 409
    message = _l("The ballot key cannot be set: %(reason)s")


class NotOnRegister(PbError):
    code = "not_on_register"
    status = 404
    message = _l("We did not find you on the voter register with these details. Check the spelling and your date of birth, or contact the town hall.")


class RegistrationClosed(PbError):
    code = "registration_closed"
    status = 409
    message = _l("Voting codes are not requested online for this participatory budget: they are sent by the city.")


class BodyTooLarge(PbError):
    code = "payload_too_large"
    status = 413
    message = _l("The request is too large: a ballot is at most 64 KB.")
