"""Secrets in query strings never reach a log line (issue 11): upload tokens, guest keys and
signatures are replaced by ``REDACTED`` in the HTTP server's access lines (text format) and in
every line darkroom's JSON handler writes."""

from __future__ import annotations

import io
import logging
import string
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkroom import logs
from darkroom.app import create_app
from darkroom.core.runtime import Runtime
from tests.live import serve

SECRET = "s3cr3t-upload-token-value"


class Lines(logging.Handler):
    """Keeps the final text of every record it sees."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_lines(api_runtime: Runtime) -> Iterator[tuple[str, list[str]]]:
    """A text-format server with uvicorn's access log on, and the lines it writes."""
    app = create_app(runtime=api_runtime)
    recorder = Lines()
    with serve(app, log_level="info") as base:
        access = logging.getLogger("uvicorn.access")
        access.addHandler(recorder)
        try:
            yield base, recorder.lines
        finally:
            access.removeHandler(recorder)


def test_upload_secret_never_appears_in_the_access_log(
    access_lines: tuple[str, list[str]],
) -> None:
    base, lines = access_lines
    target = f"{base}/rest/v1.0/storage/uploads/u-1/segments/0?token={SECRET}"
    httpx.put(target, content=b"bytes")
    assert any("/segments/0?token=REDACTED" in line for line in lines), lines
    assert not any(SECRET in line for line in lines)


def test_guest_key_never_appears_in_the_access_log(access_lines: tuple[str, list[str]]) -> None:
    base, lines = access_lines
    httpx.get(f"{base}/api/images/temp", params={"fields": "id", "guestKey": SECRET})
    assert any("guestKey=REDACTED" in line and "fields=id" in line for line in lines), lines
    assert not any(SECRET in line for line in lines)


def test_a_json_line_never_carries_a_secret_parameter(api_runtime: Runtime) -> None:
    api_runtime.settings.log_format = "json"
    create_app(runtime=api_runtime)
    handler = logs.json_handler()
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    handler.setStream(stream)
    try:
        logging.getLogger("darkroom.core").warning("fetching %s", f"/x?sig={SECRET}&w=1")
        logging.getLogger(logs.REQUESTS).info(
            "request", extra={"fields": {"link": f"https://h/i?X-Amz-Signature={SECRET}"}}
        )
    finally:
        logs.configure("text")
    text = stream.getvalue()
    assert "sig=REDACTED&w=1" in text
    assert "X-Amz-Signature=REDACTED" in text
    assert SECRET not in text


@given(
    name=st.sampled_from(sorted(logs.SECRET_PARAMETERS)).map(
        lambda n: "".join(c.upper() if i % 2 else c for i, c in enumerate(n))
    ),
    value=st.text(string.ascii_letters + string.digits + "-._~%+/=:", min_size=1),  # as sent
    before=st.sampled_from(["?", "?a=1&", "?a=1;"]),
)
def test_redact_hides_every_secret_parameter_in_any_letter_case(
    name: str, value: str, before: str
) -> None:
    redacted = logs.redact(f"GET /p{before}{name}={value} HTTP/1.1")
    assert redacted == f"GET /p{before}{name}=REDACTED HTTP/1.1"


@given(st.text())
def test_redact_never_fails_and_leaves_text_without_secrets_alone(text: str) -> None:
    redacted = logs.redact(text)
    if not any(name in text.lower() for name in logs.SECRET_PARAMETERS):
        assert redacted == text
