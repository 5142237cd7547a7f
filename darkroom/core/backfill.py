"""Fill in what blobs stored before darkroom made placeholders lack: the placeholder and the
EXIF facts (camera, lens, exposure; date and place where they are missing).

A blob whose ``perceptual_hash`` is NULL has not been backfilled (ingest always makes one; blobs
stored before migration 0009 have a placeholder but no hash, and get both made again). Blobs are
visited in order of their hash, a batch at a time, each batch written in one short transaction
after its images were read and decoded outside of it: stopping loses at most one batch, and the
next run starts with what is still missing. The work of one run is bounded too: a blob that
cannot be backfilled (its bytes gone, not decodable) is reported and passed, not retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from darkroom.core.blobs import blob_key
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob
from darkroom.errors import DarkroomError
from darkroom.media import make_perceptual_hash, make_placeholder, read_facts

BATCH_SIZE = 100


@dataclass(frozen=True)
class Visited:
    """One blob seen by a run: filled (or, in a dry run, would be), or why it could not be."""

    sha256: str
    error: str | None = None


@dataclass
class BackfillReport:
    filled: int = 0
    """Blobs given a placeholder and facts (in a dry run: blobs that lack them)."""
    failed: list[Visited] = field(default_factory=list)


def pending(rt: Runtime) -> int:
    """How many blobs have no perceptual hash (nor, before 0008, placeholder) yet."""
    with rt.reading() as session:
        count = select(func.count()).select_from(Blob).where(Blob.perceptual_hash.is_(None))
        return session.scalar(count) or 0


def backfill(
    rt: Runtime,
    *,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    on_blob: Callable[[Visited], None] | None = None,
) -> BackfillReport:
    """Give every blob without a placeholder its placeholder and EXIF facts; ``on_blob`` is
    called once per blob visited. A dry run reads and writes nothing but the list of blobs."""
    report = BackfillReport()
    after = ""
    while batch := _next_batch(rt, after, batch_size):
        after = batch[-1].sha256
        changes: list[tuple[str, dict[str, Any]]] = []
        for row in batch:
            visited = Visited(row.sha256)
            if not dry_run:
                try:
                    changes.append((row.sha256, _filled(rt, row)))
                except (DarkroomError, OSError) as error:
                    visited = Visited(row.sha256, error=_reason(error))
            if visited.error is None:
                report.filled += 1
            else:
                report.failed.append(visited)
            if on_blob is not None:
                on_blob(visited)
        _write(rt, changes)
    return report


def _next_batch(rt: Runtime, after: str, size: int) -> list[Any]:
    with rt.reading() as session:
        return list(
            session.execute(
                select(Blob.sha256, Blob.mezzanine_key, Blob.taken_at, Blob.gps_lat, Blob.gps_long)
                .where(Blob.perceptual_hash.is_(None), Blob.sha256 > after)
                .order_by(Blob.sha256)
                .limit(size)
            )
        )


def _filled(rt: Runtime, row: Any) -> dict[str, Any]:
    """The new column values of blob ``row``, from its stored original and mezzanine."""
    with rt.store.open(blob_key(row.sha256)) as handle:
        original = handle.read()
    mezzanine = None
    if row.mezzanine_key:
        with rt.store.open(row.mezzanine_key) as handle:
            mezzanine = handle.read()
    with rt.cpu_slot("backfill"):
        facts = read_facts(original)
        placeholder = make_placeholder(mezzanine or original)
        perceptual_hash = make_perceptual_hash(mezzanine or original)
    values: dict[str, Any] = {
        "placeholder": placeholder,
        "perceptual_hash": perceptual_hash,
        "camera_make": facts.camera_make,
        "camera_model": facts.camera_model,
        "lens": facts.lens,
        "exposure_time": facts.exposure_time,
        "f_number": facts.f_number,
        "iso": facts.iso,
        "focal_length": facts.focal_length,
    }
    # Date and place were read at ingest already: only fill in what that reader missed.
    for name in ("taken_at", "gps_lat", "gps_long"):
        if getattr(row, name) is None and getattr(facts, name) is not None:
            values[name] = getattr(facts, name)
    return values


def _write(rt: Runtime, changes: list[tuple[str, dict[str, Any]]]) -> None:
    if not changes:
        return
    with rt.transaction() as session:
        for sha256, values in changes:
            # Still unfilled: a concurrent run (or a new ingest of the same bytes) may have won.
            session.execute(
                update(Blob)
                .where(Blob.sha256 == sha256, Blob.perceptual_hash.is_(None))
                .values(**values)
            )


def _reason(error: DarkroomError | OSError) -> str:
    if isinstance(error, DarkroomError):
        return error.message
    return f"storage error: {error.__class__.__name__}"
