"""How darkroom's logs are written: as they always were (``text``), or one JSON object a line.

With ``DARKROOM_LOG_FORMAT=json`` the ``darkroom`` loggers write JSON lines to stdout: one line
per request (``darkroom.requests``, fields from ``api/common/observe.py``) and whatever else
darkroom logs, each carrying the id of the request it happened in. ``darkroom serve`` then also
writes the HTTP server's own lines (granian's, from every worker) as JSON and turns its access log
off, since the request lines replace it. The text format changes nothing: darkroom adds no
handler and the server keeps its defaults.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

ROOT = "darkroom"
REQUESTS = "darkroom.requests"
HANDLER_NAME = "darkroom-json"

# The id of the request being answered, for every line logged while it is.
REQUEST_ID: ContextVar[str | None] = ContextVar("darkroom_request_id", default=None)


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
    for handler in [h for h in logger.handlers if h.get_name() == HANDLER_NAME]:
        logger.removeHandler(handler)
    if log_format != "json":
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        return
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
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
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"json": json_to_stderr},
        "loggers": {
            "_granian": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
