"""Cyclos JSON shapes (spec §5): Image, ImageView, ImagesListData, Auth, and the 201 upload body.

Full upstream objects are sent (the generated client drops the allOf parents, other clients do
not); ``fields`` selection is applied to whatever is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse, Response

from darkroom.api import vocabulary
from darkroom.api.common import signed
from darkroom.api.cyclos.auth import Caller
from darkroom.api.cyclos.fields import FieldSelector, apply_fields
from darkroom.core import access, renditions
from darkroom.core.access import Role
from darkroom.core.directory import PrincipalType
from darkroom.core.logins import Login
from darkroom.core.records import ImageRecord, PrincipalRecord
from darkroom.core.renditions import Ask
from darkroom.core.runtime import Runtime

# C3: content is served in the 4.11 content types only.
SERVED_FORMATS = vocabulary.CYCLOS_SERVED_FORMATS


def served(width: int | None = None, height: int | None = None) -> Ask:
    """What Cyclos content is: at most ``width`` x ``height``, in the 4.11 content types."""
    return Ask(width=width, height=height, formats=SERVED_FORMATS)


IMAGE_KINDS = {
    vocabulary.CYCLOS_PROFILE.kind: "profile",
    vocabulary.CYCLOS_CUSTOM.kind: "userCustom",
    vocabulary.CYCLOS_AD.kind: "marketplace",
    vocabulary.CYCLOS_CONTACT_INFO.kind: "contactInfo",
    vocabulary.CYCLOS_TEMP.kind: "temp",
}

# Every ImageKind value (spec §5.5): what op 5 accepts in its {kind} segment.
ALL_IMAGE_KINDS = frozenset(
    {
        "contactInfo",
        "customFieldValue",
        "marketplace",
        "marketplaceCategory",
        "profile",
        "systemCustom",
        "temp",
        "userCustom",
        "voucherType",
    }
)

# Cyclos' brokers manage other users: in darkroom, holders of a manager grant on a personal space.
ADMINISTRATOR, BROKER, MEMBER = "administrator", "broker", "member"

PRINCIPAL_TYPES = {
    PrincipalType.LOGIN_NAME: ("username", "Login name"),
    PrincipalType.EMAIL: ("email", "E-mail"),
}

# darkroom has one configuration, one language and one kind of access client; Cyclos clients
# expect references to them.
CONFIGURATION = {"id": "1", "version": 0}
LANGUAGE = {"id": "1", "version": 0}
PASSWORD_TYPE = {"id": "1", "name": "Login password", "internalName": "login"}
ACCESS_CLIENT_TYPE = {"id": "1", "name": "darkroom access client", "internalName": "darkroom"}
AVAILABILITY = "optional"


def json(body: Any, fields: FieldSelector | None = None, status_code: int = 200) -> Response:
    return JSONResponse(apply_fields(body, fields) if fields else body, status_code=status_code)


def created(rt: Runtime, image: ImageRecord, base_url: str) -> Response:
    """201, the bare id as text (spec §4.7) and the content URL in ``Location``."""
    return Response(
        str(image.id),
        status_code=201,
        media_type="text/plain",
        headers={"Location": content_url(image, base_url, signed.query(rt, image))},
    )


def content_url(image: ImageRecord, base_url: str, link: str = "") -> str:
    """The content URL by key (a capability); ``link`` is its signed query when not every
    guest may see the image (``api/common/signed.py``)."""
    return f"{base_url}/api/images/content/{image.key}{link}"


def kind_of(found: ImageRecord) -> str:
    return IMAGE_KINDS[found.album.kind]


def image(rt: Runtime, found: ImageRecord, base_url: str) -> dict[str, Any]:
    content_type = renditions.served_format(rt, found.blob, served())
    return {
        "id": str(found.id),
        "name": found.name,
        "contentType": content_type.mime_type,
        "length": found.blob.byte_size,
        "url": content_url(found, base_url, signed.query(rt, found)),
        "width": found.width,
        "height": found.height,
    }


def image_view(rt: Runtime, found: ImageRecord, base_url: str) -> dict[str, Any]:
    return {
        **image(rt, found, base_url),
        "kind": kind_of(found),
        "convertedToJpeg": False,  # darkroom keeps every accepted original as uploaded
    }


def images(rt: Runtime, found: Sequence[ImageRecord], base_url: str) -> list[dict[str, Any]]:
    return [image(rt, each, base_url) for each in found]


def list_data(
    rt: Runtime,
    found: Sequence[ImageRecord],
    base_url: str,
    *,
    can_manage: bool,
    max_images: int | None,
) -> dict[str, Any]:
    room = max_images is None or len(found) < max_images
    return {
        "canManage": can_manage,
        "canEdit": can_manage,  # the 4.16 name of the same flag
        "canCreate": can_manage and room,
        "maxImages": max_images,
        "availability": AVAILABILITY,
        "images": images(rt, found, base_url),
    }


def auth(
    rt: Runtime,
    caller: Caller,
    base_url: str,
    *,
    user: PrincipalRecord | None = None,
    portrait: ImageRecord | None = None,
    access_client: Login | None = None,
    session_token: str | None = None,
) -> dict[str, Any]:
    """The Auth object: who the caller is, what they may do, and a new session's token."""
    role = caller.actor.role
    body: dict[str, Any] = {
        "language": LANGUAGE,
        "global": role is Role.ADMIN,
        "systemAdministrator": role is Role.ADMIN,
        "aliasOperator": False,
        "permissions": {},
        "expiredPassword": False,
        "pendingAgreements": False,
        "expiredSecondaryPassword": False,
        "pendingSecondaryPassword": False,
        "configuration": CONFIGURATION,
    }
    if user is not None:
        body.update(_user_part(rt, caller, user, base_url, portrait))
    if session_token is not None:
        body["sessionToken"] = session_token
    if access_client is not None:
        body["accessClient"] = access_client_body(access_client)
    return body


def _user_part(
    rt: Runtime,
    caller: Caller,
    principal: PrincipalRecord,
    base_url: str,
    portrait: ImageRecord | None,
) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": str(principal.id),
        "display": principal.display_name or principal.name,
        "shortDisplay": principal.name,
    }
    if portrait is not None:
        user["image"] = image(rt, portrait, base_url)
    type_id, type_name = PRINCIPAL_TYPES[caller.principal_type]
    return {
        "user": user,
        "role": _role(rt, caller),
        "principalType": {"id": type_id, "name": type_name, "internalName": type_id},
        "principal": caller.principal_text or principal.name,
        "passwordType": PASSWORD_TYPE,
    }


def _role(rt: Runtime, caller: Caller) -> str:
    if caller.actor.is_admin:
        return ADMINISTRATOR
    return BROKER if access.manages_some_user(rt, caller.actor) else MEMBER


def access_client_body(login: Login) -> dict[str, Any]:
    return {"id": str(login.id), "name": login.label, "internalName": None}
