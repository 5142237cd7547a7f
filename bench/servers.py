"""Which HTTP server darkroom should run under: the same apps, two workers each, under wrk.

Issue 10 ("every core used") asks for the server to be chosen by measurement. This serves three
targets under three servers, each with two worker processes on 127.0.0.1:

  bare     a bare ASGI app answering 50 KB from memory (bench/_bare_asgi.py): the server alone;
  file     Starlette's FileResponse of the same 50 KB from a file (bench/_file_asgi.py;
           zero-copy ``pathsend`` where the server has it: granian; a thread reads it otherwise);
  healthz  darkroom's ``GET /healthz``: the server plus darkroom's middleware and routing;
  variant  a Moov public image variant already cached: ``GET /images/{publicID}?size=200x200``
           of a 1600x1200 JPEG uploaded through the Moov API and asked for once beforehand.

  servers: uvicorn with uvloop and httptools, granian (its Rust HTTP stack, uvloop), and plain
  uvicorn (h11 on asyncio's own loop).

For each target the servers run back to back (one at a time, never two at once), each started
fresh, warmed for 2 s, then measured with ``wrk -t2 -c32 -d10s --latency``; the round is repeated
(``--rounds``) and medians shown. The machine's cores are shared by wrk, the server and whatever
else runs: compare the ratios (to the best server of the same target and round), not figures
across runs; the range says how far a ratio moved from round to round.

    .venv/bin/python bench/servers.py [--seconds 10] [--targets bare,file,healthz,variant]
                                      [--servers uvicorn-uvloop,granian,uvicorn-h11] [--rounds 3]

Installs Debian's ``wrk`` with apt-get when it is missing. Every server it starts listens on a
free loopback port and is stopped by its process id.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._bare_asgi import BODY  # noqa: E402
from tests import images as samples  # noqa: E402
from tests.live import free_port  # noqa: E402

WORKERS = 2
ADMIN = ("bench-admin", "bench-password")
ACCOUNT = "8c1f3b9e-5b7a-4d0e-9a51-3f0c2a9d7e10"
VARIANT_SIZE = "200x200"
WARMUP_S = 2

# Each server's command line for an app ``target`` ("module:attribute"), on ``port``.
SERVERS: dict[str, list[str]] = {
    "uvicorn-uvloop": [
        *(sys.executable, "-m", "uvicorn", "--loop", "uvloop", "--http", "httptools"),
        *("--no-access-log", "--log-level", "warning", "--workers", str(WORKERS)),
    ],
    "granian": [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop"),
        *("--no-access-log", "--log-level", "warning", "--workers", str(WORKERS)),
    ],
    "uvicorn-h11": [
        *(sys.executable, "-m", "uvicorn", "--loop", "asyncio", "--http", "h11"),
        *("--no-access-log", "--log-level", "warning", "--workers", str(WORKERS)),
    ],
}


@dataclass(frozen=True)
class Target:
    name: str
    app: str
    factory: bool
    darkroom: bool


TARGETS = {
    "bare": Target("bare", "bench._bare_asgi:app", factory=False, darkroom=False),
    "file": Target("file", "bench._file_asgi:app", factory=False, darkroom=False),
    "healthz": Target("healthz", "darkroom.worker:worker_app", factory=True, darkroom=True),
    "variant": Target("variant", "darkroom.worker:worker_app", factory=True, darkroom=True),
}


@dataclass(frozen=True)
class Measure:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def ensure_wrk() -> str:
    """wrk's path, installing Debian's package when it is missing (it starts no service)."""
    found = shutil.which("wrk")
    if found:
        return found
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, check=True)
        subprocess.run(install, capture_output=True, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk did not install")
    return found


def command(server: str, target: Target, port: int) -> list[str]:
    where = ["--host", "127.0.0.1", "--port", str(port)]
    factory = ["--factory"] if target.factory else []
    return [*SERVERS[server], *where, *factory, target.app]


@contextmanager
def running(argv: list[str], env: dict[str, str], probe: str) -> Iterator[None]:
    """Run ``argv`` in its own session until the block ends; wait until ``probe`` answers 200."""
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(probe, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if child.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    raise SystemExit(f"{argv} did not come up:\n{output}")
                time.sleep(0.2)
            yield
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)  # the group this script started
                child.wait()


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS_MS[unit]


def parse_wrk(output: str) -> Measure:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if not (rate and p50 and p99):
        raise SystemExit(f"unexpected wrk output:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    return Measure(float(rate.group(1)), _ms(p50.group(1)), _ms(p99.group(1)), errors)


def wrk(binary: str, url: str, seconds: int, *, latency: bool = True) -> Measure | None:
    argv = [binary, "-t2", "-c32", f"-d{seconds}s", *(["--latency"] if latency else []), url]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output) if latency else None


def darkroom_env(data: Path, run: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DARKROOM_")}
    metrics = data / "run" / f"metrics-{run}"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir(parents=True)
    env.update(
        DARKROOM_DATA_DIR=str(data),
        DARKROOM_ADMIN_USER=ADMIN[0],
        DARKROOM_ADMIN_PASSWORD=ADMIN[1],
        PROMETHEUS_MULTIPROC_DIR=str(metrics),  # as `darkroom serve` sets it for its workers
    )
    return env


def prepare(data: Path) -> str:
    """Migrate a fresh data folder, upload one JPEG, render its variant once: its public id."""
    env = darkroom_env(data, "prepare")
    migrate = [sys.executable, "-m", "darkroom", "migrate"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    argv = command("uvicorn-uvloop", TARGETS["healthz"], port)
    base = f"http://127.0.0.1:{port}"
    with running(argv, env, f"{base}/healthz"), httpx.Client(base_url=base, timeout=60) as http:
        files = {"image": ("photo.jpg", samples.jpeg(1600, 1200, seed=10), "image/jpeg")}
        answer = http.post(f"/accounts/{ACCOUNT}/images", files=files, auth=ADMIN)
        answer.raise_for_status()
        public_id: str = answer.json()["publicID"]
        http.get(f"/images/{public_id}", params={"size": VARIANT_SIZE}).raise_for_status()
    return public_id


def measure(
    binary: str, server: str, target: Target, data: Path, public_id: str, seconds: int
) -> Measure:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    path = {
        "bare": "/",
        "file": "/",
        "healthz": "/healthz",
        "variant": f"/images/{public_id}?size={VARIANT_SIZE}",
    }[target.name]
    env = darkroom_env(data, server) if target.darkroom else dict(os.environ)
    if target.name == "file":
        env["BENCH_FILE"] = str(data.parent / "body.bin")
    with running(command(server, target, port), env, base + path):
        answer = httpx.get(base + path)
        answer.raise_for_status()
        wrk(binary, base + path, WARMUP_S, latency=False)
        result = wrk(binary, base + path, seconds)
    assert result is not None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--rounds", type=int, default=3, help="repeat; medians are shown")
    args = parser.parse_args()
    targets = [TARGETS[name] for name in args.targets.split(",")]
    servers = args.servers.split(",")
    unknown = set(servers) - set(SERVERS)
    if unknown:
        raise SystemExit(f"unknown servers: {', '.join(sorted(unknown))}")
    binary = ensure_wrk()

    with tempfile.TemporaryDirectory(prefix="darkroom-servers-") as scratch:
        data = Path(scratch) / "data"
        (Path(scratch) / "body.bin").write_bytes(BODY)
        public_id = prepare(data) if any(t.darkroom for t in targets) else ""
        print(
            f"{WORKERS} workers each, wrk -t2 -c32 -d{args.seconds}s, {os.cpu_count()} cores, "
            f"Python {sys.version.split()[0]}, {args.rounds} round(s), medians shown"
        )
        print("ratio: req/s over the best server's for the same target in the same round")
        print(
            f"{'target':8} {'server':15} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>6} {'ratio':>6} {'range':>10}"
        )
        for target in targets:
            runs: dict[str, list[Measure]] = {server: [] for server in servers}
            ratios: dict[str, list[float]] = {server: [] for server in servers}
            for _ in range(args.rounds):
                # Back to back: the figures of one round share the machine's load.
                this_round = {
                    server: measure(binary, server, target, data, public_id, args.seconds)
                    for server in servers
                }
                best = max(m.requests_per_s for m in this_round.values())
                for server, m in this_round.items():
                    runs[server].append(m)
                    ratios[server].append(m.requests_per_s / best)
            for server, ms in runs.items():
                spread = f"{min(ratios[server]):.2f}-{max(ratios[server]):.2f}"
                print(
                    f"{target.name:8} {server:15} "
                    f"{statistics.median(m.requests_per_s for m in ms):9.0f} "
                    f"{statistics.median(m.p50_ms for m in ms):8.2f} "
                    f"{statistics.median(m.p99_ms for m in ms):8.2f} "
                    f"{sum(m.errors for m in ms):6d} "
                    f"{statistics.median(ratios[server]):5.2f}x {spread:>10}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
