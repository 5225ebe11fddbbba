"""The ballot box's refusals: a stable code, an HTTP status, an English message translated into
French (shared by the pages, the API and the command line)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from pb.errors import PbError


class BadStationKey(PbError):
    code = "station_key_invalid"
    status = 401
    message = _l("This station key is not valid (unknown, revoked, or of another station).")


class StationClosed(PbError):
    code = "station_closed"
    status = 403
    message = _l("This polling station is not open now: nobody can be signed in there.")


class NotYourStation(PbError):
    code = "not_your_station"
    status = 403
    message = _l("You are not an officer of this polling station.")


class PaperVotingDisabled(PbError):
    code = "paper_voting_disabled"
    status = 409
    message = _l("This edition has no paper vote.")


class NotRegistered(PbError):
    code = "not_registered"
    status = 404
    message = _l("This person is not on the voter register of this edition.")


class NotEligibleHere(PbError):
    code = "not_eligible"
    status = 403
    message = _l("This person may not vote: %(reason)s")


class AlreadySignedIn(PbError):
    """The person has a sign-in already (online or at a station): the refusal says where and when."""

    code = "already_voted"
    status = 409
    message = _l("This person has already voted (%(where)s, %(at)s).")

    def __init__(self, existing: dict[str, Any], where: str, at: str) -> None:
        super().__init__(where=where, at=at)
        self.existing = existing

    def as_json(self) -> dict[str, Any]:
        return {**super().as_json(), "existing": self.existing}


class StationStillOpen(PbError):
    code = "station_open"
    status = 409
    message = _l("The report can be entered only once the station is closed.")


class ReportSignedOff(PbError):
    code = "report_signed_off"
    status = 409
    message = _l("This report is signed off and locked: only an administrator can change it, giving a reason.")


class ReportNotAgreed(PbError):
    code = "report_not_agreed"
    status = 409
    message = _l("The two entries of the report do not agree yet (or one is missing): it cannot be signed off.")


class SameOfficer(PbError):
    code = "same_officer"
    status = 409
    message = _l("The second entry must be keyed by another officer than the first.")


class ReportInconsistent(PbError):
    code = "report_inconsistent"
    status = 422
    message = _l("The report does not add up: %(detail)s")


class BallotsRequired(PbError):
    code = "keyed_ballots_required"
    status = 422
    message = _l("This edition's rule needs every paper ballot keyed one by one, not totals per project.")


class ReportMalformed(PbError):
    code = "malformed"
    status = 400
    message = _l("The report is not in the expected form: %(detail)s")


class NotOffline(PbError):
    code = "station_online"
    status = 409
    message = _l("This station signs voters in at its desk: only an offline station uploads a sign-in list.")


class ReasonRequired(PbError):
    code = "reason_required"
    status = 422
    message = _l("Give the reason for changing a signed-off report.")


class DeskRegistrationDisabled(PbError):
    code = "desk_registration_disabled"
    status = 409
    message = _l("This edition does not allow registering a person at a polling station desk.")


class AlreadyOnRegister(PbError):
    code = "already_registered"
    status = 409
    message = _l("This person is already on the voter register: look them up and sign them in.")


class IdNotChecked(PbError):
    code = "id_not_checked"
    status = 422
    message = _l("Check the person's ID before registering them, and tick the box that says so.")
