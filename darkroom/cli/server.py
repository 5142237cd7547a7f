"""Serve HTTP and migrate the database."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from darkroom import logs
from darkroom.cli._base import (
    app,
    console,
    opened,
    overrides,
    reported,
    settings_from,
)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address (env DARKROOM_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (env DARKROOM_PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes; default: one per core (env DARKROOM_WORKERS)."),
    ] = None,
    graceful_timeout: Annotated[
        int | None,
        typer.Option(
            help="Seconds a stop or restart waits for requests in flight "
            "(env DARKROOM_GRACEFUL_TIMEOUT)."
        ),
    ] = None,
) -> None:
    """Migrate the database, then serve HTTP with WORKERS processes.

    SIGTERM or SIGINT stops after the requests in flight; SIGHUP replaces the workers one by one.
    """
    from darkroom import serving

    given = {"host": host, "port": port, "workers": workers, "graceful_timeout": graceful_timeout}
    with reported():
        settings = settings_from(ctx, **given)
    with opened(ctx, settings):
        pass  # migrations done, once, before any worker starts; each opens its own runtime
    serving.export(overrides(ctx, **given))  # the workers read their settings from there
    started = (
        f"darkroom on http://{settings.host}:{settings.port} with {settings.workers} "
        f"worker{'s' if settings.workers > 1 else ''} (data in {settings.data_dir})"
    )
    if settings.log_format == "json":  # every line of a JSON log is JSON
        logs.configure("json")
        logging.getLogger("darkroom.serve").info(started)
    else:
        console.print(started)
    serving.exec_supervisor()


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Bring the database schema up to date."""
    with opened(ctx):
        console.print("database is up to date")
