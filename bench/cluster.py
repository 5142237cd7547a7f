"""Throughput of a mixed workload on one darkroom instance and on two sharing the same parts.

Issue 9: several instances on one PostgreSQL server and one S3 endpoint. This starts real
``python -m darkroom serve`` processes with the cluster harness of the tests
(``tests/cluster/_cluster.py``: ``DARKROOM_*``/``AWS_*`` environment, loopback ports) on a
throwaway PostgreSQL server (``tests/_postgres.py``) and moto's S3 server
(``tests/storage/_s3.py``; no S3-compatible server package installs here), and drives the same
request sequence with the same number of keep-alive httpx workers, first against ONE instance,
then against TWO (requests round-robin over them), each run on its own fresh database and
bucket. The emulator runs in a child process so that it does not share the generator's GIL.

Workload (Moov door, HTTP Basic as the cluster's admin):
  80% cached reads: ``GET /images/{publicID}?size=200x200`` of 20 images rendered beforehand;
  15% uncached renders: the same images at sizes never asked before;
   5% uploads: ``POST /accounts/{id}/images`` of a new 160x120 JPEG (fresh seed, made up front).

    .venv/bin/python bench/cluster.py [--seconds 20] [--warmup 3] [--workers 8] [--two-first]

Prints per run requests/s (overall and per kind), p50/p95 latency per kind and errors (must be
0), then ``two instances / one instance: X.XXx``. On a 2-core machine the load generator, the
emulator, PostgreSQL and the instances all share the same cores, so this mostly shows overhead:
a second instance adds processes, not CPU.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from darkroom.db import migrate
from darkroom.db.engine import make_engine
from darkroom.db.models import Image
from darkroom.storage.s3 import make_client
from tests import images as samples
from tests._postgres import postgres_server
from tests.cluster._cluster import ADMIN, Cluster, build_cluster
from tests.conftest import TEMPLATE_DB, _with_database, fresh_postgres_database
from tests.storage._s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "bench"
PREFIX = "bench"
SOURCES = 20  # images whose 200x200 variant is cached before the run
CACHED_SIZE = "200x200"
MIX = (("read", 80), ("render", 15), ("upload", 5))
KINDS = tuple(kind for kind, _ in MIX)
SEED = 9
UPLOAD_POOL = 400  # upload bodies made before the runs (more are made inline, and reported)

# Runs tests/storage/_s3.py's emulator in its own process until its stdin closes.
_EMULATOR_CHILD = """
import sys
from tests.storage._s3 import EMULATOR
print(EMULATOR.endpoint(), flush=True)
sys.stdin.read()
EMULATOR.stop()
"""


@dataclass(frozen=True)
class Op:
    index: int
    kind: str
    source: int  # which of the SOURCES images (read, render)
    size: str = CACHED_SIZE
    seed: int = 0  # upload


def sequence() -> Iterator[Op]:
    """The same endless request sequence for every run."""
    rng = random.Random(SEED)
    kinds, weights = zip(*MIX, strict=True)
    widths = [itertools.count(64) for _ in range(SOURCES)]  # per image: 64, 65, ... (not 200)
    seeds = itertools.count(10_000)
    for index in itertools.count():
        kind = rng.choices(kinds, weights)[0]
        source = rng.randrange(SOURCES)
        if kind == "render":
            width = next(widths[source])
            if width == 200:
                width = next(widths[source])
            yield Op(index, kind, source, size=f"{width}x{width}")
        elif kind == "upload":
            yield Op(index, kind, source, seed=next(seeds))
        else:
            yield Op(index, kind, source)


def upload_body(seed: int) -> bytes:
    return samples.jpeg(160, 120, seed=seed)


@dataclass
class Result:
    instances: int
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: Counter[str] = field(default_factory=Counter)
    done: Counter[str] = field(default_factory=Counter)  # all completed, warm-up included
    inline_bodies: int = 0
    images_stored: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds in the measured window

    @property
    def total(self) -> int:
        return sum(len(values) for values in self.latencies.values())


def cpu_seconds(instance_pids: list[int], emulator_pid: int) -> dict[str, float]:
    """CPU time used so far (user + system) by each part, from /proc; ``rest`` is the rest of
    the machine (PostgreSQL's processes, mostly)."""
    tick = os.sysconf("SC_CLK_TCK")

    def of(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / tick

    busy = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    machine = (sum(map(int, busy)) - int(busy[3]) - int(busy[4])) / tick  # minus idle, iowait
    parts = {
        "instances": sum(of(pid) for pid in instance_pids),
        "generator": of(os.getpid()),
        "s3 emulator": of(emulator_pid),
    }
    return {**parts, "rest": machine - sum(parts.values())}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


@contextmanager
def s3_emulator() -> Iterator[tuple[str, int]]:
    child = subprocess.Popen(
        [sys.executable, "-c", _EMULATOR_CHILD],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        endpoint = child.stdout.readline().strip()
        if not endpoint.startswith("http"):
            raise RuntimeError("the S3 emulator did not start")
        yield endpoint, child.pid
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def migrated_template(url: str) -> None:
    """What tests/conftest.py's ``postgres_url`` fixture does: a migrated template database."""
    admin = make_engine(url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
    admin.dispose()
    template = make_engine(_with_database(url, TEMPLATE_DB))
    migrate.upgrade(template)
    template.dispose()


@contextmanager
def cluster_of(count: int, postgres_url: str, endpoint: str, folder: Path) -> Iterator[Cluster]:
    """``count`` instances on a fresh database and a fresh bucket, as tests/cluster/conftest.py
    builds its cluster."""
    database_url = fresh_postgres_database(postgres_url)
    client = make_client(
        endpoint_url=endpoint, access_key_id=ACCESS_KEY_ID, secret_access_key=SECRET_ACCESS_KEY
    )
    cluster = build_cluster(
        folder,
        database_url=database_url,
        client=client,
        endpoint=endpoint,
        prefix=PREFIX,
        names=[f"darkroom-{count}x-{i}" for i in range(count)],
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        cluster.rt.close()


def prepare(cluster: Cluster) -> list[str]:
    """Upload the source images, render their cached variant once, warm every instance's
    password cache (one scrypt each) and its code paths."""
    first = cluster.client(cluster.a, auth=ADMIN)
    public_ids = []
    for seed in range(1, SOURCES + 1):
        files = {"image": ("photo.jpg", samples.jpeg(640, 480, seed=seed), "image/jpeg")}
        answer = first.post(f"/accounts/{ACCOUNT}/images", files=files)
        answer.raise_for_status()
        public_ids.append(answer.json()["publicID"])
    for public_id in public_ids:
        first.get(f"/images/{public_id}", params={"size": CACHED_SIZE}).raise_for_status()
    for instance in cluster.instances:
        client = cluster.client(instance, auth=ADMIN)
        client.get(f"/accounts/{ACCOUNT}/images").raise_for_status()
        client.get(f"/images/{public_ids[0]}", params={"size": CACHED_SIZE}).raise_for_status()
    return public_ids


def run(
    cluster: Cluster,
    public_ids: list[str],
    bodies: dict[int, bytes],
    *,
    workers: int,
    warmup: float,
    seconds: float,
    emulator_pid: int,
) -> Result:
    result = Result(instances=len(cluster.instances), seconds=seconds)
    ops = sequence()
    lock = threading.Lock()
    clients = [
        [cluster.client(instance, auth=ADMIN) for instance in cluster.instances]
        for _ in range(workers)
    ]
    start = time.perf_counter() + 0.2
    measure_from, end = start + warmup, start + warmup + seconds

    def work(mine: list[httpx.Client]) -> None:
        while time.perf_counter() < start:
            time.sleep(0.005)
        while True:
            with lock:
                op = next(ops)
            body = bodies.get(op.seed) if op.kind == "upload" else None
            if op.kind == "upload" and body is None:
                body = upload_body(op.seed)
                with lock:
                    result.inline_bodies += 1
            client = mine[op.index % len(mine)]
            began = time.perf_counter()
            if began >= end:
                return
            try:
                if op.kind == "upload":
                    files = {"image": ("photo.jpg", body, "image/jpeg")}
                    answer = client.post(f"/accounts/{ACCOUNT}/images", files=files)
                else:
                    path = f"/images/{public_ids[op.source]}"
                    answer = client.get(path, params={"size": op.size})
                failed = "" if answer.status_code < 400 else f"{op.kind} {answer.status_code}"
            except httpx.HTTPError as error:
                failed = f"{op.kind} {type(error).__name__}"
            finished = time.perf_counter()
            with lock:
                if failed:
                    result.errors[failed] += 1
                else:
                    result.done[op.kind] += 1
                    if began >= measure_from and finished <= end:
                        result.latencies[op.kind].append(finished - began)

    threads = [threading.Thread(target=work, args=(mine,)) for mine in clients]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    before = cpu_seconds([instance.pid for instance in cluster.instances], emulator_pid)
    time.sleep(max(0.0, end - time.perf_counter()))
    after = cpu_seconds([instance.pid for instance in cluster.instances], emulator_pid)
    result.cpu = {part: after[part] - before[part] for part in after}
    for thread in threads:
        thread.join()
    with cluster.rt.reading() as session:
        result.images_stored = session.scalar(select(func.count()).select_from(Image)) or 0
    return result


def report(result: Result) -> None:
    label = "ONE instance" if result.instances == 1 else "TWO instances (round-robin)"
    print(f"\n{label}: {result.total / result.seconds:.1f} requests/s over {result.seconds:.0f} s")
    print(f"  {'kind':8} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in KINDS:
        values = result.latencies[kind]
        print(
            f"  {kind:8} {len(values):8} {len(values) / result.seconds:8.1f}"
            f" {percentile(values, 0.5) * 1000:8.1f} {percentile(values, 0.95) * 1000:8.1f}"
        )
    errors = sum(result.errors.values())
    detail = f" ({', '.join(f'{k}: {v}' for k, v in result.errors.items())})" if errors else ""
    print(f"  errors: {errors}{detail}")
    expected = SOURCES + result.done["upload"]
    print(f"  images in the shared database: {result.images_stored} (expected {expected})")
    shares = ", ".join(f"{part} {used / result.seconds:.2f}" for part, used in result.cpu.items())
    idle = (os.cpu_count() or 1) - sum(result.cpu.values()) / result.seconds
    print(f"  cores busy (CPU s per s, of {os.cpu_count()}): {shares}; idle {idle:.2f}")
    if result.inline_bodies:
        print(f"  note: {result.inline_bodies} upload bodies were made during the run")


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured time per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured time per run")
    parser.add_argument("--workers", type=int, default=8, help="concurrent client threads")
    parser.add_argument(
        "--two-first", action="store_true", help="run the two-instance run first (order check)"
    )
    args = parser.parse_args()
    began = time.perf_counter()

    print(f"machine: {machine()}")
    print(
        f"load generator: {args.workers} threads (httpx, keep-alive) in this process; it shares"
        f" the {os.cpu_count()} cores with the darkroom instances, PostgreSQL and the S3 emulator"
    )
    print(
        f"workload: {', '.join(f'{w}% {k}' for k, w in MIX)} (read: cached {CACHED_SIZE} variant of"
        f" {SOURCES} images; render: a size never asked before; upload: a new 160x120 JPEG);"
        f" {args.warmup:.0f} s warm-up,"
        f" {args.seconds:.0f} s measured per run; same sequence (seed {SEED}) in both runs"
    )
    uploads = itertools.islice((op for op in sequence() if op.kind == "upload"), UPLOAD_POOL)
    bodies = {op.seed: upload_body(op.seed) for op in uploads}

    results: list[Result] = []
    with (
        postgres_server() as server,
        s3_emulator() as (endpoint, emulator_pid),
        tempfile.TemporaryDirectory(prefix="darkroom-cluster-bench-") as folder,
    ):
        with make_engine(server.url).connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        print(f"PostgreSQL {version} (throwaway, fsync off), moto S3 server, loopback HTTP")
        migrated_template(server.url)
        for count in (2, 1) if args.two_first else (1, 2):
            with cluster_of(count, server.url, endpoint, Path(folder)) as cluster:
                public_ids = prepare(cluster)
                result = run(
                    cluster,
                    public_ids,
                    bodies,
                    workers=args.workers,
                    warmup=args.warmup,
                    seconds=args.seconds,
                    emulator_pid=emulator_pid,
                )
            report(result)
            results.append(result)

    one, two = (r.total / r.seconds for r in sorted(results, key=lambda r: r.instances))
    print(f"\ntwo instances / one instance: {two / one:.2f}x")
    print(f"(whole benchmark: {time.perf_counter() - began:.0f} s)")
    if any(r.errors for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
