"""Ask a server something while holding the body back, to see whether it answers unread.

The request line and headers go out with a ``Content-Length`` of many megabytes and not one byte
of the body. A server that reads the body before deciding never answers, and the read below
ends at its socket timeout with ``TimeoutError`` (a failure, not a measurement); a server that
decides first answers at once. No timing is asserted.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import httpx

DECLARED_BYTES = 8 * 1024 * 1024
WAIT_S = 20  # a guard against hanging, far above any answer's time


def answer_without_body(
    base_url: str, method: str, target: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    """Status, headers and body of the server's answer to a request whose body never comes."""
    parts = urlsplit(base_url)
    head = {
        "Host": parts.netloc,
        "Content-Type": "multipart/form-data; boundary=unsent",
        "Content-Length": str(DECLARED_BYTES),
        "Connection": "close",
        **(headers or {}),
    }
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in head.items()), "", ""]
    with socket.create_connection((parts.hostname, parts.port), timeout=WAIT_S) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1"))
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        head_bytes, _, rest = received.partition(b"\r\n\r\n")
        status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
        answer_headers = dict(line.split(": ", 1) for line in header_lines)
        length = int(answer_headers.get("content-length", "0"))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return httpx.Response(int(status_line.split()[1]), headers=answer_headers, content=rest)
