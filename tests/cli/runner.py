"""The command line run in-process (CliRunner) on a data folder."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from darkroom.cli import app

runner = CliRunner()


def run(data_dir: Path, *args: str, stdin: str | None = None) -> Result:
    """``darkroom --data-dir DATA_DIR ARGS...``, with ``stdin`` as its input."""
    return runner.invoke(app, ["--data-dir", str(data_dir), *args], input=stdin)
