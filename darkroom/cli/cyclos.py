"""Cyclos provisioning: advertisements, contact infos, access clients and temporary images."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import Destination, Entity, EntityKind
from darkroom.cli._base import (
    app,
    console,
    errors,
    opened,
)
from darkroom.cli.accounts import UserFilter, credential_table
from darkroom.core import (
    accounts,
    credentials,
    logins,
)

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
    with opened(ctx) as runtime:
        entity = entities.create(
            runtime, user, kind, entity_id, name=name, product_number=product_number
        )
    console.print(f"created {escape(_entity_line(entity))}")


def _list_entities(ctx: typer.Context, user: str, kind: EntityKind) -> None:
    table = Table("id", "name", "product number", "images")
    with opened(ctx) as runtime:
        for entity in entities.list_for(runtime, user, kind):
            table.add_row(
                entity.id,
                escape(entity.name),
                escape(entity.product_number or ""),
                str(entity.image_count),
            )
    console.print(table)


def _delete_entity(ctx: typer.Context, user: str, kind: EntityKind, entity_id: str) -> None:
    with opened(ctx) as runtime:
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
    with opened(ctx) as runtime:
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
    with opened(ctx) as runtime:
        attached = entities.attach(runtime, image, destination)
    console.print(f"attached image {attached.id}; it no longer expires")


@access_clients_app.command("list")
def access_clients_list(ctx: typer.Context, user: UserFilter = None) -> None:
    """List access clients and activation codes (never their secrets)."""
    with opened(ctx) as runtime:
        kinds = credentials.ACCESS_CLIENTS
        found = credentials.list_credentials(runtime, user=user, kinds=kinds)
    console.print(credential_table(found))


@access_clients_app.command("revoke")
def access_clients_revoke(
    ctx: typer.Context, client_id: Annotated[int, typer.Argument(metavar="ID")]
) -> None:
    """Revoke access client (or activation code) ID; it stops working at once."""
    with opened(ctx) as runtime:
        info = credentials.revoke(runtime, client_id, kinds=credentials.ACCESS_CLIENTS)
    console.print(f"revoked {info.kind} {info.id} of {escape(info.user)}")
