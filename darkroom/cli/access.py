"""Who may act where: grants on spaces, spaces that belong to another, signed share links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from darkroom.api import vocabulary
from darkroom.cli._base import (
    BadInput,
    app,
    console,
    errors,
    grants_app,
    opened,
)
from darkroom.core import (
    accounts,
    spaces,
)
from darkroom.core.access import SpaceRole
from darkroom.db.models import Space


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
    with opened(ctx) as runtime, runtime.transaction() as session:
        kind, external_id = spaces.parse_ref(space, vocabulary.SPACE_KINDS)
        principal = accounts.get_principal(session, name)
        target = grant_target(session, kind, external_id, company)
        accounts.add_grant(session, principal, target, role=role)
    console.print(f"{escape(name)} may now act in {escape(space)} as {role.value}")


def grant_target(session: Session, kind: str, external_id: str, company: str | None) -> Space:
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
    with opened(ctx) as runtime, runtime.transaction() as session:
        kind, external_id = spaces.parse_ref(space, vocabulary.SPACE_KINDS)
        principal = accounts.get_principal(session, name)
        target = spaces.find(session, kind, external_id)
        removed = target is not None and accounts.remove_grant(session, principal, target)
    console.print(f"removed {escape(name)} from {escape(space)}" if removed else "no such grant")


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

    with opened(ctx) as runtime:
        seconds = sharing.parse_duration(expires)
        minted = sharing.share(runtime, links.find(runtime, image), seconds)
        settings = runtime.settings
        base = settings.public_url.rstrip("/") or f"http://{settings.host}:{settings.port}"
    until = datetime.fromtimestamp(minted.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    errors.print(f"link to image {minted.image.id}, valid until {until}:")
    print(links.url(base, minted))


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
    with opened(ctx) as runtime:
        spaces.relocate(
            runtime,
            spaces.parse_ref(space, vocabulary.SPACE_KINDS),
            spaces.parse_ref(parent, vocabulary.SPACE_KINDS),
            parent_kinds=vocabulary.PARENT_KINDS,
            seeds=vocabulary.SEEDS,
        )
    console.print(f"{escape(space)} now belongs to {escape(parent)}")
