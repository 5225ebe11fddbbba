"""Domain errors. Every refusal the platform gives is one of these: a stable code (for the API,
the logs and the tests), an HTTP status, and a message in the reader's language.

Services raise them; views turn them into a flashed message on the form, an error page, or a
JSON body `{"error": {"code": ..., "message": ...}}` for the API."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, lazy_gettext as _l


class PbError(Exception):
    code: str = "error"
    status: int = 400
    message: LazyString | str = _l("The request could not be carried out.")
    # A refusal leaves nothing behind: the page that shows it rolls back what the refused call
    # wrote. The few refusals that are themselves records (a failed login counts against the
    # account) say so here, and keep their writes.
    recorded: bool = False

    def __init__(self, message: LazyString | str | None = None, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.code)

    def text(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def as_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.text()}}


class Forbidden(PbError):
    code = "forbidden"
    status = 403
    message = _l("You are not allowed to do this.")


class NotFoundError(PbError):
    code = "not_found"
    status = 404
    message = _l("This page or object does not exist.")


class ValidationFailed(PbError):
    """Input that breaks a business rule; `field` names the form field when there is one."""

    code = "invalid"
    status = 422

    def __init__(self, message: LazyString | str, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field
