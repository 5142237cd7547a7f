"""Progress of a command that handles files: a rich bar on a terminal, plain lines elsewhere.

On a terminal the bar shows files done of all, bytes, rate and time left. When output goes to a
log or a pipe (CI, cron, ``| tee``) a bar would be a mess of control codes, so a plain line is
printed every ``every`` files and at the last one instead. Notes (a file that failed) are
printed as they come, above the bar or between the lines. Commands share it (export, import).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.markup import escape

MB = 1_000_000  # decimal, as rich's byte columns and disk makers count


class Progress(Protocol):
    def advance(self, *, files: int = 1, byte_size: int = 0) -> None: ...

    def note(self, text: str) -> None:
        """A line of rich markup (escape what the user gave)."""
        ...


def rate(byte_size: int, seconds: float) -> str:
    """``"12.3 MB/s"``."""
    return f"{byte_size / MB / max(seconds, 1e-6):.1f} MB/s"


def megabytes(byte_size: int) -> str:
    return f"{byte_size / MB:.1f} MB"


@contextmanager
def progress(
    console: Console, label: str, *, files: int, byte_size: int, every: int = 100
) -> Iterator[Progress]:
    """A reporter of ``files`` files of ``byte_size`` bytes in all, on ``console``."""
    if console.is_terminal:
        with _bar(console, label, files=files, byte_size=byte_size) as bar:
            yield bar
    else:
        yield _Lines(console, label, files=files, byte_size=byte_size, every=every)


@contextmanager
def _bar(console: Console, label: str, *, files: int, byte_size: int) -> Iterator[Progress]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[files]}/" + str(files) + " files"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        # The bar advances by bytes, so the rate and the time left weigh big files right.
        task = bar.add_task(escape(label), total=max(byte_size, 1), files=0)
        done = 0

        class _Bar:
            def advance(self, *, files: int = 1, byte_size: int = 0) -> None:
                nonlocal done
                done += files
                bar.update(task, advance=byte_size, files=done)

            def note(self, text: str) -> None:
                bar.console.print(text)

        yield _Bar()


class _Lines:
    def __init__(
        self, console: Console, label: str, *, files: int, byte_size: int, every: int
    ) -> None:
        self._console = console
        self._label = escape(label)
        self._files = files
        self._bytes = byte_size
        self._every = max(every, 1)
        self._done = 0
        self._done_bytes = 0
        self._started = time.monotonic()

    def advance(self, *, files: int = 1, byte_size: int = 0) -> None:
        before = self._done
        self._done += files
        self._done_bytes += byte_size
        crossed = self._done // self._every > before // self._every
        if crossed or self._done >= self._files:
            seconds = time.monotonic() - self._started
            self._console.print(
                f"{self._label}: {self._done}/{self._files} files, "
                f"{megabytes(self._done_bytes)} of {megabytes(self._bytes)}, "
                f"{rate(self._done_bytes, seconds)}"
            )

    def note(self, text: str) -> None:
        self._console.print(text)
