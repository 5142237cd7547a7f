"""Users and their API tokens: create, list, revoke, deactivate, reactivate, set passwords.
Listings never show a secret."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from darkroom.cli._base import (
    console,
    errors,
    opened,
    reported,
    tokens_app,
    users_app,
)
from darkroom.core import (
    accounts,
    credentials,
)
from darkroom.core.access import Role
from darkroom.core.values import parse_duration
from darkroom.db.models import Principal


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
    with reported():
        hashed = accounts.HashedPassword.of(password)  # scrypt before the transaction
    with opened(ctx) as runtime, runtime.transaction() as session:
        principal = accounts.create_principal(
            session, name, password=hashed, role=role, email=email
        )
    console.print(f"created user {escape(principal.name)} ({principal.role}), id {principal.id}")


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users."""
    from sqlalchemy import select

    table = Table("id", "name", "role", "active")
    with opened(ctx) as runtime, runtime.transaction() as session:
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
    with reported():
        lifetime = timedelta(seconds=parse_duration(expires)) if expires is not None else None
    with opened(ctx) as runtime:
        token, info = credentials.issue_token(runtime, name, label=label, expires_in=lifetime)
    until = f", expires {info.expires:%Y-%m-%d %H:%M} UTC" if info.expires else ""
    errors.print(f"token {info.id} for {escape(name)}{until} (shown once, store it now):")
    print(token)


# --- Credential life cycle (issue 11): list and revoke tokens and access clients, deactivate
# and reactivate users, change passwords. Listings never show a secret.


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else ""


def credential_table(found: list[credentials.CredentialInfo]) -> Table:
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
    with opened(ctx) as runtime:
        found = credentials.list_credentials(runtime, user=user, kinds=credentials.TOKENS)
    console.print(credential_table(found))


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(metavar="ID")]
) -> None:
    """Revoke API token ID (see `tokens list`); it stops working at once, on every instance."""
    with opened(ctx) as runtime:
        info = credentials.revoke(runtime, token_id, kinds=credentials.TOKENS)
    console.print(f"revoked token {info.id} of {escape(info.user)}")


@users_app.command("deactivate")
def users_deactivate(ctx: typer.Context, name: str) -> None:
    """Refuse every credential of user NAME at once (passwords, tokens, sessions, access
    clients); their sessions end. `users reactivate` undoes it (sessions stay ended)."""
    with opened(ctx) as runtime:
        credentials.set_active(runtime, name, False)
    console.print(f"deactivated {escape(name)}")


@users_app.command("reactivate")
def users_reactivate(ctx: typer.Context, name: str) -> None:
    """Let user NAME in again with their password, tokens and access clients."""
    with opened(ctx) as runtime:
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
    with opened(ctx) as runtime:
        ended = credentials.change_password(runtime, name, password)
    console.print(f"changed the password of {escape(name)}; ended {ended} sessions")
