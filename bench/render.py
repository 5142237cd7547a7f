"""CPU cost of darkroom's render() against plain libvips, in process and as the vipsthumbnail CLI.

Renders a 4000x3000 q90 JPEG (noise over gradients, generated once under bench/.work/) to a
400x400-box JPEG (q82) three ways:

  engine      darkroom.media.render(path, RenderSpec(400, 400, Fit.INSIDE, ImageFormat.JPEG))
  in-process  pyvips.Image.thumbnail(path, 400, height=400).jpegsave_buffer(Q=82)
  cli         vipsthumbnail (Debian libvips-tools), one process per image: child CPU and wall
  mezzanine   the engine again, from the 2048 px q90 mezzanine that ingest makes once

and prints the median per image and the ratios engine/in-process and engine/cli. Goal: the engine
stays within 1.2x of in-process libvips (it adds sniffing, sRGB checks and metadata stripping).

    .venv/bin/python bench/render.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyvips

from darkroom.media import Fit, ImageFormat, RenderSpec, make_mezzanine, render

WORK = Path(__file__).resolve().parent / ".work"
SOURCE = WORK / "render-4000x3000-q90.jpg"
WIDTH, HEIGHT = 4000, 3000
BOX = 400
QUALITY = 82
WARMUP = 3


def make_source() -> Path:
    """A photo-like 12 MP JPEG: smooth colour gradients with sensor-like noise on top."""
    if SOURCE.exists():
        return SOURCE
    WORK.mkdir(parents=True, exist_ok=True)
    xy = pyvips.Image.xyz(WIDTH, HEIGHT)
    x, y = xy[0], xy[1]
    gradient = (x * (255 / WIDTH)).bandjoin(
        [y * (255 / HEIGHT), (x + y) * (255 / (WIDTH + HEIGHT))]
    )
    noise = pyvips.Image.gaussnoise(WIDTH, HEIGHT, sigma=10, mean=0)
    image = (gradient + noise.bandjoin([noise, noise])).cast("uchar")
    image = image.copy(interpretation="srgb")
    partial = SOURCE.with_suffix(".part.jpg")
    image.jpegsave(str(partial), Q=90)
    partial.rename(SOURCE)
    return SOURCE


def cpu_per_run(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median CPU seconds (all threads of this process) and wall seconds per call."""
    for _ in range(WARMUP):
        run()
    cpu, wall = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def child_cpu_per_run(argv: list[str], runs: int) -> tuple[float, float]:
    """Median CPU seconds (user + sys of the child) and wall seconds per process run."""

    def once() -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w0 = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - w0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu, wall

    for _ in range(WARMUP):
        once()
    samples = [once() for _ in range(runs)]
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per row (default 30)")
    args = parser.parse_args()
    source = make_source()
    spec = RenderSpec(BOX, BOX, Fit.INSIDE, ImageFormat.JPEG, quality=QUALITY)

    def engine() -> object:
        return render(source, spec)

    def in_process() -> object:
        return pyvips.Image.thumbnail(str(source), BOX, height=BOX).jpegsave_buffer(Q=QUALITY)

    out = render(source, spec)
    print(
        f"source   {source.name} ({source.stat().st_size // 1024} KiB) -> {out.width}x{out.height}"
    )
    print(
        f"machine  {platform.machine()}, {_cores()} cores, Python {platform.python_version()}, "
        f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)} (pyvips-binary)"
    )
    mezzanine = make_mezzanine(source)
    assert mezzanine is not None
    mezzanine_path = WORK / "render-mezzanine.jpg"
    mezzanine_path.write_bytes(mezzanine.data)

    def from_mezzanine() -> object:
        return render(mezzanine_path, spec)

    rows: dict[str, tuple[float, float]] = {
        "engine render()": cpu_per_run(engine, args.runs),
        "in-process thumbnail": cpu_per_run(in_process, args.runs),
    }
    cli = shutil.which("vipsthumbnail")
    if cli is None:
        print(
            "note     vipsthumbnail not found (apt-get install -y libvips-tools): cli row skipped"
        )
    else:
        version = subprocess.run([cli, "--vips-version"], capture_output=True, text=True)
        print(f"cli      {cli} ({version.stdout.strip()}), one process per image")
        with tempfile.TemporaryDirectory() as tmp:
            target = f"{tmp}/out.jpg[Q={QUALITY},strip]"
            argv = [cli, str(source), "--size", f"{BOX}x{BOX}", "-o", target]
            rows["vipsthumbnail CLI"] = child_cpu_per_run(argv, args.runs)

    rows["engine from mezzanine"] = cpu_per_run(from_mezzanine, args.runs)

    print(f"\n{'path':<22} {'CPU ms/image':>13} {'wall ms/image':>14}   (median of {args.runs})")
    for name, (cpu, wall) in rows.items():
        print(f"{name:<22} {cpu * 1000:>13.1f} {wall * 1000:>14.1f}")
    engine_cpu = rows["engine render()"][0]
    ratio = engine_cpu / rows["in-process thumbnail"][0]
    verdict = "ok" if ratio <= 1.2 else "OVER the 1.2x goal"
    print(f"\nengine / in-process CPU  {ratio:.2f}x  ({verdict})")
    if "vipsthumbnail CLI" in rows:
        print(f"engine / vipsthumbnail CPU  {engine_cpu / rows['vipsthumbnail CLI'][0]:.2f}x")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
