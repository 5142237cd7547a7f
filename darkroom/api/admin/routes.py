"""``/admin/v1``: Cyclos advertisements and contact infos per user, and temp-image attachment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from darkroom.api import vocabulary
from darkroom.api.common.auth import basic_actor
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.cyclos import entities
from darkroom.api.cyclos.entities import Destination, Entity, EntityKind
from darkroom.core import spaces
from darkroom.core.access import Actor
from darkroom.errors import Forbidden, Invalid, Unauthorized

router = APIRouter(prefix="/admin/v1", tags=["admin"])

KINDS = {"ads": EntityKind.AD, "contact-infos": EntityKind.CONTACT_INFO}


def require_admin(
    runtime: RuntimeDep, authorization: Annotated[str | None, Header()] = None
) -> Actor:
    """The administrator behind the request's Basic credentials; 401 or 403 otherwise."""
    actor = basic_actor(runtime, authorization)
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
