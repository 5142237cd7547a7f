"""`python -m darkroom` is the `darkroom` command."""

from darkroom.cli import app

app()
