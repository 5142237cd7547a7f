"""Upload latency while 50 clients guess passwords: do failed logins slow writers down?

A real ``darkroom serve`` (SQLite, local blobs, as ``bench/_darkroom.py`` starts it). One
client uploads small JPEGs to Moov, one after another, as the admin (whose password, checked
once, is then in the verified-password cache); its latencies are measured:

1. alone (the baseline);
2. beside 50 connections from another address (127.0.0.2) sending wrong Basic passwords for
   the admin's own name to ``GET /api/auth`` as fast as answered, with the login throttle on
   (the default: after 5 failures the address must wait);
3. the same, with the throttle off (``DARKROOM_LOGIN_FREE_FAILURES=0``): every guess costs one
   scrypt, the worst case (an attacker with many addresses and names), bounded only by the
   password-check slots;
0. for reference, beside 50 connections asking ``GET /api/auth`` without credentials: what any
   flood of small requests costs the uploads on this machine.

Password checks run outside database transactions, so guesses cost CPU but never a write lock;
on a 2-core machine the no-throttle case still competes for CPU with the uploads.

    .venv/bin/python bench/logins.py [--seconds 20] [--workers 2]

Prints p50/p99 upload latency per phase, the ratio to the baseline, and the guesses answered.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._darkroom import ADMIN, Darkroom
from bench._report import fmt, table
from tests import images as samples

GUESSERS = 50
WARM_UP = 12  # uploads before timing
GUESSER_ADDRESS = "127.0.0.2"  # another client than the uploader (127.0.0.1)
PER_ACCOUNT = 250
WRONG = "Basic " + base64.b64encode(b"bench-admin:not-the-password").decode()


def _images(count: int, first_seed: int) -> list[bytes]:
    return [samples.jpeg(320, 240, seed=first_seed + n) for n in range(count)]


def _upload_latencies(
    url: str, images: list[bytes], seconds: float, refused: list[int]
) -> list[float]:
    """Upload one image after another for ``seconds``; each upload's latency in ms, retries
    after a 429 included (counted in ``refused``)."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, auth=ADMIN, timeout=120) as client:
        for number, data in enumerate(images):
            if time.monotonic() > deadline:
                break
            if number % PER_ACCOUNT == 0:  # a Moov account holds at most 300 images
                account = str(uuid.uuid4())
            started = time.perf_counter()
            while True:  # as a client does: after a 429, again once Retry-After has passed
                answer = client.post(
                    f"/accounts/{account}/images",
                    files={"image": ("bench.jpg", data, "image/jpeg")},
                )
                if answer.status_code != 429:
                    break
                refused[0] += 1
                time.sleep(float(answer.headers.get("retry-after", "1")))
            latencies.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
    return latencies


async def _guess(
    port: int, stop: threading.Event, statuses: Counter[str], credentials: bool
) -> None:
    authorization = f"Authorization: {WRONG}\r\n" if credentials else ""
    request = (
        f"GET /api/auth HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        f"{authorization}\r\n"
    ).encode()
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(GUESSER_ADDRESS, 0)
            )
        except OSError:
            statuses["error"] += 1
            await asyncio.sleep(0.05)
            continue
        try:
            while not stop.is_set():
                writer.write(request)
                status_line = await reader.readline()
                if not status_line:
                    break  # the server closed the connection: open another
                length, closing = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "connection" and "close" in value.lower():
                        closing = True
                await reader.readexactly(length)
                statuses[status_line.split()[1].decode()] += 1
                if closing:
                    break
        except (OSError, asyncio.IncompleteReadError):
            statuses["error"] += 1
        finally:
            writer.close()


def _guessers(
    port: int, stop: threading.Event, statuses: Counter[str], credentials: bool
) -> threading.Thread:
    async def run() -> None:
        await asyncio.gather(*(_guess(port, stop, statuses, credentials) for _ in range(GUESSERS)))

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    return thread


def _phase(
    server: Darkroom, images: list[bytes], seconds: float, refused: list[int], *, guessing: str
) -> tuple[list[float], Counter[str]]:
    statuses: Counter[str] = Counter()
    stop = threading.Event()
    credentials = guessing == "wrong passwords"
    thread = _guessers(server.port, stop, statuses, credentials) if guessing else None
    if thread is not None:
        time.sleep(1.0)  # let the guessers reach their pace
    try:
        return _upload_latencies(server.url, images, seconds, refused), statuses
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=30)


def _p(latencies: list[float], q: float) -> float:
    if len(latencies) < 2:
        return latencies[0] if latencies else float("nan")
    return statistics.quantiles(latencies, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="darkroom workers (default 2)")
    args = parser.parse_args()
    per_phase = int(args.seconds * 60) + 50  # far more than can be uploaded in that time
    off = {"DARKROOM_LOGIN_FREE_FAILURES": "0"}
    phases = [
        ("alone", {}, ""),
        ("50 anonymous clients (reference)", {}, "no credentials"),
        ("50 guessers, throttle on", {}, "wrong passwords"),
        ("50 guessers, throttle off", off, "wrong passwords"),
    ]
    rows: list[list[str]] = []
    baseline: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory(prefix="darkroom-bench-logins-") as tmp:
        for index, (name, env, guessing) in enumerate(phases):
            images = _images(per_phase, first_seed=index * per_phase)
            folder = Path(tmp) / str(index)
            folder.mkdir()
            server = Darkroom(folder, extra_env=env, workers=args.workers)
            service = server.start()
            try:
                # Warm up: every worker has checked the admin's password (and cached it).
                _upload_latencies(server.url, images[:WARM_UP], 60, [0])
                refused = [0]
                latencies, statuses = _phase(
                    server, images[WARM_UP:], args.seconds, refused, guessing=guessing
                )
            finally:
                service.stop()
            p50, p99 = _p(latencies, 50), _p(latencies, 99)
            baseline = baseline or (p50, p99)
            guesses = sum(n for status, n in statuses.items() if status != "error")
            rows.append(
                [
                    name,
                    str(len(latencies)),
                    str(refused[0]),
                    fmt(p50),
                    fmt(p99),
                    f"{p50 / baseline[0]:.2f}",
                    f"{p99 / baseline[1]:.2f}",
                    fmt(guesses / args.seconds, 0),
                    " ".join(f"{s}:{n}" for s, n in sorted(statuses.items())) or "-",
                ]
            )
            print(f"{name}: done", flush=True)
    table(
        f"Moov uploads (320x240 JPEG, one client, {args.workers} workers, "
        f"{args.seconds:.0f} s per phase)",
        (
            "phase",
            "uploads",
            "429s",
            "p50 ms",
            "p99 ms",
            "p50 ratio",
            "p99 ratio",
            "guesses/s",
            "answers",
        ),
        rows,
    )


if __name__ == "__main__":
    main()
