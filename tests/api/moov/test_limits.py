"""Request size cut off while streaming, and duplicates under concurrency."""

from __future__ import annotations

import json
import select
import socket
from base64 import b64encode
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx

from darkroom.config import MiB
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.moov.conftest import ACCOUNT

IMAGES = f"/accounts/{ACCOUNT}/images"
BOUNDARY = "0123456789abcdef0123456789abcdef"
CHUNK = b"\0" * (256 * 1024)


def _head(server: str, admin: tuple[str, str], framing: str) -> bytes:
    credentials = b64encode(":".join(admin).encode()).decode()
    return (
        f"POST {IMAGES} HTTP/1.1\r\nHost: {urlsplit(server).netloc}\r\n"
        f"Authorization: Basic {credentials}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()


PREAMBLE = (
    f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\n'
    "Content-Type: image/png\r\n\r\n"
).encode()


def _send_until_answered(conn: socket.socket, chunks: Iterator[bytes]) -> int:
    """Send ``chunks`` until the server starts answering; the number of bytes sent."""
    sent = 0
    for chunk in chunks:
        readable, _, _ = select.select([conn], [], [], 0)
        if readable:
            break
        conn.sendall(chunk)
        sent += len(chunk)
    return sent


def _answer(conn: socket.socket) -> tuple[int, dict[str, str], dict[str, object]]:
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, json.loads(body)


def test_upload_declaring_40_mb_is_refused_before_its_body_is_sent(
    server: str, admin: tuple[str, str]
) -> None:
    url = urlsplit(server)
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(_head(server, admin, f"Content-Length: {40 * MiB}") + PREAMBLE)
        conn.sendall(CHUNK)  # a quarter megabyte of the announced forty
        status, headers, body = _answer(conn)
    assert status == 422
    assert headers["content-type"] == "application/json"
    assert "x-request-id" in headers
    assert "larger than" in str(body["image"])


def test_chunked_upload_over_16_mb_is_cut_off_while_streaming(
    server: str, admin: tuple[str, str], api_runtime: Runtime
) -> None:
    url = urlsplit(server)

    def chunked(total: int) -> Iterator[bytes]:
        for data in [PREAMBLE, *[CHUNK] * (total // len(CHUNK))]:
            yield f"{len(data):x}\r\n".encode() + data + b"\r\n"

    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(_head(server, admin, "Transfer-Encoding: chunked"))
        sent = _send_until_answered(conn, chunked(40 * MiB))
        status, _, body = _answer(conn)
    assert status == 422
    assert "larger than" in str(body["image"])
    assert sent < 32 * MiB  # answered long before the end of the 40 MB body
    assert not list(api_runtime.spool_dir.iterdir())


def test_chunked_40_mb_upload_sent_in_full_is_answered_422(
    http: httpx.Client,
) -> None:
    def body() -> Iterator[bytes]:
        yield PREAMBLE
        for _ in range(40 * MiB // len(CHUNK)):
            yield CHUNK
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    answer = http.post(
        IMAGES,
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert answer.status_code == 422
    assert "larger than" in answer.json()["image"]


def test_50_concurrent_identical_uploads_create_one_image(http: httpx.Client) -> None:
    data = samples.jpeg(seed=50)
    http.get(IMAGES)  # the account exists before the race

    def upload(_: int) -> httpx.Response:
        with httpx.Client(base_url=str(http.base_url), auth=http.auth, timeout=60) as own:
            return own.post(IMAGES, files={"image": ("same.jpg", data, "image/jpeg")})

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(upload, range(50)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] + [409] * 49
    created = next(answer.json() for answer in answers if answer.status_code == 201)
    assert {a.json()["imageID"] for a in answers if a.status_code == 409} == {created["imageID"]}
    assert [item["imageID"] for item in http.get(IMAGES).json()] == [created["imageID"]]
