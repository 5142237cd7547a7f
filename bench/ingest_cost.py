"""What placeholders and the EXIF reader add to the ingest of a 12 MP JPEG (issue 13: <= 10%).

Ingests distinct 4000x3000 q90 JPEGs (bench/_images.py, made once under bench/.work/) with
``darkroom.core.blobs.store_content`` (spool and SHA-256, probe, mezzanine, rows in SQLite, bytes
in a local store) twice per round, in child processes that import darkroom from two trees:

  reference  a ``git archive`` of REF (default ``main``): no placeholder, EXIF by regex
  this tree  placeholder (ThumbHash) from the mezzanine's decode, EXIF read with ExifRead

Rounds alternate the two, so load from elsewhere on the machine falls on both. Prints the median
CPU (all threads of the child) and wall time per ingest, the ratio, and the cost of the
placeholder step alone (shrink the decoded mezzanine, hash, base64).

    .venv/bin/python bench/ingest_cost.py [--ref main] [--images 4] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._images import photo  # noqa: E402

WORK = ROOT / "bench" / ".work"

CHILD = """
import json, statistics, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from darkroom.config import Settings
from darkroom.core import blobs
from darkroom.core.runtime import open_runtime
from darkroom.db import migrate

photos = [Path(p) for p in sys.argv[2:]]
with tempfile.TemporaryDirectory() as data:
    rt = open_runtime(Settings(data_dir=Path(data), max_upload_bytes=64 * 1024 * 1024))
    migrate.upgrade(rt.engine)
    cpu, wall = [], []
    for index, path in enumerate(photos):
        with path.open("rb") as source:
            c0, w0 = time.process_time(), time.perf_counter()
            blob = blobs.store_content(rt, source)
            c1, w1 = time.process_time(), time.perf_counter()
        blobs.release(rt, blob.sha256)
        if index:  # the first one warms libvips and the database up
            cpu.append(c1 - c0)
            wall.append(w1 - w0)
    rt.close()
print(json.dumps({"cpu": cpu, "wall": wall, "darkroom": __import__("darkroom").__file__}))
"""


def export(ref: str) -> Path:
    """``darkroom/`` of git ``ref``, unpacked under bench/.work/ (made anew each run)."""
    target = WORK / f"ingest-ref-{ref.replace('/', '-')}"
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "darkroom"],
        check=True,
        capture_output=True,
    ).stdout
    if target.exists():
        subprocess.run(["rm", "-rf", str(target)], check=True)
    target.mkdir(parents=True)
    with tempfile.TemporaryFile() as file:
        file.write(archive)
        file.seek(0)
        with tarfile.open(fileobj=file) as tar:
            tar.extractall(target, filter="data")
    return target


def ingest_times(tree: Path, photos: list[Path]) -> dict[str, list[float]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), *map(str, photos)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    ).stdout
    found: dict[str, list[float]] = json.loads(out.strip().splitlines()[-1])
    assert str(found["darkroom"]).startswith(str(tree)), found["darkroom"]
    return found


def placeholder_step(source: Path, runs: int = 20) -> float:
    """Median seconds of the placeholder step alone, from a decoded 2048 px mezzanine."""
    import pyvips

    from darkroom.media import _placeholder
    from darkroom.media.render import _shrunk, _srgb

    upright = pyvips.Image.thumbnail(str(source), 2048, height=2048).copy_memory()
    times = []
    for _ in range(runs):
        start = time.process_time()
        _placeholder.of_image(_srgb(_shrunk(upright, _placeholder.PLACEHOLDER_SIDE)))
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="main", help="git ref to compare with (default main)")
    parser.add_argument("--images", type=int, default=4, help="distinct photos per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    photos = [photo(WORK, seed) for seed in range(100, 101 + args.images)]  # +1: the warm-up
    trees = {"reference": export(args.ref), "this tree": ROOT}
    cpu: dict[str, list[float]] = {name: [] for name in trees}
    wall: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, tree in trees.items():
            found = ingest_times(tree, photos)
            cpu[name] += found["cpu"]
            wall[name] += found["wall"]
    print(
        f"ingest of a 4000x3000 q90 JPEG ({photos[0].stat().st_size / 1e6:.1f} MB), median of "
        f"{len(cpu['this tree'])}:"
    )
    for name in trees:
        print(
            f"  {name:<10} cpu {statistics.median(cpu[name]) * 1000:6.1f} ms   "
            f"wall {statistics.median(wall[name]) * 1000:6.1f} ms"
        )
    ratio = statistics.median(cpu["this tree"]) / statistics.median(cpu["reference"])
    wall_ratio = statistics.median(wall["this tree"]) / statistics.median(wall["reference"])
    print(f"  this tree / reference: cpu {ratio:.3f}x, wall {wall_ratio:.3f}x (goal <= 1.10x)")
    step = placeholder_step(photos[0])
    print(
        f"  placeholder step alone (shrink 2048 px to 32 px, ThumbHash, base64): "
        f"{step * 1000:.1f} ms cpu"
    )


if __name__ == "__main__":
    main()
