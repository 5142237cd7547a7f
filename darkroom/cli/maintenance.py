"""Keeping the store sound: collect garbage, verify blobs, backfill what older blobs lack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.markup import escape

from darkroom.cli._base import (
    app,
    console,
    opened,
)
from darkroom.core import (
    backfill,
    gc,
    verify,
)


@app.command("gc")
def collect_garbage(ctx: typer.Context) -> None:
    """Delete expired temp images and uploads, old trash, and blobs nothing refers to."""
    with opened(ctx) as runtime:
        report = gc.collect(runtime)
    if report.skipped:
        console.print("another instance is collecting; skipped")
        return
    console.print(
        f"removed {report.temp_images} expired temp images, {report.uploads} uploads, "
        f"{report.trash} trashed images, {report.blobs} blobs, {report.stray_keys} stray keys, "
        f"{report.segments} upload segments"
    )


@app.command("verify")
def verify_blobs(ctx: typer.Context) -> None:
    """Rehash every stored blob; exit 1 if any is missing or does not match its hash."""
    with opened(ctx) as runtime:
        report = verify.verify(runtime)
    for sha in report.missing:
        console.print(f"[red]missing[/red] {sha}")
    for sha in report.corrupt:
        console.print(f"[red]corrupt[/red] {sha}")
    console.print(
        f"checked {report.checked} blobs: {len(report.missing)} missing, "
        f"{len(report.corrupt)} corrupt"
    )
    if not report.ok:
        raise typer.Exit(code=1)


# --- backfill: placeholders and EXIF facts for blobs stored before darkroom kept them ----------


@app.command("backfill")
def backfill_blobs(
    ctx: typer.Context,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Blobs read and written per transaction.")
    ] = backfill.BATCH_SIZE,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count the blobs that lack them; change none.")
    ] = False,
) -> None:
    """Make the placeholders and read the EXIF facts (camera, lens, exposure) of blobs stored
    before darkroom kept them. Stopping is safe: the next run goes on with what is missing.
    Exits 1 if a blob could not be filled (its bytes missing or undecodable)."""
    with opened(ctx) as runtime:
        total = backfill.pending(runtime)
        with _backfill_progress(total, dry_run=dry_run, every=batch_size) as seen:
            report = backfill.backfill(
                runtime, batch_size=batch_size, dry_run=dry_run, on_blob=seen
            )
    verb = "would fill" if dry_run else "filled"
    console.print(f"{verb} {report.filled} of {total} blobs, {len(report.failed)} failed")
    if report.failed:
        raise typer.Exit(code=1)


@contextmanager
def _backfill_progress(
    total: int, *, dry_run: bool, every: int
) -> Iterator[Callable[[backfill.Visited], None]]:
    """A progress bar on a terminal; elsewhere (logs, pipes) a plain line every ``every`` blobs.
    Failures are printed as they happen, in both."""
    from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn

    if console.is_terminal:
        columns = (*Progress.get_default_columns()[:2], MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("checking" if dry_run else "backfilling", total=total)

            def advance(visited: backfill.Visited) -> None:
                if visited.error is not None:
                    bar.console.print(_failed_line(visited))
                bar.advance(task)

            yield advance
        return
    done = 0

    def line(visited: backfill.Visited) -> None:
        nonlocal done
        done += 1
        if visited.error is not None:
            console.print(_failed_line(visited))
        if done % every == 0 or done == total:
            console.print(f"{done}/{total} blobs {'checked' if dry_run else 'visited'}")

    yield line


def _failed_line(visited: backfill.Visited) -> str:
    return f"[red]failed[/red] {visited.sha256}: {escape(visited.error or '')}"
