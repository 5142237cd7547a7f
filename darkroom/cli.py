"""The darkroom command line: serve, migrate, users, tokens, grants, gc and verify.

Every command builds Settings once from the environment (``DARKROOM_*``) and its own flags, which
carry the same names, and calls the same core services the HTTP front doors call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from darkroom.config import Settings
from darkroom.core import accounts, gc, spaces, verify
from darkroom.core.access import Role
from darkroom.core.errors import DarkroomError
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db import migrate as migrations

app = typer.Typer(help="darkroom: a self-hosted image service.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
grants_app = typer.Typer(help="Grant users access to spaces.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(grants_app, name="grants")

console = Console()
errors = Console(stderr=True)

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data folder [env DARKROOM_DATA_DIR].")
]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL [env DARKROOM_DATABASE_URL].")
]
StorageUrl = Annotated[
    str | None, typer.Option("--storage-url", help="Blob store URL [env DARKROOM_STORAGE_URL].")
]


class _State:
    overrides: dict[str, Any] = {}  # noqa: RUF012 (set once per process by the callback)


@app.callback()
def main(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, storage_url: StorageUrl = None
) -> None:
    given = {"data_dir": data_dir, "database_url": database_url, "storage_url": storage_url}
    _State.overrides = {name: value for name, value in given.items() if value is not None}


def _settings(**extra: Any) -> Settings:
    values = {**_State.overrides, **{k: v for k, v in extra.items() if v is not None}}
    return Settings(**values)


@contextmanager
def _runtime(settings: Settings | None = None) -> Iterator[Runtime]:
    runtime = open_runtime(settings or _settings())
    try:
        migrations.upgrade(runtime.engine)
        yield runtime
    except DarkroomError as error:
        errors.print(f"[red]error:[/red] {error.message}")
        raise typer.Exit(code=2) from None
    finally:
        runtime.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address [env DARKROOM_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [env DARKROOM_PORT].")] = None,
) -> None:
    """Migrate the database, then serve HTTP."""
    import uvicorn

    from darkroom.app import create_app

    settings = _settings(host=host, port=port)
    with _runtime(settings):
        pass  # migrations done; the app opens its own runtime in its lifespan
    console.print(f"darkroom on http://{settings.host}:{settings.port} (data in {settings.data_dir})")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    with _runtime():
        console.print("database is up to date")


@users_app.command("create")
def users_create(
    name: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    role: Annotated[Role, typer.Option(help="admin, manager or member.")] = Role.MEMBER,
    email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user."""
    with _runtime() as runtime, runtime.transaction() as session:
        principal = accounts.create_principal(
            session, name, password=password, role=role, email=email
        )
        console.print(f"created user {principal.name} ({principal.role}), id {principal.id}")


@users_app.command("list")
def users_list() -> None:
    """List users."""
    from sqlalchemy import select

    from darkroom.core.models import Principal

    table = Table("id", "name", "role", "active")
    with _runtime() as runtime, runtime.transaction() as session:
        for p in session.scalars(select(Principal).order_by(Principal.id)):
            table.add_row(str(p.id), p.name, p.role, "yes" if p.active else "no")
    console.print(table)


@tokens_app.command("create")
def tokens_create(
    name: str, label: Annotated[str, typer.Option(help="What the token is for.")] = ""
) -> None:
    """Issue an API token for user NAME; the token is printed once, as the last line."""
    with _runtime() as runtime, runtime.transaction() as session:
        principal = accounts.get_principal(session, name)
        issued = accounts.issue_token(session, principal, label=label)
    errors.print(f"token for {name} (shown once, store it now):")
    print(issued.token)


@grants_app.command("add")
def grants_add(name: str, space: Annotated[str, typer.Argument(help="KIND:ID")]) -> None:
    """Let user NAME act in SPACE, e.g. moov-account:acct1 or procore-company:1."""
    with _runtime() as runtime, runtime.transaction() as session:
        kind, external_id = spaces.parse_ref(space)
        principal = accounts.get_principal(session, name)
        target = spaces.ensure(session, kind, external_id)
        accounts.add_grant(session, principal, target)
    console.print(f"{name} may now act in {space}")


@grants_app.command("remove")
def grants_remove(name: str, space: Annotated[str, typer.Argument(help="KIND:ID")]) -> None:
    """Take back a grant."""
    with _runtime() as runtime, runtime.transaction() as session:
        kind, external_id = spaces.parse_ref(space)
        principal = accounts.get_principal(session, name)
        target = spaces.find(session, kind, external_id)
        removed = target is not None and accounts.remove_grant(session, principal, target)
    console.print(f"removed {name} from {space}" if removed else "no such grant")


@app.command("gc")
def collect_garbage() -> None:
    """Delete expired temp images and uploads, old trash, and blobs nothing refers to."""
    with _runtime() as runtime:
        report = gc.collect(runtime)
    if report.skipped:
        console.print("another instance is collecting; skipped")
        return
    console.print(
        f"removed {report.temp_images} expired temp images, {report.uploads} uploads, "
        f"{report.trash} trashed images, {report.blobs} blobs, {report.stray_keys} stray keys"
    )


@app.command("verify")
def verify_blobs() -> None:
    """Rehash every stored blob; exit 1 if any is missing or does not match its hash."""
    with _runtime() as runtime:
        report = verify.verify(runtime)
    for sha in report.missing:
        console.print(f"[red]missing[/red] {sha}")
    for sha in report.corrupt:
        console.print(f"[red]corrupt[/red] {sha}")
    console.print(f"checked {report.checked} blobs: {len(report.missing)} missing, "
                  f"{len(report.corrupt)} corrupt")
    if not report.ok:
        raise typer.Exit(code=1)


