"""Bring a library in and take it out (issue 13): import, duplicates and export, with references.

On a generated library (bench/_library.py: mixed JPEG/PNG/HEIC of 2-12 MP, 10% exact and 10%
near copies, the truth known), in one run:

  import     ``darkroom import LIBRARY --into procore-company:1``: files/s, MB/s, peak RSS
  cp -r      the same files copied to another folder (the floor: disk and page cache)
  curl       the files the Moov door takes (JPEG and PNG of at most 16 MB), imported again
             into a fresh folder and sent with one ``curl`` upload per file through the Moov
             door of a running server, as many at once as import uses workers
  duplicates ``darkroom duplicates``' groups against the truth: recall and precision of the
             pairs of copies, exact and near
  export     ``darkroom export procore-company:1 DEST`` against ``cp -r`` of the blob folder

    .venv/bin/python bench/import_library.py [--count 1000] [--workers N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._darkroom import ADMIN, MOOV_ACCOUNT, Darkroom  # noqa: E402
from bench._library import Library, library  # noqa: E402
from bench._procs import RssSampler  # noqa: E402
from bench._report import Report, fmt, table  # noqa: E402

WORK = ROOT / "bench" / ".work"
SPACE = "procore-company:1"
MB = 1_000_000
RSS_GOAL = 500 * 1024 * 1024
MOOV_ACCOUNT_IMAGES = 300  # a Moov account holds 300 images: curl spreads over accounts


@dataclass(frozen=True)
class Timed:
    seconds: float
    peak_rss: int = 0
    output: str = ""


def _environment(data: Path) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("DARKROOM_")}
    return {**inherited, "DARKROOM_DATA_DIR": str(data), "COLUMNS": "200"}


def _darkroom(data: Path, *args: str) -> Timed:
    """``python -m darkroom ARGS`` on ``data``, timed, with the peak RSS of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "darkroom", *args],
        cwd=ROOT,
        env=_environment(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with RssSampler(process.pid, interval=0.05) as rss:
        output, _ = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 1):
        raise RuntimeError(f"darkroom {' '.join(args)} exited {process.returncode}:\n{output}")
    return Timed(seconds, rss.peak, output)


def _copy(source: Path, into: Path) -> Timed:
    started = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(into)], check=True)
    subprocess.run(["sync"], check=True)
    return Timed(time.perf_counter() - started)


def _curl_uploads(files: list[Path], folder: Path, workers: int) -> tuple[Timed, int]:
    """One ``curl`` per file through Moov, ``workers`` at once; and how many were accepted."""
    folder.mkdir(parents=True, exist_ok=True)
    server = Darkroom(folder, extra_env={}, workers=None)
    service = server.start()
    try:
        lines = []
        for index, path in enumerate(files):
            account = f"{MOOV_ACCOUNT[:-4]}{index // MOOV_ACCOUNT_IMAGES:04d}"
            url = f"{server.url}/accounts/{account}/images"
            lines.append(f"{url}\t{path}")
        script = (
            'url="${1%%\t*}"; file="${1#*\t}"; '
            f'curl -s -o /dev/null -w "%{{http_code}}\\n" -u {ADMIN[0]}:{ADMIN[1]} '
            '-F "image=@$file" "$url"'
        )
        started = time.perf_counter()
        done = subprocess.run(
            ["xargs", "-d", "\n", "-P", str(workers), "-I{}", "sh", "-c", script, "_", "{}"],
            input="\n".join(lines),
            capture_output=True,
            text=True,
            check=True,
        )
        seconds = time.perf_counter() - started
    finally:
        service.stop()
    codes = done.stdout.split()
    return Timed(seconds), sum(code == "201" or code == "200" for code in codes)


def _moov_subset(root: Path, files: list[Path], into: Path) -> list[Path]:
    """Hard links under ``into`` to the files Moov takes (JPEG, PNG, at most 16 MB)."""
    taken = []
    for path in files:
        if path.suffix in (".jpg", ".png") and path.stat().st_size <= 16 * 1024 * 1024:
            link = into / path.relative_to(root)
            link.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, link)
            taken.append(link)
    return taken


def _duplicate_pairs(data: Path, lib: Library) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """(exact, near) pairs of imported file paths that darkroom groups together."""
    from sqlalchemy import select

    from darkroom.config import Settings
    from darkroom.core import duplicates
    from darkroom.core.runtime import open_runtime
    from darkroom.db.models import Space

    runtime = open_runtime(Settings(data_dir=data))
    try:
        with runtime.reading() as session:
            space_id = session.scalar(select(Space.id).where(Space.external_id == "1"))
            assert space_id is not None
        groups = duplicates.find_groups(runtime, space_id)
    finally:
        runtime.close()
    by_name = {path.name: str(path.relative_to(lib.folder)) for path in lib.files}
    exact: set[frozenset[str]] = set()
    near: set[frozenset[str]] = set()
    for group in groups:
        members = [by_name[member.name] for member in group.members]
        pairs = {frozenset((a, b)) for a in members for b in members if a < b}
        (exact if group.exact else near).update(pairs)
    return exact, near


def _score(found: set[frozenset[str]], truth: set[frozenset[str]]) -> tuple[float, float]:
    hits = len(found & truth)
    recall = hits / len(truth) if truth else 1.0
    precision = hits / len(found) if found else 1.0
    return recall, precision


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-curl", action="store_true")
    parser.add_argument("--json", type=Path)
    options = parser.parse_args()

    report = Report()
    started = time.perf_counter()
    lib = library(WORK, options.count)
    files = lib.files
    total = sum(path.stat().st_size for path in files)
    formats = sorted({path.suffix for path in files})
    print(
        f"library: {len(files)} files, {total / MB:,.0f} MB, {' '.join(formats)}"
        f" (ready in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    if ".heic" not in formats:
        report.note("no HEIC in the library: pillow-heif is not installed")

    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        scratch_dir = Path(scratch)
        copied = _copy(lib.folder, scratch_dir / "copy")
        data = scratch_dir / "data"
        _darkroom(data, "migrate")
        imported = _darkroom(
            data,
            "import",
            str(lib.folder),
            "--into",
            f"{SPACE}/Library",
            "--workers",
            str(options.workers),
        )
        print(imported.output.strip().splitlines()[-1], flush=True)
        rows = [
            ["cp -r", fmt(len(files) / copied.seconds), fmt(total / MB / copied.seconds), "-"],
            [
                "darkroom import",
                fmt(len(files) / imported.seconds),
                fmt(total / MB / imported.seconds),
                fmt(imported.peak_rss / 2**20, 0),
            ],
        ]
        if not options.skip_curl:
            # Like for like: the files the Moov door takes, imported and sent with curl.
            subset = _moov_subset(lib.folder, files, scratch_dir / "moov-files")
            subset_bytes = sum(path.stat().st_size for path in subset)
            sub_data = scratch_dir / "subset-data"
            _darkroom(sub_data, "migrate")
            sub_import = _darkroom(
                sub_data,
                "import",
                str(scratch_dir / "moov-files"),
                "--into",
                f"{SPACE}/Library",
                "--workers",
                str(options.workers),
            )
            curl, accepted = _curl_uploads(subset, scratch_dir / "server", options.workers)
            for how, timed in (("darkroom import", sub_import), ("curl per file, Moov", curl)):
                rows.append(
                    [
                        f"{how} ({len(subset)} JPEG/PNG)",
                        fmt(len(subset) / timed.seconds),
                        fmt(subset_bytes / MB / timed.seconds),
                        fmt(timed.peak_rss / 2**20, 0) if timed.peak_rss else "-",
                    ]
                )
            if accepted != len(subset):
                report.note(
                    f"Moov refused {len(subset) - accepted} of the {len(subset)} files"
                    " (409: exact copies in one account)"
                )
            report.goal(
                "import against curl per file (same files)",
                "> 1x",
                f"{curl.seconds / sub_import.seconds:.2f}x",
                curl.seconds > sub_import.seconds,
            )
        table("import", ("how", "files/s", "MB/s", "peak RSS MiB"), rows)
        report.goal(
            "import peak RSS",
            "<= 500 MiB",
            f"{imported.peak_rss / 2**20:.0f} MiB",
            imported.peak_rss <= RSS_GOAL,
        )
        report.scenarios["import"] = {
            "files": len(files),
            "bytes": total,
            "cp_seconds": copied.seconds,
            "import_seconds": imported.seconds,
            "import_peak_rss": imported.peak_rss,
        }

        exact, near = _duplicate_pairs(data, lib)
        rows = []
        for how, found in (("exact", exact), ("near", near | exact)):
            recall, precision = _score(found, lib.pairs(None if how == "near" else "exact"))
            rows.append(
                [
                    how,
                    str(len(lib.pairs(None if how == "near" else "exact"))),
                    str(len(found)),
                    fmt(recall, 3),
                    fmt(precision, 3),
                ]
            )
            report.goal(
                f"{how} copies found",
                "recall and precision >= 0.95",
                f"{recall:.3f} / {precision:.3f}",
                recall >= 0.95 and precision >= 0.95,
            )
        table("duplicates", ("pairs", "true", "found", "recall", "precision"), rows)

        store = data / "blobs"
        blob_copy = _copy(store, scratch_dir / "blob-copy")
        exported = _darkroom(data, "export", SPACE, str(scratch_dir / "export"))
        shutil.rmtree(scratch_dir / "blob-copy", ignore_errors=True)
        table(
            "export",
            ("how", "MB/s", "seconds"),
            [
                [
                    "cp -r of the blob folder",
                    fmt(total / MB / blob_copy.seconds),
                    fmt(blob_copy.seconds),
                ],
                ["darkroom export", fmt(total / MB / exported.seconds), fmt(exported.seconds)],
            ],
        )
        report.scenarios["export"] = {"cp_seconds": blob_copy.seconds, "seconds": exported.seconds}
    report.print_summary()
    if options.json:
        options.json.write_text(json.dumps(report.scenarios, indent=2))


if __name__ == "__main__":
    main()
