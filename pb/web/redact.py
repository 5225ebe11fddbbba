"""Tokens and codes never reach a log: paths that carry one (/vote/<token>, /account/confirm/<token>,
/account/reset/<token>) and query parameters named like one are masked in gunicorn's access log
(`RedactingLogger`, set by gunicorn.conf.py), in the development server's log and in pb's own
error lines."""

from __future__ import annotations

import logging
import re
from typing import Any

TOKEN_PATH = re.compile(r"(/vote/|/account/confirm/|/account/reset/)[^/?#\s\"]+")
TOKEN_QUERY = re.compile(r"(?i)\b(token|code|tracker)=[^&\s\"]*")
MASK = "[redacted]"


def redact(text: Any) -> Any:
    """`text` with every token or code masked (anything else is returned unchanged)."""
    if not isinstance(text, str):
        return text
    return TOKEN_QUERY.sub(lambda m: m.group(1) + "=" + MASK, TOKEN_PATH.sub(lambda m: m.group(1) + MASK, text))


class RedactingFilter(logging.Filter):
    """A logging filter that masks tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's to report, not ours
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


def install_filters() -> None:
    """On the loggers that may name a path (a filter on a logger sees only its own records) and
    on the root logger's handlers (which see every record that propagates)."""
    loggers = [logging.getLogger(name) for name in ("werkzeug", "pb.app", "pb.voting", "pb.attempts", "gunicorn.error",
                                                    "gunicorn.access")]
    for target in [*loggers, *logging.getLogger().handlers]:
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover - gunicorn is a dependency; a laptop may run without it
    _GunicornLogger = object  # type: ignore[assignment,misc]


class RedactingLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger, with tokens masked in every atom of the access log (request line,
    path, query string, referer, headers, environ)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        return {key: redact(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
