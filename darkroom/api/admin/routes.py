"""``/admin/v1``: Cyclos advertisements and contact infos per user, and temp-image attachment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from darkroom.api import links, vocabulary
from darkroom.api.common.auth import basic_actor
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.rate_limits import client_address
from darkroom.api.common.urls import base_url
from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import Destination, Entity, EntityKind
from darkroom.core import credentials, sharing, spaces
from darkroom.core.access import Actor
from darkroom.core.accounts import CredentialKind
from darkroom.errors import Forbidden, Invalid, Unauthorized

router = APIRouter(prefix="/admin/v1", tags=["admin"])

KINDS = {"ads": EntityKind.AD, "contact-infos": EntityKind.CONTACT_INFO}
CHECKED_ADMIN = "admin"  # the request state's key for the administrator the gate let through


def require_admin(
    runtime: RuntimeDep, request: Request, authorization: Annotated[str | None, Header()] = None
) -> Actor:
    """The administrator behind the request's Basic credentials; 401 or 403 otherwise (429
    while the address or the name failed too often). Asked once per request: the admin gate
    (``gate.py``) asks first and keeps the answer in the request's state."""
    checked = request.scope.get("state", {}).get(CHECKED_ADMIN)
    if isinstance(checked, Actor):
        return checked
    actor = basic_actor(runtime, authorization, client_address(request))
    if actor is None:
        raise Unauthorized("an administrator's Basic credentials are required")
    if not actor.is_admin:
        raise Forbidden("only administrators may use the admin interface")
    return actor


AdminDep = Annotated[Actor, Depends(require_admin)]


class EntityIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    id: str | None = Field(None, description="Positive integer; generated when absent.")
    product_number: str | None = Field(None, alias="productNumber")
    name: str = ""


class AttachIn(BaseModel):
    """Exactly one destination: a user's profile, an advertisement or a contact info."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    profile: str | None = Field(None, description="Login name of the user.")
    advertisement: str | None = None
    contact_info: str | None = Field(None, alias="contactInfo")


def _kind(kind: str) -> EntityKind:
    found = KINDS.get(kind)
    if found is None:
        raise Invalid(f"unknown kind {kind!r}; use ads or contact-infos", field="kind")
    return found


def _json(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id,
        "kind": entity.kind.value,
        "ownerId": str(entity.owner_id),
        "name": entity.name,
        "productNumber": entity.product_number,
        "images": entity.image_count,
    }


@router.post("/users/{user}/{kind}", status_code=201)
def create_entity(
    runtime: RuntimeDep, _: AdminDep, user: str, kind: str, body: EntityIn
) -> dict[str, Any]:
    """Create an advertisement (``ads``) or contact info (``contact-infos``) of ``user``."""
    entity = entities.create(
        runtime, user, _kind(kind), body.id, name=body.name, product_number=body.product_number
    )
    return _json(entity)


@router.get("/users/{user}/{kind}")
def list_entities(runtime: RuntimeDep, _: AdminDep, user: str, kind: str) -> list[dict[str, Any]]:
    return [_json(entity) for entity in entities.list_for(runtime, user, _kind(kind))]


@router.delete("/users/{user}/{kind}/{entity_id}", status_code=204)
def delete_entity(
    runtime: RuntimeDep, _: AdminDep, user: str, kind: str, entity_id: str
) -> Response:
    """Remove the entity and its images for good."""
    entities.delete(runtime, user, _kind(kind), entity_id)
    return Response(status_code=204)


@router.post("/temp-images/{id_or_key}/attach")
def attach_temp_image(
    runtime: RuntimeDep, _: AdminDep, id_or_key: str, body: AttachIn
) -> dict[str, Any]:
    """Move a temporary image to a profile, an advertisement or a contact info."""
    destination = Destination(
        profile_of=body.profile, advertisement=body.advertisement, contact_info=body.contact_info
    )
    image = entities.attach(runtime, id_or_key, destination)
    return {"id": str(image.id), "key": image.key}


# --- Capabilities that end (issue 11): signed share links --------------------------------------


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expires: str = Field("7d", description="How long the link works: 30m, 12h, 7d, 2w (≤ 366d).")


@router.post("/images/{ref}/share", status_code=201)
def share_image(
    request: Request, runtime: RuntimeDep, _: AdminDep, ref: str, body: ShareIn | None = None
) -> dict[str, Any]:
    """A signed link to the image ``ref`` (``procore:123``, ``cyclos:<id or key>``,
    ``moov:<publicID>`` or a bare id), working for anyone until it expires."""
    seconds = sharing.parse_duration((body or ShareIn()).expires)
    minted = sharing.share(runtime, links.find(runtime, ref), seconds)
    return {
        "url": links.url(base_url(request, runtime), minted),
        "expiresAt": datetime.fromtimestamp(minted.expires_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "image": {"id": minted.image.id, "publicId": minted.image.public_id},
    }


# --- Credential life cycle (issue 11): list, issue and revoke credentials by id, deactivate and
# reactivate users, change passwords. Listings never carry secrets.

CREDENTIAL_KINDS = {
    "token": credentials.TOKENS,
    "access-client": credentials.ACCESS_CLIENTS,
    "session": (CredentialKind.SESSION,),
}


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    label: str = Field("", max_length=255)
    expires_in_seconds: int | None = Field(None, gt=0, le=100 * 365 * 86400)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)


class ActiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


def _kinds(kind: str | None) -> tuple[CredentialKind, ...]:
    if kind is None:
        return credentials.LISTED
    found = CREDENTIAL_KINDS.get(kind)
    if found is None:
        raise Invalid(f"unknown kind {kind!r}; use token, access-client or session", field="kind")
    return found


def _credential_json(info: credentials.CredentialInfo) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {
        "id": info.id,
        "user": info.user,
        "kind": info.kind,
        "label": info.label,
        "state": info.state(),
        "created": when(info.created),
        "expires": when(info.expires),
        "lastUsed": when(info.last_used),
        "revoked": when(info.revoked),
    }


@router.get("/credentials")
def list_credentials(
    runtime: RuntimeDep, _: AdminDep, user: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Tokens, sessions and access clients (``kind``: token, access-client, session), of
    ``user`` if given; never their secrets."""
    found = credentials.list_credentials(runtime, user=user, kinds=_kinds(kind))
    return [_credential_json(info) for info in found]


@router.post("/tokens", status_code=201)
def create_token(runtime: RuntimeDep, _: AdminDep, body: TokenIn) -> dict[str, Any]:
    """A new API token of ``user``: the token is in this answer and nowhere else."""
    lifetime = timedelta(seconds=body.expires_in_seconds) if body.expires_in_seconds else None
    token, info = credentials.issue_token(runtime, body.user, label=body.label, expires_in=lifetime)
    return {"token": token, "credential": _credential_json(info)}


@router.post("/credentials/{credential_id}/revoke")
def revoke_credential(
    runtime: RuntimeDep, _: AdminDep, credential_id: int, kind: str | None = None
) -> dict[str, Any]:
    """Revoke credential ``credential_id``; it is refused from the next request on, everywhere."""
    return _credential_json(credentials.revoke(runtime, credential_id, kinds=_kinds(kind)))


@router.put("/users/{user}/password", status_code=204)
def change_password(runtime: RuntimeDep, _: AdminDep, user: str, body: PasswordIn) -> Response:
    """Set ``user``'s password and end their sessions."""
    credentials.change_password(runtime, user, body.password)
    return Response(status_code=204)


@router.put("/users/{user}/active")
def set_active(runtime: RuntimeDep, _: AdminDep, user: str, body: ActiveIn) -> dict[str, Any]:
    """Deactivate (``{"active": false}``) or reactivate a user; deactivation refuses all their
    credentials at once and ends their sessions."""
    state = credentials.set_active(runtime, user, body.active)
    return {"name": state.name, "active": state.active}


# --- roles: spaces with fixed parents; only admins make or move a project ------------------------


class ParentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent: str = Field(description="The parent space as KIND:ID, e.g. procore-company:2.")


@router.put("/spaces/{space}/parent")
def place_space(runtime: RuntimeDep, _: AdminDep, space: str, body: ParentIn) -> dict[str, Any]:
    """Put ``space`` (KIND:ID, e.g. procore-project:10) under ``parent``: made there if new,
    moved there if it belongs to another (``darkroom spaces move``)."""
    placed = spaces.relocate(
        runtime,
        spaces.parse_ref(space, vocabulary.SPACE_KINDS),
        spaces.parse_ref(body.parent, vocabulary.SPACE_KINDS),
        parent_kinds=vocabulary.PARENT_KINDS,
        seeds=vocabulary.SEEDS,
    )
    return {"space": space, "parent": body.parent, "id": placed.id}
