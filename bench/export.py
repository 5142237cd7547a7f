"""`darkroom export` against `cp -r` of the blob folder (issue 13), in one run.

Ingests ``--images`` distinct photo-like JPEGs (bench/_images.py: 3, 6.75 and 12 MP in turn,
about 1 to 3.5 MB each, made once under bench/.work/) into one album of a fresh data folder,
then, for ``--rounds`` rounds, each as a child process on the same warm page cache:

  cp -r       the blob folder (``blobs/blobs``): the bytes alone, no names, no metadata
  export dir  ``darkroom export SPACE DEST``: originals hashed while copied, sidecars, manifest
  export zip  ``darkroom export SPACE - --format zip | cat > DEST.zip``: through a pipe

and the same two exports in this process (``core.export.plan`` and ``run``), without the second
or so a command spends starting (imports, opening and checking the database).

Prints the median seconds and MB/s of each, the ratio to ``cp -r``, and the export's peak RSS.

    .venv/bin/python bench/export.py [--images 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._images import photo  # noqa: E402

WORK = ROOT / "bench" / ".work"
SIZES = ((2000, 1500), (3000, 2250), (4000, 3000))
SPACE = "moov-account:bench"


def _library(data: Path, count: int) -> int:
    """``count`` photos ingested into a gallery album of SPACE; their bytes in all."""
    from darkroom.api import vocabulary
    from darkroom.config import Settings
    from darkroom.core import albums, images, spaces
    from darkroom.core.access import Actor, Role, trusted_scope
    from darkroom.core.images import NewImage
    from darkroom.core.runtime import open_runtime
    from darkroom.db import migrate

    rt = open_runtime(Settings(data_dir=data, max_upload_bytes=64 * 1024 * 1024))
    migrate.upgrade(rt.engine)
    with rt.transaction() as session:
        space = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, "bench")
    scope = trusted_scope(space, Actor(principal_id=None, role=Role.ADMIN, name="bench"))
    with rt.transaction() as session:
        album = albums.create(session, scope, vocabulary.V1_GALLERY, name="Photos")
        session.flush()
        session.expunge(album)
    total = 0
    for seed in range(count):
        width, height = SIZES[seed % len(SIZES)]
        data_bytes = photo(WORK / "export", seed, width=width, height=height).read_bytes()
        images.ingest(rt, scope, album, io.BytesIO(data_bytes), NewImage(name=f"{seed}.jpg"))
        total += len(data_bytes)
    rt.close()
    return total


def _in_process(data: Path, dest: Path, *, zipped: bool) -> float:
    from darkroom.config import Settings
    from darkroom.core import archive, export, spaces
    from darkroom.core.runtime import open_runtime

    rt = open_runtime(Settings(data_dir=data))
    try:
        started = time.perf_counter()
        with rt.reading() as session:
            found = spaces.find(session, "moov-account", "bench")
            assert found is not None
            space_id = found.id
        plan = export.plan(rt, space_id, SPACE)
        if zipped:
            with open(f"{dest}.zip", "wb") as out:
                export.run(rt, plan, archive.ZipWriter(out))
        else:
            export.run(rt, plan, archive.FolderWriter(dest))
        return time.perf_counter() - started
    finally:
        rt.close()


def _timed(command: list[str], *, into: str | None = None) -> tuple[float, int]:
    """Wall seconds of ``command`` and its peak RSS in bytes (GNU time's, of that process
    alone: a forked child's own counter would start at this process's size); with ``into``,
    its stdout goes through a pipe to ``cat > into``."""
    with tempfile.NamedTemporaryFile() as measured:
        timed = ["/usr/bin/time", "-f", "%M", "-o", measured.name, *command]
        started = time.perf_counter()
        if into is None:
            subprocess.run(timed, check=True, stdout=subprocess.DEVNULL)
        else:
            with open(into, "wb") as out:
                writer = subprocess.Popen(timed, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                cat = subprocess.run(["cat"], stdin=writer.stdout, stdout=out, check=True)
                assert writer.wait() == 0 and cat.returncode == 0
        seconds = time.perf_counter() - started
        return seconds, int(Path(measured.name).read_text().split()[-1]) * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    darkroom = [sys.executable, "-m", "darkroom"]
    with tempfile.TemporaryDirectory(dir=WORK.parent if WORK.exists() else None) as scratch:
        base = Path(scratch)
        data = base / "data"
        started = time.perf_counter()
        total = _library(data, args.images)
        print(
            f"{args.images} photos, {total / 1e6:.1f} MB, ingested in "
            f"{time.perf_counter() - started:.1f} s"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("DARKROOM_")}
        os.environ.clear()
        os.environ.update(env)
        runs: dict[str, list[float]] = {
            "cp -r": [],
            "export dir": [],
            "export zip": [],
            "core dir": [],
            "core zip": [],
        }
        peak = 0
        cli = [*darkroom, "--data-dir", str(data), "export", SPACE]
        for round_number in range(args.rounds + 1):  # round 0 warms the page cache up
            for name in runs:
                dest = base / f"out-{name.replace(' ', '-')}"
                if name == "cp -r":
                    seconds, _ = _timed(["cp", "-r", str(data / "blobs" / "blobs"), str(dest)])
                elif name == "export dir":
                    seconds, rss = _timed([*cli, str(dest)])
                    peak = max(peak, rss)
                elif name == "export zip":
                    seconds, rss = _timed([*cli, "-", "--format", "zip"], into=f"{dest}.zip")
                    peak = max(peak, rss)
                else:
                    seconds = _in_process(data, dest, zipped=name.endswith("zip"))
                if round_number:
                    runs[name].append(seconds)
                shutil.rmtree(dest, ignore_errors=True)
                Path(f"{dest}.zip").unlink(missing_ok=True)
        reference = statistics.median(runs["cp -r"])
        for name, seconds in runs.items():
            median = statistics.median(seconds)
            print(
                f"{name:10s} {median:6.2f} s  {total / 1e6 / median:7.1f} MB/s  "
                f"{median / reference:5.2f}x the time of cp -r"
            )
        print(f"peak RSS of an export process: {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
