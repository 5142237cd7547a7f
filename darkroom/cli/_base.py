"""What every command shares: the app, its consoles, settings from the environment and flags,
the runtime, and how errors become one line and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import ArgumentError

from darkroom.config import Settings
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db import migrate as migrations
from darkroom.errors import DarkroomError, Invalid

app = typer.Typer(help="darkroom: a self-hosted image service.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
grants_app = typer.Typer(help="Grant users access to spaces.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(grants_app, name="grants")

# soft_wrap: one fact per line, whatever the terminal width, so output can be grepped.
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data folder (env DARKROOM_DATA_DIR).")
]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL (env DARKROOM_DATABASE_URL).")
]
StorageUrl = Annotated[
    str | None, typer.Option("--storage-url", help="Blob store URL (env DARKROOM_STORAGE_URL).")
]


class CommandError(Exception):
    """An error the CLI reports as one line on stderr and an exit code, never a traceback.

    The base exits 1 (the core refused: a duplicate, an unknown user); ``BadInput`` exits 2.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def format_message(self) -> str:
        return f"error: {self.message}"

    @classmethod
    def of(cls, error: DarkroomError) -> CommandError:
        return (BadInput if isinstance(error, Invalid) else CommandError)(error.message)


class BadInput(CommandError):
    """A malformed argument, flag or setting; exit code 2, as for any usage error."""

    exit_code = 2


@contextmanager
def reported() -> Iterator[None]:
    """Turn CommandErrors and domain errors raised inside into a message and an exit code."""
    try:
        yield
    except (CommandError, DarkroomError) as raised:
        error = raised if isinstance(raised, CommandError) else CommandError.of(raised)
        errors.print(escape(error.format_message()), style="red")
        raise typer.Exit(code=error.exit_code) from None


@app.callback()
def main(
    ctx: typer.Context,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    storage_url: StorageUrl = None,
) -> None:
    # The flags live on this invocation's context, so nothing carries over to the next one.
    given = {"data_dir": data_dir, "database_url": database_url, "storage_url": storage_url}
    ctx.obj = {name: value for name, value in given.items() if value is not None}


def overrides(ctx: typer.Context, **extra: Any) -> dict[str, Any]:
    """The settings given as flags: the global ones, then ``extra`` (those that are not None)."""
    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    return {**given, **{k: v for k, v in extra.items() if v is not None}}


def settings_from(ctx: typer.Context, **extra: Any) -> Settings:
    """Settings from the environment, overridden by the global flags and then by ``extra``."""
    values = overrides(ctx, **extra)
    try:
        return Settings(**values)
    except ValidationError as error:
        # Without the input values: they may hold a password.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        raise BadInput(f"bad settings: {problems}") from None


def open_checked(settings: Settings) -> Runtime:
    try:
        return open_runtime(settings)
    except ArgumentError:
        raise BadInput("malformed or unsupported database URL") from None
    except ValueError as error:  # from the storage URL; its messages never repeat the URL
        raise BadInput(str(error)) from None


@contextmanager
def opened(ctx: typer.Context, settings: Settings | None = None) -> Iterator[Runtime]:
    """A migrated runtime; errors raised inside are reported (``reported``)."""
    with reported():
        runtime = open_checked(settings or settings_from(ctx))
        try:
            migrations.upgrade(runtime.engine)
            yield runtime
        finally:
            runtime.close()
