"""Delivery against references measured in the same run: cached variants, 304s, originals,
uncached renders, memory and a flood of anonymous sizes (issue 10, "Benchmarks").

Starts ``python -m darkroom serve`` on a throwaway data folder, uploads photo-like images over
the APIs, and drives darkroom and a reference with the same wrk options (same threads and
connections, so the generator takes the same share of the cores on both sides):

  cached    GET /images/{publicID}?size=400x400 (a Moov public variant, cached by a first
            request) vs nginx serving the variant's file from darkroom's blob folder
  304       the same with If-None-Match: <each server's own ETag>
  original  GET /rest/v1.0/image_files/{public_id} (a Procore original of about 2.8 MB) vs nginx
            serving that blob's file
  renders   every request a new (image, size) of 12 MP JPEGs, square boxes from 400 px outwards
            (300..1999), vs thumbor (--processes 2, file loader on darkroom's blob files), both
            with `Connection: close`; and darkroom's server CPU per render against in-process
            ``pyvips.Image.thumbnail`` + JPEG encode of the same originals, in this script
  flood     on a fresh server: 10,000 distinct anonymous sizes of one image while a wrk client
            keeps asking for a cached variant of another: its p99, the 429s, and the bytes under
            variants/ at the end against DARKROOM_VARIANT_CACHE_BYTES (when given)

Peak RSS (darkroom's parent and workers summed, from /proc) is sampled during cached and renders.
Installs what it compares against when missing (apt-get wrk and nginx-light with a policy-rc.d
that starts nothing; thumbor into bench/.work/thumbor-venv). Everything runs on 127.0.0.1 and
is stopped by PID at the end, also on errors, Ctrl-C and SIGTERM.

    .venv/bin/python bench/delivery.py [--only cached,304,original,renders,flood]
        [--seconds 10] [--workers N] [--server-env KEY=VALUE ...] [--flood-env KEY=VALUE ...]
        [--json out.json]

``--server-env`` goes to every darkroom server (e.g. DARKROOM_RENDER_RATE=0, so the renders are
not rate-limited); ``--flood-env`` to the flood's server only, on top (``KEY=`` with nothing
after it unsets KEY there, e.g. ``--flood-env DARKROOM_RENDER_RATE=`` keeps the rate limit on).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyvips

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _images, _install, _procs, _references  # noqa: E402
from bench._darkroom import Darkroom, serve_options  # noqa: E402
from bench._flood import flood  # noqa: E402
from bench._references import start_nginx, start_thumbor  # noqa: E402
from bench._report import WRK_HEADER, Report, fmt, table, wrk_rows  # noqa: E402
from bench._wrk import WrkResult, WrkRun  # noqa: E402

WORK = ROOT / "bench" / ".work"
IMAGES = WORK / "images"
SCENARIOS = ("cached", "304", "original", "renders", "flood")
CACHED_SIZE = "400x400"
ORIGINAL_BYTES = 2_800_000
BOX_RANGE = (300, 1999)  # box sides of renders and flood: below Moov's 2048 clamp, below 4000
RENDER_START = 400  # render boxes are walked from here outwards: 400, 401, 399, 402, ...
WARM_BOXES = range(2000, 2004)  # outside the measured boxes: warm-up renders
REFERENCE_RENDERS = 24  # in-process renders timed (the first items of the render sequence)
FLOOD_SIZES = 10_000
FLOOD_CONNECTIONS = 16
VICTIM_CONNECTIONS = 4
QUALITY = 82  # darkroom's JPEG quality; thumbor's and the in-process reference's too

GOAL_RATIO = 0.25
GOAL_P99_MS = 10.0
GOAL_RENDER_RATIO = 1.5
GOAL_CPU_RATIO = 0.6
GOAL_RSS_MB = 600.0
MB = 1_000_000


@dataclass(frozen=True)
class Options:
    only: tuple[str, ...]
    seconds: float
    warmup: float
    threads: int
    connections: int
    render_connections: int
    render_images: int
    thumbor_processes: int
    flood_seconds: float
    workers: int | None
    server_env: dict[str, str]
    flood_env: dict[str, str]
    json_path: Path | None
    keep: bool


@dataclass
class World:
    """What one phase runs against: a darkroom server and, when needed, nginx."""

    options: Options
    wrk: str
    folder: Path
    stack: contextlib.ExitStack  # stops what the phase started
    darkroom: Darkroom
    nginx_url: str = ""
    copies: Path = Path()
    cached_path: str = ""  # darkroom path of the cached variant (cached, 304, flood)


# --- helpers --------------------------------------------------------------------------------------


def stored_file(root: Path, data: bytes) -> Path | None:
    """The file under ``root`` holding exactly ``data``, if darkroom keeps one."""
    digest = hashlib.sha256(data).digest()
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            with contextlib.suppress(OSError):
                if path.stat().st_size == len(data) and _sha256(path) == digest:
                    return path
    return None


def _sha256(path: Path) -> bytes:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").digest()


def nginx_path(world: World, data: bytes, name: str, report: Report) -> str:
    """nginx's path to the same bytes: darkroom's own file, else a copy (and a note)."""
    found = stored_file(world.darkroom.store_root, data)
    if found is not None:
        return "/store/" + found.relative_to(world.darkroom.store_root).as_posix()
    (world.copies / name).write_bytes(data)
    report.note(
        f"{name}: no file under darkroom's blob folder holds the bytes it sends; nginx "
        "serves a copy in another folder of the same disk"
    )
    return f"/copies/{name}"


def folder_bytes(root: Path) -> tuple[int, int]:
    """Bytes and files under ``root``."""
    total = count = 0
    for folder, _, names in os.walk(root):
        for name in names:
            with contextlib.suppress(OSError):
                total += (Path(folder) / name).stat().st_size
                count += 1
    return total, count


def render_boxes() -> list[int]:
    """400, 401, 399, 402, 398, ... within BOX_RANGE: renders stay near 400 px while a run is
    short, and no two are alike."""
    low, high = BOX_RANGE
    out = [RENDER_START]
    for step in range(1, high - low + 1):
        out += [side for side in (RENDER_START + step, RENDER_START - step) if low <= side <= high]
    return out


def render_sequence(images: int) -> list[tuple[int, int]]:
    """(image index, box side) of every render request: images round-robin, then the next box."""
    return [(image, side) for side in render_boxes() for image in range(images)]


def flood_sizes() -> list[str]:
    """10,000 distinct ``WxH`` (width 300..1999 in turn, height from 1999 down)."""
    low, high = BOX_RANGE
    span = high - low + 1
    return [f"{low + n % span}x{high - n // span}" for n in range(FLOOD_SIZES)]


def load(
    world: World,
    url: str,
    *,
    seconds: float,
    threads: int | None = None,
    connections: int | None = None,
    headers: Mapping[str, str] | None = None,
    paths: Sequence[str] | None = None,
    count_statuses: bool = False,
) -> WrkResult:
    """One wrk run with the benchmark's threads and connections unless told otherwise."""
    run = WrkRun(
        world.wrk,
        url,
        threads=threads or world.options.threads,
        connections=connections or world.options.connections,
        seconds=seconds,
        headers=headers,
        paths=paths,
        count_statuses=count_statuses,
    )
    return run.result(timeout=seconds + 60)


def measured(
    world: World, url: str, headers: Mapping[str, str] | None = None
) -> tuple[WrkResult, int]:
    """A warm-up run, then the measured one; returns it and darkroom's peak RSS meanwhile."""
    if world.options.warmup > 0:
        load(world, url, seconds=world.options.warmup, headers=headers)
    with _procs.RssSampler(world.darkroom.service_pid) as rss:
        result = load(world, url, seconds=world.options.seconds, headers=headers)
    return result, rss.peak


def fetch(url: str, headers: Mapping[str, str] | None = None) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=120)


def expect(answer: httpx.Response, status: int, what: str) -> httpx.Response:
    """``answer``, when its status is ``status`` (0: any)."""
    if status and answer.status_code != status:
        raise RuntimeError(
            f"{what}: expected {status}, got {answer.status_code}: {answer.text[:300]}"
        )
    return answer


def wrk_options(options: Options, connections: int | None = None) -> str:
    return f"wrk -t{options.threads} -c{connections or options.connections} -d{options.seconds:g}s"


# --- scenarios: cached variant, 304, original -----------------------------------------------------


def file_server(
    world: World,
    report: Report,
    name: str,
    title: str,
    path: str,
    *,
    conditional: bool = False,
) -> None:
    """darkroom's ``path`` against nginx serving the same bytes, both measured the same way."""
    darkroom = world.darkroom
    first = expect(fetch(darkroom.url + path), 200, f"darkroom {path}")
    reference = nginx_path(world, first.content, f"{name}.jpg", report)
    ours: dict[str, str] = {}
    theirs: dict[str, str] = {}
    if conditional:
        ours = {"If-None-Match": first.headers["etag"]}
        theirs = {"If-None-Match": fetch(world.nginx_url + reference).headers["etag"]}
        expect(fetch(darkroom.url + path, ours), 304, "darkroom If-None-Match")
        expect(fetch(world.nginx_url + reference, theirs), 304, "nginx If-None-Match")
    dark, rss = measured(world, darkroom.url + path, ours)
    ref, _ = measured(world, world.nginx_url + reference, theirs)
    alone = None
    if name != "original":
        alone = server_alone(world, name, expect(fetch(darkroom.url + path, ours), 0, ""), ours)
    ratio = dark.rps / ref.rps if ref.rps else 0.0
    report.scenarios[name] = {
        "darkroom_path": path,
        "nginx_path": reference,
        "bytes": len(first.content),
        "darkroom": dark.as_dict(),
        "nginx": ref.as_dict(),
        "ratio": round(ratio, 4),
        "darkroom_peak_rss_mb": round(rss / MB, 1),
    }
    rows = {"darkroom": dark, "nginx": ref, **({"granian alone": alone} if alone else {})}
    table(f"{title}, {wrk_options(world.options)}", WRK_HEADER, wrk_rows(rows))
    print(f"  darkroom / nginx req/s: {ratio:.4f}   darkroom peak RSS: {rss / MB:.0f} MB")
    if alone is not None and alone.rps:
        ceiling = ref.rps and alone.rps / ref.rps
        report.scenarios[name]["granian_alone"] = alone.as_dict()
        report.scenarios[name]["of_server_alone"] = round(dark.rps / alone.rps, 4)
        print(
            f"  granian alone (a bare ASGI app sending darkroom's answer) / nginx: {ceiling:.4f};"
            f" darkroom / granian alone: {dark.rps / alone.rps:.4f}"
        )
    same = "" if name == "cached" else " (as cached)"
    report.goal(
        f"{name}: darkroom/nginx req/s",
        f">= {GOAL_RATIO}{same}",
        f"{ratio:.4f}",
        ratio >= GOAL_RATIO,
    )
    if name != "original":
        report.goal(
            f"{name}: darkroom p99",
            f"<= {GOAL_P99_MS:g} ms",
            f"{dark.p99_ms:.1f} ms",
            dark.p99_ms <= GOAL_P99_MS,
        )


def server_alone(
    world: World, name: str, answer: httpx.Response, headers: Mapping[str, str]
) -> WrkResult:
    """wrk against granian, with darkroom's workers, serving a bare ASGI app that sends
    ``answer`` as darkroom sent it (bench/_replay_asgi.py): the server's own ceiling."""
    recorded = world.folder / f"{name}-answer.json"
    body = world.folder / f"{name}-answer.body"
    body.write_bytes(answer.content)
    # What the server adds itself (it sets its own date, and the length of what is sent).
    own = {"date", "server", "content-length", "transfer-encoding"}
    pairs = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in own]
    recorded.write_text(
        json.dumps({"status": answer.status_code, "headers": pairs, "body": str(body)})
    )
    port = _references.free_port()
    argv = [str(Path(sys.executable).with_name("granian")), "--interface", "asgi", "--loop",
            "uvloop", "--workers", str(world.options.workers or os.cpu_count() or 1),
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "bench._replay_asgi:app"]  # fmt: skip
    env = {**os.environ, "BENCH_REPLAY": str(recorded)}
    service = _procs.Service(
        "granian-alone", argv, log=world.folder / "granian-alone.log", env=env, cwd=ROOT
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _references.wait_http(service, url)
        if world.options.warmup > 0:
            load(world, url, seconds=world.options.warmup, headers=headers)
        return load(world, url, seconds=world.options.seconds, headers=headers)
    finally:
        service.stop()


def cached_variant(world: World, report: Report) -> None:
    size = len(fetch(world.darkroom.url + world.cached_path).content)
    file_server(
        world,
        report,
        "cached",
        f"cached variant: GET {world.cached_path} ({size:,} bytes)",
        world.cached_path,
    )


def not_modified(world: World, report: Report) -> None:
    file_server(
        world,
        report,
        "304",
        f"304: GET {world.cached_path} with If-None-Match (each server's own ETag)",
        world.cached_path,
        conditional=True,
    )


def original(world: World, report: Report) -> None:
    darkroom = world.darkroom
    source = _images.photo_of_size(IMAGES, 3, ORIGINAL_BYTES)
    path = urlsplit(darkroom.procore_upload(source, darkroom.procore_token())).path
    if fetch(darkroom.url + path).content != source.read_bytes():
        report.note("the Procore original darkroom sends differs from the uploaded file")
    title = f"original: GET {path} (Procore image_files, {source.stat().st_size:,} bytes)"
    file_server(world, report, "original", title, path)


# --- scenario: uncached renders -------------------------------------------------------------------


def in_process_cpu(sources: Sequence[Path], sequence: Sequence[tuple[int, int]]) -> float:
    """Mean CPU seconds of ``pyvips.Image.thumbnail`` + JPEG encode over ``sequence``."""

    def once(image: int, side: int) -> float:
        began = time.process_time()
        thumb = pyvips.Image.thumbnail(str(sources[image]), side, height=side)
        thumb.jpegsave_buffer(Q=QUALITY)
        return time.process_time() - began

    for image, side in sequence[:2]:
        once(image, side)  # warm-up: libvips loads its operations
    return statistics.mean(once(image, side) for image, side in sequence)


def thumbor_sources(
    world: World, report: Report, sources: Sequence[Path]
) -> tuple[Path, list[str]]:
    """thumbor's file-loader root and each original's path under it: darkroom's blob files
    when it keeps them, else the bench's own copies of what was uploaded (and a note)."""
    root = world.darkroom.store_root
    found = [stored_file(root, source.read_bytes()) for source in sources]
    if all(path is not None for path in found):
        return root, [path.relative_to(root).as_posix() for path in found if path is not None]
    report.note("thumbor reads the bench's copies of the originals (no blob file under darkroom)")
    return IMAGES, [source.name for source in sources]


def _dimensions(answer: httpx.Response) -> tuple[int, int]:
    image = pyvips.Image.new_from_buffer(answer.content, "")
    return int(image.width), int(image.height)


def render_load(world: World, url: str, paths: list[str], pid: int) -> tuple[WrkResult, float, int]:
    """A render run: wrk's result, the server tree's CPU seconds and peak RSS meanwhile."""
    pids = _procs.tree(pid)
    with _procs.RssSampler(pid) as rss:
        before = _procs.cpu_seconds(pids)
        result = load(
            world,
            url,
            seconds=world.options.seconds,
            connections=world.options.render_connections,
            headers={"Connection": "close"},
            paths=paths,
            count_statuses=True,
        )
        cpu = _procs.cpu_seconds(pids) - before
    return result, cpu, rss.peak


def renders(world: World, report: Report) -> None:
    darkroom, options = world.darkroom, world.options
    sources = [_images.photo(IMAGES, 10 + i) for i in range(options.render_images)]
    public_ids = [darkroom.moov_upload(source) for source in sources]
    sequence = render_sequence(len(sources))
    reference_cpu = in_process_cpu(sources, sequence[:REFERENCE_RENDERS])
    root, keys = thumbor_sources(world, report, sources)
    thumbor, thumbor_url = start_thumbor(
        _install.thumbor(WORK / "thumbor-venv"),
        root,
        world.folder / "thumbor",
        processes=options.thumbor_processes,
    )
    world.stack.callback(thumbor.stop)
    ours = [f"/images/{public_ids[i]}?size={side}x{side}" for i, side in sequence]
    theirs = [f"/unsafe/fit-in/{side}x{side}/{keys[i]}" for i, side in sequence]
    for side in WARM_BOXES:  # warm-up, and a check that both sides make the same picture
        for i in range(len(sources)):
            made = [
                _dimensions(expect(fetch(url), 200, url))
                for url in (
                    f"{darkroom.url}/images/{public_ids[i]}?size={side}x{side}",
                    f"{thumbor_url}/unsafe/fit-in/{side}x{side}/{keys[i]}",
                )
            ]
            if max(abs(a - b) for a, b in zip(*made, strict=True)) > 1:  # rounding may differ
                report.note(f"box {side}: darkroom made {made[0]}, thumbor {made[1]}")

    _, files_before = folder_bytes(darkroom.store_root / "variants")
    dark, dark_cpu, dark_rss = render_load(world, darkroom.url, ours, darkroom.service_pid)
    new_files = folder_bytes(darkroom.store_root / "variants")[1] - files_before
    thumb, thumb_cpu, _ = render_load(world, thumbor_url, theirs, thumbor.pid)
    if dark.wrapped or thumb.wrapped:
        report.note("the render sequence ran out and restarted: some renders were cache hits")
    if new_files < 0.9 * dark.statuses.get(200, 0):
        report.note(
            f"darkroom answered {dark.statuses.get(200, 0)} renders but stored {new_files} new "
            "variant files: some sizes may have shared a variant (or were evicted)"
        )
    figures: dict[str, dict[str, Any]] = {}
    rows = []
    for name, result, cpu in (("darkroom", dark, dark_cpu), ("thumbor", thumb, thumb_cpu)):
        done = result.statuses.get(200, 0)
        rate = done / result.seconds if result.seconds else 0.0
        per = cpu / done if done else float("nan")
        last_box = sequence[min(len(sequence), max(1, result.issued)) - 1][1]
        figures[name] = {
            **result.as_dict(),
            "renders": done,
            "renders_per_s": round(rate, 1),
            "cpu_s": round(cpu, 2),
            "cpu_ms_per_render": round(per * 1e3, 2),
            "last_box": last_box,
        }
        label = name if name == "darkroom" else f"thumbor x{options.thumbor_processes}"
        rows.append(
            [
                label,
                fmt(rate),
                fmt(result.p50_ms),
                fmt(result.p99_ms),
                str(done),
                str(result.requests - done),
                fmt(per * 1e3),
                str(last_box),
            ]
        )
    rows.append(["in-process libvips", "", "", "", "", "", fmt(reference_cpu * 1e3), ""])
    thumbor_rate = figures["thumbor"]["renders_per_s"]
    ratio = figures["darkroom"]["renders_per_s"] / thumbor_rate if thumbor_rate else 0.0
    cpu_ratio = figures["darkroom"]["cpu_ms_per_render"] / (reference_cpu * 1e3)
    # Renders per CPU-second: what each side would do with the cores to itself, which holds
    # up better than renders/s on a busy machine (there the side with more threads gets more).
    per_cpu = figures["thumbor"]["cpu_ms_per_render"] / figures["darkroom"]["cpu_ms_per_render"]
    report.scenarios["renders"] = {
        "images": len(sources),
        "source_bytes": [source.stat().st_size for source in sources],
        "thumbor_root": "darkroom's blob folder" if root != IMAGES else "bench copies",
        "thumbor_processes": options.thumbor_processes,
        **figures,
        "darkroom_peak_rss_mb": round(dark_rss / MB, 1),
        "darkroom_new_variant_files": new_files,
        "in_process_cpu_ms_per_render": round(reference_cpu * 1e3, 2),
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "per_cpu_ratio": round(per_cpu, 3),
    }
    table(
        f"renders: {len(sources)} JPEGs of 12 MP (~{sources[0].stat().st_size / MB:.1f} MB), a new "
        f"box per request, from {RENDER_START}x{RENDER_START} outwards; "
        f"{wrk_options(options, options.render_connections)} -H 'Connection: close'",
        ("server", "renders/s", "p50 ms", "p99 ms", "200s", "other", "CPU ms/render", "last box"),
        rows,
    )
    print(
        f"  darkroom / thumbor renders/s: {ratio:.2f} (per CPU-second: {per_cpu:.2f})   "
        f"darkroom CPU per render / in-process: {cpu_ratio:.2f}   "
        f"darkroom peak RSS: {dark_rss / MB:.0f} MB"
    )
    report.goal(
        f"renders: darkroom/thumbor x{options.thumbor_processes} req/s",
        f">= {GOAL_RENDER_RATIO}",
        f"{ratio:.2f}",
        ratio >= GOAL_RENDER_RATIO,
    )
    report.goal(
        "renders: server CPU per render / in-process",
        f"<= {GOAL_CPU_RATIO}",
        f"{cpu_ratio:.2f}",
        cpu_ratio <= GOAL_CPU_RATIO,
    )


# --- scenario: flood ------------------------------------------------------------------------------


def flood_scenario(world: World, report: Report) -> None:
    darkroom, options = world.darkroom, world.options
    flood_id = darkroom.moov_upload(_images.photo(IMAGES, 2))
    victim_url = darkroom.url + world.cached_path
    alone = load(
        world,
        victim_url,
        seconds=max(2.0, options.seconds / 3),
        threads=1,
        connections=VICTIM_CONNECTIONS,
    )
    paths = [f"/images/{flood_id}?size={size}" for size in flood_sizes()]
    before, _ = folder_bytes(darkroom.store_root / "variants")
    victim = WrkRun(
        world.wrk,
        victim_url,
        threads=1,
        connections=VICTIM_CONNECTIONS,
        seconds=options.flood_seconds + 30,
    )
    try:
        flooded = flood(
            "127.0.0.1",
            darkroom.port,
            paths,
            connections=FLOOD_CONNECTIONS,
            max_seconds=options.flood_seconds,
        )
    finally:
        victim.interrupt()  # wrk stops on SIGINT and prints its summary
    during = victim.result(timeout=60)
    time.sleep(1.0)  # an eviction that runs after a store may still be finishing
    stored, files = folder_bytes(darkroom.store_root / "variants")
    budget_text = darkroom.env.get("DARKROOM_VARIANT_CACHE_BYTES", "")
    budget = int(budget_text) if budget_text.isdigit() else None
    limited = flooded.statuses.get("429", 0)
    report.scenarios["flood"] = {
        "sizes": len(paths),
        "sent": flooded.sent,
        "seconds": round(flooded.seconds, 2),
        "stopped_early": flooded.stopped_early,
        "statuses": dict(flooded.statuses),
        "victim_alone": alone.as_dict(),
        "victim_during": during.as_dict(),
        "variant_bytes_before": before,
        "variant_bytes": stored,
        "variant_files": files,
        "variant_cache_bytes_setting": budget,
    }
    cut = f" (--flood-seconds {options.flood_seconds:g} reached)" if flooded.stopped_early else ""
    table(
        f"flood: {flooded.sent:,} of {len(paths):,} distinct sizes of one image in "
        f"{flooded.seconds:.1f} s{cut} over {FLOOD_CONNECTIONS} connections, while "
        f"wrk -t1 -c{VICTIM_CONNECTIONS} asks for {world.cached_path}",
        ("victim", *WRK_HEADER[1:]),
        wrk_rows({"alone": alone, "during flood": during}),
    )
    answers = ", ".join(f"{k}: {v:,}" for k, v in sorted(flooded.statuses.items()))
    print(f"  flood answers: {answers}")
    print(
        f"  variants/: {stored / MB:.1f} MB in {files:,} files at the end ({before / MB:.1f} MB "
        f"before); DARKROOM_VARIANT_CACHE_BYTES: {budget if budget is not None else 'not given'}"
    )
    report.goal(
        "flood: p99 of cached hits during the flood",
        f"<= {GOAL_P99_MS:g} ms",
        f"{during.p99_ms:.1f} ms",
        during.p99_ms <= GOAL_P99_MS,
    )
    report.goal("flood: 429s to the flood", "> 0 (rate limit)", f"{limited:,}", limited > 0)
    within = f"{stored / MB:.1f} MB" + (f" of {budget / MB:.1f} MB" if budget else " (no budget)")
    report.goal(
        "flood: variants/ within DARKROOM_VARIANT_CACHE_BYTES",
        "within budget",
        within,
        None if budget is None else stored <= budget,
    )


# --- the run --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True
        ).stdout.strip()

    dirty = git("status", "--porcelain", "--", "darkroom")
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "libvips": f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}",
        "darkroom_commit": git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else ""),
    }


@contextlib.contextmanager
def phase(
    name: str,
    options: Options,
    wrk: str,
    folder: Path,
    env: Mapping[str, str],
    workers: int | None,
    *,
    nginx: str = "",
) -> Iterator[World]:
    """A darkroom server (and nginx on its blob folder) for some scenarios; stopped after."""
    with contextlib.ExitStack() as stack:
        here = folder / name
        here.mkdir()
        darkroom = Darkroom(here, extra_env=env, workers=workers)
        stack.callback(darkroom.start().stop)
        processes = len(_procs.tree(darkroom.service_pid))
        print(
            f"darkroom ({name}): {' '.join(darkroom.argv[1:])} on {darkroom.url}, {processes} "
            f"process(es); extra env: {dict(env) or 'none'}",
            flush=True,
        )
        world = World(options=options, wrk=wrk, folder=here, stack=stack, darkroom=darkroom)
        if nginx:
            world.copies = here / "copies"
            service, world.nginx_url = start_nginx(
                nginx, darkroom.store_root, world.copies, here / "nginx"
            )
            stack.callback(service.stop)
        yield world


def upload_cached(world: World) -> None:
    """The Moov image whose 400x400 variant the cached, 304 and flood scenarios ask for."""
    public_id = world.darkroom.moov_upload(_images.photo(IMAGES, 1))
    world.cached_path = f"/images/{public_id}?size={CACHED_SIZE}"
    expect(fetch(world.darkroom.url + world.cached_path), 200, "first request of the variant")


def load_average() -> float:
    """The machine's 1-minute load average (other work on the cores skews every figure)."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def run(options: Options, report: Report) -> None:
    info = machine()
    report.scenarios["machine"] = info
    loads: dict[str, float] = {"start": load_average()}
    info["load_average"] = loads

    def heading(name: str) -> None:
        loads[name] = load_average()
        print(f"\n== {name} (load average {loads[name]:.1f})", flush=True)

    print(
        f"machine: {info['cores']} cores ({info['cpu']}), Python {info['python']}, libvips "
        f"{info['libvips']}, darkroom {info['darkroom_commit']}; test images under {IMAGES}"
    )
    wrk = _install.debian_binary("wrk", ["wrk"])
    served = [s for s in options.only if s in ("cached", "304", "original")]
    nginx = _install.debian_binary("nginx", ["nginx-light", "nginx"]) if served else ""
    workers = options.workers
    if workers is not None and "--workers" not in serve_options():
        report.note("this darkroom's serve has no --workers option: flag ignored")
        workers = None
    report.scenarios["setup"] = {
        "workers": workers,
        "server_env": options.server_env,
        "flood_env": options.flood_env,
    }
    folder = Path(tempfile.mkdtemp(prefix="darkroom-delivery-"))
    folder.chmod(0o755)  # nginx's workers (user nobody) read darkroom's blob folder
    try:
        main = [s for s in options.only if s != "flood"]
        if main:
            with phase(
                "main", options, wrk, folder, options.server_env, workers, nginx=nginx
            ) as world:
                if {"cached", "304"} & set(main):
                    upload_cached(world)
                for name in main:
                    heading(name)
                    {
                        "cached": cached_variant,
                        "304": not_modified,
                        "original": original,
                        "renders": renders,
                    }[name](world, report)
        if "flood" in options.only:
            heading("flood")
            env = {**options.server_env, **options.flood_env}
            with phase("flood", options, wrk, folder, env, workers) as world:
                upload_cached(world)
                flood_scenario(world, report)
    finally:
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    loads["end"] = load_average()
    if max(loads.values()) > (os.cpu_count() or 1):
        report.note(
            f"the machine was busy with other work (1-minute load average up to "
            f"{max(loads.values()):.1f} on {os.cpu_count()} cores): absolute figures are low, and "
            "renders/s leans towards the side with more threads; compare the ratios of one run, "
            "and renders per CPU-second"
        )
    peaks = [
        report.scenarios[s]["darkroom_peak_rss_mb"]
        for s in ("cached", "renders")
        if s in report.scenarios
    ]
    if peaks:
        report.goal(
            "peak RSS of the server, all processes (cached, renders)",
            f"<= {GOAL_RSS_MB:g} MB",
            f"{max(peaks):.0f} MB",
            max(peaks) <= GOAL_RSS_MB,
        )


def _env_pairs(parser: argparse.ArgumentParser, items: Sequence[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"{flag} wants KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--only", default=",".join(SCENARIOS), help="comma-separated scenarios (default: all)")
    add("--seconds", type=float, default=10.0, help="measured seconds per run (default 10)")
    add("--warmup", type=float, default=2.0, help="unmeasured seconds before each file run")
    add("--threads", type=int, default=2, help="wrk threads, both sides (default 2)")
    add("--connections", type=int, default=32, help="wrk connections, both sides (default 32)")
    add("--render-connections", type=int, default=8, help="wrk connections for renders (8)")
    add("--render-images", type=int, default=8, help="12 MP images renders go round (8)")
    add("--thumbor-processes", type=int, default=2, help="thumbor --processes (2: one a core)")
    add("--flood-seconds", type=float, default=60.0, help="longest flood, seconds (default 60)")
    add("--workers", type=int, default=None, help="darkroom serve --workers N (default: its own)")
    add(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="environment for every darkroom server (repeatable)",
    )
    add(
        "--flood-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="environment for the flood's server, on top of --server-env (KEY= unsets KEY)",
    )
    add("--json", type=Path, default=None, help="also write the figures to this file")
    add("--keep", action="store_true", help="keep the data folders and logs")
    args = parser.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if unknown := sorted(only - set(SCENARIOS)):
        parser.error(
            f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
        )
    return Options(
        only=tuple(s for s in SCENARIOS if s in only),
        seconds=args.seconds,
        warmup=args.warmup,
        threads=args.threads,
        connections=args.connections,
        render_connections=args.render_connections,
        render_images=args.render_images,
        thumbor_processes=args.thumbor_processes,
        flood_seconds=args.flood_seconds,
        workers=args.workers,
        server_env=_env_pairs(parser, args.server_env, "--server-env"),
        flood_env=_env_pairs(parser, args.flood_env, "--flood-env"),
        json_path=args.json,
        keep=args.keep,
    )


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> None:
    options = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)  # stop everything, as on Ctrl-C
    began = time.monotonic()
    report = Report()
    try:
        run(options, report)
    except KeyboardInterrupt:
        print("\ninterrupted: every server this run started is stopped", file=sys.stderr)
        sys.exit(130)
    report.print_summary()
    print(f"\n(whole benchmark: {time.monotonic() - began:.0f} s)")
    if options.json_path is not None:
        document = {
            "command": " ".join(["bench/delivery.py", *(sys.argv[1:] if argv is None else argv)]),
            **report.scenarios,
            "summary": [vars(goal) for goal in report.goals],
            "notes": report.notes,
        }
        options.json_path.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {options.json_path}")


if __name__ == "__main__":
    main()
