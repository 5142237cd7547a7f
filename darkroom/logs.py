"""How darkroom's logs are written: as they always were (``text``), or one JSON object a line.

With ``DARKROOM_LOG_FORMAT=json`` the ``darkroom`` loggers write JSON lines to stdout: one line
per request (``darkroom.requests``, fields from ``api/common/observe.py``) and whatever else
darkroom logs, each carrying the id of the request it happened in. ``darkroom serve`` then also
writes the HTTP server's own lines (granian's, from every worker) as JSON and turns its access log
off, since the request lines replace it. The text format changes nothing: darkroom adds no
handler and the server keeps its defaults.

In both formats the values of query parameters that carry secrets (upload tokens, guest keys,
signatures: ``SECRET_PARAMETERS``) are replaced before any line is written, on darkroom's
loggers and on the HTTP servers' access and error loggers (:class:`RedactSecrets`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import unquote

LogFormat = Literal["text", "json"]

ROOT = "darkroom"
REQUESTS = "darkroom.requests"
HANDLER_NAME = "darkroom-json"

# The id of the request being answered, for every line logged while it is.
REQUEST_ID: ContextVar[str | None] = ContextVar("darkroom_request_id", default=None)


# Query parameters whose values are secrets: upload and segment tokens, guest keys, signatures
# of capability links and presigned URLs, session tokens. Compared lower-cased and decoded.
SECRET_PARAMETERS = frozenset(
    {
        "access_token",
        "guest_key",
        "guestkey",
        "key",
        "password",
        "secret",
        "session_token",
        "sig",
        "signature",
        "token",
        "x-amz-credential",
        "x-amz-security-token",
        "x-amz-signature",
    }
)
REDACTED = "REDACTED"
_QUERY_PAIR = re.compile(r"(?P<lead>[?&;](?P<name>[^=&;#\s\"']+)=)(?P<value>[^&;#\s\"']*)")
# Loggers that write request targets in the text format (the servers' access and error lines).
_SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error", "granian.access", "_granian")


def redact(text: str) -> str:
    """``text`` with the value of every secret query parameter in it replaced by REDACTED."""
    if "=" not in text:
        return text

    def hide(match: re.Match[str]) -> str:
        if unquote(match["name"]).lower() in SECRET_PARAMETERS:
            return match["lead"] + REDACTED
        return match.group()

    return _QUERY_PAIR.sub(hide, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, arguments and ``fields`` through :func:`redact`; drops
    nothing. On every darkroom handler and on the HTTP servers' loggers, in both formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: redact(v) if isinstance(v, str) else v for k, v in fields.items()}
        return True


def _install_redaction(logger: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "request_id"?, ...fields}`` on one line.

    ``fields`` is what the caller passes as ``extra={"fields": {...}}``; only those, never the
    record's other attributes, so nothing is logged that was not meant to be.
    """

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(line, default=str, separators=(",", ":"))


def configure(log_format: LogFormat) -> None:
    """Install (``json``) or remove (``text``) the JSON handler of the ``darkroom`` loggers.

    Idempotent: every app a process makes calls it, and the last one wins.
    """
    logger = logging.getLogger(ROOT)
    for name in (ROOT, REQUESTS, *_SERVER_LOGGERS):
        _install_redaction(logging.getLogger(name))
    for handler in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
        logger.removeHandler(handler)
    if log_format != "json":
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    _install_redaction(handler)  # lines of child loggers pass the handler, not the logger
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # one line per event, not a second one through the root's handlers


def json_handler() -> logging.Handler | None:
    """The installed JSON handler, if any."""
    for handler in logging.getLogger(ROOT).handlers:
        if handler.get_name() == HANDLER_NAME:
            return handler
    return None


def server_log_config(log_format: LogFormat) -> dict[str, Any] | None:
    """The HTTP server's logging (granian's ``log_dictconfig``): its defaults for ``text``; for
    ``json``, its own lines as JSON on stderr and no access log (darkroom's request lines replace
    it). Every worker applies it as it starts."""
    if log_format != "json":
        return None
    json_to_stderr = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["redact"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": f"{__name__}.RedactSecrets"}},
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": json_to_stderr},
        "loggers": {
            "_granian": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
