"""The darkroom command line: serve, migrate, users, tokens, grants, gc and verify.

Every command builds Settings once from the environment (``DARKROOM_*``) and its own flags, which
carry the same names, and calls the same core services the HTTP front doors call.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from darkroom import logs
from darkroom.api import vocabulary
from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import Destination, Entity, EntityKind
from darkroom.config import Settings
from darkroom.core import (
    accounts,
    archive,
    backfill,
    credentials,
    duplicates,
    export,
    gc,
    importing,
    logins,
    personal,
    spaces,
    verify,
)
from darkroom.core.access import Actor, Role, Scope, SpaceRole, trusted_scope
from darkroom.core.records import UNBORN, SpaceRecord
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.core.values import parse_duration
from darkroom.db import migrate as migrations
from darkroom.db.models import Principal, Space
from darkroom.errors import DarkroomError, Invalid
from darkroom.progress import megabytes, progress, rate

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
def _reported() -> Iterator[None]:
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


def _overrides(ctx: typer.Context, **extra: Any) -> dict[str, Any]:
    """The settings given as flags: the global ones, then ``extra`` (those that are not None)."""
    given = ctx.obj if isinstance(ctx.obj, dict) else {}
    return {**given, **{k: v for k, v in extra.items() if v is not None}}


def _settings(ctx: typer.Context, **extra: Any) -> Settings:
    """Settings from the environment, overridden by the global flags and then by ``extra``."""
    values = _overrides(ctx, **extra)
    try:
        return Settings(**values)
    except ValidationError as error:
        # Without the input values: they may hold a password.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        raise BadInput(f"bad settings: {problems}") from None


def _open(settings: Settings) -> Runtime:
    try:
        return open_runtime(settings)
    except ArgumentError:
        raise BadInput("malformed or unsupported database URL") from None
    except ValueError as error:  # from the storage URL; its messages never repeat the URL
        raise BadInput(str(error)) from None


@contextmanager
def _runtime(ctx: typer.Context, settings: Settings | None = None) -> Iterator[Runtime]:
    """A migrated runtime; errors raised inside are reported (``_reported``)."""
    with _reported():
        runtime = _open(settings or _settings(ctx))
        try:
            migrations.upgrade(runtime.engine)
            yield runtime
        finally:
            runtime.close()


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
    with _reported():
        settings = _settings(ctx, **given)
    with _runtime(ctx, settings):
        pass  # migrations done, once, before any worker starts; each opens its own runtime
    serving.export(_overrides(ctx, **given))  # the workers read their settings from there
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
    with _runtime(ctx):
        console.print("database is up to date")


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    name: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    role: Annotated[
        Role, typer.Option(help="admin or member (roles in spaces come with grants).")
    ] = Role.MEMBER,
    email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user."""
    with _reported():
        hashed = accounts.HashedPassword.of(password)  # scrypt before the transaction
    with _runtime(ctx) as runtime, runtime.transaction() as session:
        principal = accounts.create_principal(
            session, name, password=hashed, role=role, email=email
        )
    console.print(f"created user {escape(principal.name)} ({principal.role}), id {principal.id}")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users."""
    from sqlalchemy import select

    from darkroom.db.models import Principal

    table = Table("id", "name", "role", "active")
    with _runtime(ctx) as runtime, runtime.transaction() as session:
        for p in session.scalars(select(Principal).order_by(Principal.id)):
            table.add_row(str(p.id), escape(p.name), p.role, "yes" if p.active else "no")
    console.print(table)


@tokens_app.command("create")
def tokens_create(
    ctx: typer.Context,
    name: str,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    expires: Annotated[
        str | None, typer.Option(help="Lifetime, e.g. 30d, 12h, 90m (default: until revoked).")
    ] = None,
) -> None:
    """Issue an API token for user NAME; the token is printed once, as the last line."""
    with _reported():
        lifetime = timedelta(seconds=parse_duration(expires)) if expires is not None else None
    with _runtime(ctx) as runtime:
        token, info = credentials.issue_token(runtime, name, label=label, expires_in=lifetime)
    until = f", expires {info.expires:%Y-%m-%d %H:%M} UTC" if info.expires else ""
    errors.print(f"token {info.id} for {escape(name)}{until} (shown once, store it now):")
    print(token)


@grants_app.command("add")
def grants_add(
    ctx: typer.Context,
    name: str,
    space: Annotated[str, typer.Argument(help="KIND:ID")],
    role: Annotated[
        SpaceRole, typer.Option(help="viewer (reads), member (adds, changes own) or manager.")
    ] = SpaceRole.MEMBER,
    company: Annotated[
        str | None,
        typer.Option(
            "--company", help="For a new procore-project: the company it belongs to (its id)."
        ),
    ] = None,
) -> None:
    """Let user NAME act in SPACE as ROLE, e.g. moov-account:acct1 or procore-company:1.

    A space that lives under a parent (a procore-project) must exist already, or be given its
    parent with --company; a project of another company is refused (move it with `spaces move`).
    """
    with _runtime(ctx) as runtime, runtime.transaction() as session:
        kind, external_id = spaces.parse_ref(space, vocabulary.SPACE_KINDS)
        principal = accounts.get_principal(session, name)
        target = _grant_target(session, kind, external_id, company)
        accounts.add_grant(session, principal, target, role=role)
    console.print(f"{escape(name)} may now act in {escape(space)} as {role.value}")


def _grant_target(session: Session, kind: str, external_id: str, company: str | None) -> Space:
    parent_kind = vocabulary.PARENT_KINDS.get(kind)
    if parent_kind is None:
        if company is not None:
            raise BadInput(f"--company is only for spaces that belong to a company, not {kind}")
        # A company made here starts with its first trade, as one made by a request does.
        return spaces.ensure(session, kind, external_id, seeds=vocabulary.SEEDS)
    if company is None:
        found = spaces.find(session, kind, external_id)
        if found is None:
            raise BadInput(f"{kind}:{external_id} does not exist; name its company with --company")
        return found
    parent_id = spaces.parse_ref(f"{parent_kind}:{company}", vocabulary.SPACE_KINDS)[1]
    parent = spaces.ensure(session, parent_kind, parent_id, seeds=vocabulary.SEEDS)
    return spaces.place(session, kind, external_id, parent, move=False)


@grants_app.command("remove")
def grants_remove(
    ctx: typer.Context, name: str, space: Annotated[str, typer.Argument(help="KIND:ID")]
) -> None:
    """Take back a grant."""
    with _runtime(ctx) as runtime, runtime.transaction() as session:
        kind, external_id = spaces.parse_ref(space, vocabulary.SPACE_KINDS)
        principal = accounts.get_principal(session, name)
        target = spaces.find(session, kind, external_id)
        removed = target is not None and accounts.remove_grant(session, principal, target)
    console.print(f"removed {escape(name)} from {escape(space)}" if removed else "no such grant")


@app.command("gc")
def collect_garbage(ctx: typer.Context) -> None:
    """Delete expired temp images and uploads, old trash, and blobs nothing refers to."""
    with _runtime(ctx) as runtime:
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
    with _runtime(ctx) as runtime:
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


# --- Cyclos provisioning: advertisements, contact infos, access clients, temp images -----------
# darkroom does not re-implement Cyclos; these make the entities its image API refers to.

ads_app = typer.Typer(help="Cyclos advertisements (albums of ad images).", no_args_is_help=True)
contact_infos_app = typer.Typer(help="Cyclos contact infos (one image each).", no_args_is_help=True)
access_clients_app = typer.Typer(help="Cyclos access clients.", no_args_is_help=True)
temp_images_app = typer.Typer(help="Cyclos temporary images.", no_args_is_help=True)
app.add_typer(ads_app, name="ads")
app.add_typer(contact_infos_app, name="contact-infos")
app.add_typer(access_clients_app, name="access-clients")
app.add_typer(temp_images_app, name="temp-images")

EntityId = Annotated[
    str | None, typer.Option("--id", help="Positive integer id; generated when absent.")
]
EntityName = Annotated[str, typer.Option("--name", help="A name for people.")]


def _entity_line(entity: Entity) -> str:
    product = f", product number {entity.product_number}" if entity.product_number else ""
    return f"{entity.kind.value} {entity.id} of user {entity.owner_id}{product}"


def _create_entity(
    ctx: typer.Context,
    user: str,
    kind: EntityKind,
    entity_id: str | None,
    name: str,
    product_number: str | None = None,
) -> None:
    with _runtime(ctx) as runtime:
        entity = entities.create(
            runtime, user, kind, entity_id, name=name, product_number=product_number
        )
    console.print(f"created {escape(_entity_line(entity))}")


def _list_entities(ctx: typer.Context, user: str, kind: EntityKind) -> None:
    table = Table("id", "name", "product number", "images")
    with _runtime(ctx) as runtime:
        for entity in entities.list_for(runtime, user, kind):
            table.add_row(
                entity.id,
                escape(entity.name),
                escape(entity.product_number or ""),
                str(entity.image_count),
            )
    console.print(table)


def _delete_entity(ctx: typer.Context, user: str, kind: EntityKind, entity_id: str) -> None:
    with _runtime(ctx) as runtime:
        entities.delete(runtime, user, kind, entity_id)
    console.print(f"deleted {kind.value} {escape(entity_id)} and its images")


@ads_app.command("create")
def ads_create(
    ctx: typer.Context,
    user: str,
    entity_id: EntityId = None,
    product_number: Annotated[
        str | None, typer.Option("--product-number", help="Webshop product number.")
    ] = None,
    name: EntityName = "",
) -> None:
    """Create an advertisement of USER (its images: /api/marketplace/ID/images)."""
    _create_entity(ctx, user, EntityKind.AD, entity_id, name, product_number)


@ads_app.command("list")
def ads_list(ctx: typer.Context, user: str) -> None:
    """List USER's advertisements."""
    _list_entities(ctx, user, EntityKind.AD)


@ads_app.command("delete")
def ads_delete(ctx: typer.Context, user: str, entity_id: str) -> None:
    """Delete an advertisement of USER and its images."""
    _delete_entity(ctx, user, EntityKind.AD, entity_id)


@contact_infos_app.command("create")
def contact_infos_create(
    ctx: typer.Context, user: str, entity_id: EntityId = None, name: EntityName = ""
) -> None:
    """Create a contact info of USER (its image: /api/contact-infos/ID/image)."""
    _create_entity(ctx, user, EntityKind.CONTACT_INFO, entity_id, name)


@contact_infos_app.command("list")
def contact_infos_list(ctx: typer.Context, user: str) -> None:
    """List USER's contact infos."""
    _list_entities(ctx, user, EntityKind.CONTACT_INFO)


@contact_infos_app.command("delete")
def contact_infos_delete(ctx: typer.Context, user: str, entity_id: str) -> None:
    """Delete a contact info of USER and its image."""
    _delete_entity(ctx, user, EntityKind.CONTACT_INFO, entity_id)


@access_clients_app.command("create")
def access_clients_create(
    ctx: typer.Context,
    user: str,
    label: Annotated[str, typer.Option(help="What the access client is for.")] = "",
    activation_code: Annotated[
        bool,
        typer.Option(
            "--activation-code",
            help="Print a one-time activation code for POST /api/clients/activate instead.",
        ),
    ] = False,
) -> None:
    """Issue an access client for USER; its token (or activation code) is the last line."""
    with _runtime(ctx) as runtime:
        principal = accounts.principal_named(runtime, user)
        issue = logins.issue_activation_code if activation_code else logins.issue_access_client
        issued = issue(runtime, principal.id, label=label)
    what = "activation code" if activation_code else "Access-Client-Token"
    errors.print(f"{what} for {escape(user)} (shown once, store it now):")
    print(issued.token)


@temp_images_app.command("attach")
def temp_images_attach(
    ctx: typer.Context,
    image: Annotated[str, typer.Argument(help="Id or key of the temporary image.")],
    profile: Annotated[
        str | None, typer.Option("--profile", help="Login name: add to their profile.")
    ] = None,
    ad: Annotated[str | None, typer.Option("--ad", help="Advertisement id.")] = None,
    contact_info: Annotated[
        str | None, typer.Option("--contact-info", help="Contact info id (replaces its image).")
    ] = None,
) -> None:
    """Attach a temporary image to a profile, an advertisement or a contact info."""
    destination = Destination(profile_of=profile, advertisement=ad, contact_info=contact_info)
    with _runtime(ctx) as runtime:
        attached = entities.attach(runtime, image, destination)
    console.print(f"attached image {attached.id}; it no longer expires")


# --- Capabilities that end (issue 11): signed share links --------------------------------------


@app.command("share")
def share(
    ctx: typer.Context,
    image: Annotated[
        str, typer.Argument(help="procore:ID, cyclos:ID-or-KEY, moov:PUBLIC-ID or ID.")
    ],
    expires: Annotated[
        str, typer.Option("--expires", help="How long the link works: 30m, 12h, 7d, 2w (≤ 366d).")
    ] = "7d",
) -> None:
    """Print a signed link to IMAGE that works for anyone until it expires (the last line).

    Links start with DARKROOM_PUBLIC_URL (else http://HOST:PORT); the signing keys are those of
    the server (DARKROOM_SIGNING_KEYS, else the data folder's secret), so run it with the
    server's settings.
    """
    from darkroom.api import links
    from darkroom.core import sharing

    with _runtime(ctx) as runtime:
        seconds = sharing.parse_duration(expires)
        minted = sharing.share(runtime, links.find(runtime, image), seconds)
        settings = runtime.settings
        base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    until = datetime.fromtimestamp(minted.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    errors.print(f"link to image {minted.image.id}, valid until {until}:")
    print(links.url(base, minted))


# --- Credential life cycle (issue 11): list and revoke tokens and access clients, deactivate
# and reactivate users, change passwords. Listings never show a secret.


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else ""


def _credential_table(found: list[credentials.CredentialInfo]) -> Table:
    table = Table("id", "user", "kind", "label", "created", "expires", "last used", "revoked")
    for info in found:
        table.add_row(
            str(info.id),
            escape(info.user),
            info.kind,
            escape(info.label),
            _when(info.created),
            _when(info.expires),
            _when(info.last_used),
            _when(info.revoked),
        )
    return table


UserFilter = Annotated[str | None, typer.Option("--user", help="Only this user's.")]


@tokens_app.command("list")
def tokens_list(ctx: typer.Context, user: UserFilter = None) -> None:
    """List API tokens (never their secrets): id, user, label, created, expires, last used,
    revoked."""
    with _runtime(ctx) as runtime:
        found = credentials.list_credentials(runtime, user=user, kinds=credentials.TOKENS)
    console.print(_credential_table(found))


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(metavar="ID")]
) -> None:
    """Revoke API token ID (see `tokens list`); it stops working at once, on every instance."""
    with _runtime(ctx) as runtime:
        info = credentials.revoke(runtime, token_id, kinds=credentials.TOKENS)
    console.print(f"revoked token {info.id} of {escape(info.user)}")


@access_clients_app.command("list")
def access_clients_list(ctx: typer.Context, user: UserFilter = None) -> None:
    """List access clients and activation codes (never their secrets)."""
    with _runtime(ctx) as runtime:
        kinds = credentials.ACCESS_CLIENTS
        found = credentials.list_credentials(runtime, user=user, kinds=kinds)
    console.print(_credential_table(found))


@access_clients_app.command("revoke")
def access_clients_revoke(
    ctx: typer.Context, client_id: Annotated[int, typer.Argument(metavar="ID")]
) -> None:
    """Revoke access client (or activation code) ID; it stops working at once."""
    with _runtime(ctx) as runtime:
        info = credentials.revoke(runtime, client_id, kinds=credentials.ACCESS_CLIENTS)
    console.print(f"revoked {info.kind} {info.id} of {escape(info.user)}")


@users_app.command("deactivate")
def users_deactivate(ctx: typer.Context, name: str) -> None:
    """Refuse every credential of user NAME at once (passwords, tokens, sessions, access
    clients); their sessions end. `users reactivate` undoes it (sessions stay ended)."""
    with _runtime(ctx) as runtime:
        credentials.set_active(runtime, name, False)
    console.print(f"deactivated {escape(name)}")


@users_app.command("reactivate")
def users_reactivate(ctx: typer.Context, name: str) -> None:
    """Let user NAME in again with their password, tokens and access clients."""
    with _runtime(ctx) as runtime:
        credentials.set_active(runtime, name, True)
    console.print(f"reactivated {escape(name)}")


@users_app.command("password")
def users_password(ctx: typer.Context, name: str) -> None:
    """Set user NAME's password, read from the prompt (twice) or, when piped, the first line of
    stdin. Ends all of NAME's sessions."""
    if sys.stdin.isatty():
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with _runtime(ctx) as runtime:
        ended = credentials.change_password(runtime, name, password)
    console.print(f"changed the password of {escape(name)}; ended {ended} sessions")


# --- roles: spaces with fixed parents ----------------------------------------------------------
# Only an admin (this CLI) makes a child space under its parent or moves it to another.

spaces_app = typer.Typer(help="Spaces that belong to another (projects of companies).")
app.add_typer(spaces_app, name="spaces")


@spaces_app.command("move")
def spaces_move(
    ctx: typer.Context,
    space: Annotated[str, typer.Argument(help="KIND:ID, e.g. procore-project:10")],
    parent: Annotated[str, typer.Argument(help="KIND:ID, e.g. procore-company:2")],
) -> None:
    """Put SPACE under PARENT: made there if new, moved there if it belongs to another."""
    with _runtime(ctx) as runtime:
        spaces.relocate(
            runtime,
            spaces.parse_ref(space, vocabulary.SPACE_KINDS),
            spaces.parse_ref(parent, vocabulary.SPACE_KINDS),
            parent_kinds=vocabulary.PARENT_KINDS,
            seeds=vocabulary.SEEDS,
        )
    console.print(f"{escape(space)} now belongs to {escape(parent)}")


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
    with _runtime(ctx) as runtime:
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


# --- duplicates: the same picture more than once in a space ------------------------------------


@app.command("duplicates")
def list_duplicates(
    ctx: typer.Context,
    space: Annotated[str, typer.Argument(help="KIND:ID, e.g. moov-account:acct1")],
    distance: Annotated[
        int,
        typer.Option("--distance", min=0, max=64, help="Most bits apart for a near copy (of 64)."),
    ] = duplicates.NEAR_DISTANCE,
) -> None:
    """List the images of SPACE that are the same picture: exact copies (the same bytes) and
    near ones (resized, recompressed or lightly cropped). Trashed images are left out."""
    with _runtime(ctx) as runtime:
        with runtime.reading() as session:
            kind, external_id = spaces.parse_ref(space, vocabulary.SPACE_KINDS)
            found = spaces.find(session, kind, external_id)
            if found is None:
                raise BadInput(f"{space} does not exist")
            space_id = found.id
        groups = duplicates.find_groups(runtime, space_id, distance=distance)
    if groups:
        console.print(_duplicates_table(groups))
    exact = sum(group.exact for group in groups)
    console.print(f"{exact} exact and {len(groups) - exact} near groups in {escape(space)}")


def _duplicates_table(groups: list[duplicates.Group]) -> Table:
    table = Table("group", "kind", "image", "name", "size", "bytes")
    for number, group in enumerate(groups, start=1):
        for member in group.members:
            table.add_row(
                str(number),
                "exact" if group.exact else "near",
                str(member.image_id),
                escape(member.name),
                f"{member.width}x{member.height}",
                str(member.byte_size),
            )
        table.add_section()
    return table


# --- export: a space's originals, byte-identical, with their metadata beside them --------------


class ExportFormat(StrEnum):
    DIR = "dir"
    ZIP = "zip"


@app.command("export")
def export_space(
    ctx: typer.Context,
    target: Annotated[
        str,
        typer.Argument(
            metavar="SPACE[/ALBUM]",
            help="KIND:ID, e.g. moov-account:acct1; /ALBUM exports one album, by name or #ID.",
        ),
    ],
    dest: Annotated[
        str,
        typer.Argument(
            metavar="DEST", help="A new or empty folder; with --format zip a .zip file or -."
        ),
    ],
    output: Annotated[
        ExportFormat,
        typer.Option("--format", help="dir: a folder; zip: one zip file, or - for stdout."),
    ] = ExportFormat.DIR,
) -> None:
    """Export every live image of SPACE (or of one album): the originals byte-identical, in
    album order, as ALBUM/NNNN-NAME, each with a NAME.json sidecar holding what darkroom knows
    of it, plus manifest.json and SHA256SUMS (`cd DEST && sha256sum -c SHA256SUMS`).

    Trashed and expired images are left out, and so are temporary images (uploads not yet
    attached to anything). Two albums with the same name: name one as SPACE/#ID. An existing
    non-empty DEST is refused, never overwritten. Exits 1 if an original is missing or corrupt
    in the store, after exporting all the others."""
    to_stdout = output is ExportFormat.ZIP and dest == "-"
    shown = errors if to_stdout else console  # stdout carries the zip itself
    with _runtime(ctx) as runtime:
        space_id, space_ref, album = _export_target(runtime, target)
        album_id = None if album is None else export.choose_album(runtime, space_id, album)
        plan = export.plan(runtime, space_id, space_ref, album_id=album_id)
        totals = {"files": len(plan.items), "byte_size": plan.byte_size}
        with _export_writer(output, dest) as writer, progress(shown, "exporting", **totals) as bar:

            def done(item: export.Done) -> None:
                if item.error is not None:
                    kept = " (its bytes stay in the zip)" if writer.keeps_failed else ""
                    errors.print(
                        f"[red]failed[/red] image {item.item.image_id} "
                        f"{escape(item.item.path)}: {escape(item.error)}{escape(kept)}"
                    )
                bar.advance(byte_size=0 if item.error else item.item.byte_size)

            report = export.run(runtime, plan, writer, on_file=done)
    albums = sum(1 for entry in plan.albums if entry.count)
    shown.print(
        f"exported {report.exported} images in {albums} albums of {escape(space_ref)}, "
        f"{megabytes(report.byte_size)} in {report.seconds:.2f} s "
        f"({rate(report.byte_size, report.seconds)})"
    )
    if report.failed:
        errors.print(f"[red]{len(report.failed)} images could not be exported[/red]")
        raise typer.Exit(code=1)


def _export_target(runtime: Runtime, text: str) -> tuple[int, str, str | None]:
    """(space id, space as KIND:ID, album or None) from SPACE[/ALBUM]. The whole text is tried
    as a space first, since an id may hold a "/"; otherwise the album starts at the first "/"."""
    space_text, _, album = text.partition("/")
    candidates = [(text, None), (space_text, album)] if album else [(text, None)]
    with runtime.reading() as session:
        for ref, wanted in candidates:
            try:
                kind, external_id = spaces.parse_ref(ref, vocabulary.SPACE_KINDS)
            except Invalid:
                if wanted is None and album:
                    continue  # not a space as a whole: try the part before the "/"
                raise
            found = spaces.find(session, kind, external_id)
            if found is not None:
                return found.id, ref, wanted
    raise BadInput(f"{space_text} does not exist")


@contextmanager
def _export_writer(output: ExportFormat, dest: str) -> Iterator[archive.Writer]:
    """The folder or zip an export writes to; refuses a DEST that holds anything already. A
    failure to write (a full disk, a closed pipe) stops the export with one line."""
    try:
        with _writer(output, dest) as writer:
            yield writer
    except OSError as error:
        raise CommandError(f"could not write {dest}: {error.strerror or error}") from None


@contextmanager
def _writer(output: ExportFormat, dest: str) -> Iterator[archive.Writer]:
    if output is ExportFormat.DIR:
        if dest == "-":
            raise BadInput("a folder export needs a folder; use --format zip for stdout")
        yield archive.FolderWriter(Path(dest))
        return
    if dest == "-":
        stdout = sys.stdout.buffer  # read now: a test runner swaps sys.stdout
        if stdout.isatty():
            raise BadInput("refusing to write a zip to a terminal; redirect stdout or name a file")
        yield archive.ZipWriter(stdout)
        stdout.flush()
        return
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        out = path.open("xb")
    except FileExistsError:
        raise BadInput(f"{dest} exists; an export never overwrites a file") from None
    try:
        with out:
            yield archive.ZipWriter(out)
    except BaseException:
        path.unlink(missing_ok=True)  # a zip cut short is no use to anyone
        raise


# --- import: folders and zip files of photos, in through core's ingest -------------------------

OPERATOR = Actor(principal_id=None, role=Role.ADMIN, name="darkroom import")


@app.command("import")
def import_photos(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="Folders, zip files or single images.")
    ],
    into: Annotated[
        str,
        typer.Option(
            "--into",
            help="KIND:ID or KIND:ID/ALBUM. Without ALBUM, files go to an album named after "
            "their folder or zip, and an export's files back to their own albums.",
        ),
    ],
    company: Annotated[
        str | None, typer.Option("--company", help="The company of a new procore-project.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every file and say what would happen.")
    ] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="Files at once (default: CPUs).")
    ] = None,
) -> None:
    """Import every image under PATHS into a space. Files are sniffed, checked and stored as
    uploads are; sidecars (darkroom's .json, Google Takeout .json, XMP) give names, descriptions,
    dates and places. Stopping is safe: a rerun skips what is already in. Exits 1 if a file
    was refused."""
    space_ref, _, album = into.partition("/")
    with _runtime(ctx) as runtime:
        scope = _import_scope(runtime, space_ref, company, dry_run=dry_run)
        target = _import_target(scope, album.strip() or None)
        found = list(importing.entries(paths))
        with _import_progress(found, dry_run=dry_run) as heard:
            try:
                summary = importing.import_files(
                    runtime, target, found, dry_run=dry_run, workers=workers, on_outcome=heard
                )
            except KeyboardInterrupt:
                errors.print("interrupted: what was imported stays; run again to finish")
                raise typer.Exit(code=130) from None
    console.print(_import_table(summary))
    console.print(_import_line(summary, len(found)))
    if summary.counts[importing.Result.REFUSED]:
        raise typer.Exit(code=1)


def _import_scope(runtime: Runtime, ref: str, company: str | None, *, dry_run: bool) -> Scope:
    """The scope an import writes in: a user's own space as that user, any other as the
    operator; made if missing (not in a dry run)."""
    kind, external_id = spaces.parse_ref(ref, vocabulary.SPACE_KINDS)
    with runtime.transaction() as session:
        if kind == vocabulary.CYCLOS_USER:
            return _user_scope(session, external_id, dry_run=dry_run)
        found = spaces.find(session, kind, external_id)
        if found is None and dry_run:
            return trusted_scope(SpaceRecord(UNBORN, kind, external_id), OPERATOR)
        space = found or _grant_target(session, kind, external_id, company)
        return trusted_scope(space, OPERATOR, SpaceRole.MANAGER)


def _user_scope(session: Session, user: str, *, dry_run: bool) -> Scope:
    """User ``user``'s (a name or an id) own space, as that user."""
    owner = accounts.find_principal(session, user)
    if owner is None and user.isdigit():
        owner = session.get(Principal, int(user))
    if owner is None:
        raise BadInput(f"no user {user}")
    found = spaces.find(session, vocabulary.CYCLOS_USER, str(owner.id))
    if found is None and dry_run:
        unborn = SpaceRecord(UNBORN, vocabulary.CYCLOS_USER, str(owner.id))
        return trusted_scope(unborn, accounts.actor_of(owner), SpaceRole.MANAGER)
    return personal.system_scope(session, found or personal.space_of(session, owner.id))


def _import_target(scope: Scope, album: str | None) -> importing.Target:
    home = vocabulary.IMPORT_ALBUMS.get(scope.space.kind)
    if home is None:
        return importing.Target(scope=scope, album_type=vocabulary.V1_GALLERY, album=album)
    if album is not None:
        raise BadInput(f"a {scope.space.kind} space has one album: leave out /{album}")
    return importing.Target(scope=scope, album_type=home, one_album=True)


@contextmanager
def _import_progress(
    found: list[importing.Entry], *, dry_run: bool
) -> Iterator[Callable[[importing.Outcome], None]]:
    """The bar (or plain lines) of ``darkroom.progress``; refusals printed as they happen."""
    label = "checking" if dry_run else "importing"
    total = sum(entry.size for entry in found)
    with progress(console, label, files=len(found), byte_size=total) as bar:

        def heard(outcome: importing.Outcome) -> None:
            if outcome.result is importing.Result.REFUSED:
                bar.note(_refused_line(outcome))
            bar.advance(byte_size=outcome.size)

        yield heard


def _refused_line(outcome: importing.Outcome) -> str:
    return f"[red]refused[/red] {escape(outcome.path)}: {escape(outcome.message or '')}"


def _import_table(summary: importing.Summary) -> Table:
    table = Table("result", "files")
    for result in importing.Result:
        if result is importing.Result.REFUSED:
            for reason, count in sorted(summary.refused.items()):
                table.add_row(f"refused: {reason}", str(count))
        elif summary.counts[result]:
            table.add_row(str(result), str(summary.counts[result]))
    return table


def _import_line(summary: importing.Summary, files: int) -> str:
    counts = summary.counts
    done = (
        f"{counts[importing.Result.WOULD_IMPORT]} would be imported"
        if counts[importing.Result.WOULD_IMPORT]
        else f"{counts[importing.Result.IMPORTED]} imported"
    )
    return (
        f"{files} files in {summary.seconds:.1f} s: {done},"
        f" {counts[importing.Result.PRESENT]} already present,"
        f" {counts[importing.Result.REFUSED]} refused ({rate(summary.bytes_in, summary.seconds)})"
    )
