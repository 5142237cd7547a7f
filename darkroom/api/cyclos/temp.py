"""Temporary images: op 15 (upload) and op 8 (list), for users and guests (spec §4.2).

What a temp image is for (its target, user and custom field) is Cyclos' business: it is kept
in the image's extras (``Purpose``), which also filter the listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from starlette.responses import Response

from darkroom.api import vocabulary
from darkroom.api.cyclos import refs, wire
from darkroom.api.cyclos.call import Call
from darkroom.core import access, temporary
from darkroom.core.access import Actor
from darkroom.core.policy import AlbumType
from darkroom.core.runtime import Runtime
from darkroom.errors import Invalid, Unauthorized


class TempTarget(StrEnum):
    """What a temporary image is for (Cyclos' TempImageTargetEnum)."""

    ADVERTISEMENT = "advertisement"
    CONTACT_INFO = "contactInfo"
    CUSTOM_VALUE = "customValue"
    USER_PROFILE = "userProfile"
    USER_REGISTRATION = "userRegistration"


class CustomFieldKind(StrEnum):
    """The kinds of custom fields Cyclos knows (spec §5.5); darkroom only records the value."""

    CONTACT = "contact"
    CONTACT_INFO = "contactInfo"
    CUSTOM_OPERATION = "custom_operation"
    DOCUMENT = "document"
    MARKETPLACE = "marketplace"
    RECORD = "record"
    TRANSACTION = "transaction"
    USER = "user"


# Targets that name an existing user's entity: a guest cannot upload for those.
_FOR_EXISTING_USER = frozenset(
    {TempTarget.ADVERTISEMENT, TempTarget.CONTACT_INFO, TempTarget.USER_PROFILE}
)
# Targets whose ``user`` is the caller unless another user is named.
_USER_TARGETS = frozenset({TempTarget.USER_PROFILE, TempTarget.ADVERTISEMENT})


@dataclass(frozen=True)
class Purpose:
    """What a temporary image is for; every field optional. Also the filter of a listing."""

    target: TempTarget | None = None
    user_id: int | None = None  # the target user, or the advertisement's owner
    custom_field: str | None = None
    custom_field_kind: str | None = None

    def extras(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in (
                ("target", self.target.value if self.target else None),
                ("user", self.user_id),
                ("customField", self.custom_field),
                ("customFieldKind", self.custom_field_kind),
            )
            if value is not None
        }

    def check(self, rt: Runtime, actor: Actor) -> None:
        """Who may upload for what: guests only for a registration or a custom value; users for
        themselves, managers for anyone. Custom values name their field and its kind."""
        if self.target in _FOR_EXISTING_USER and actor.is_guest:
            raise Unauthorized(f"a {self.target.value} image needs a logged-in user")
        if self.user_id is not None and not access.manages_user(rt, actor, self.user_id):
            access.refuse(actor, f"no access to the images of user {self.user_id}")
        if self.target is TempTarget.CUSTOM_VALUE:
            for name, value in (
                ("customField", self.custom_field),
                ("customFieldKind", self.custom_field_kind),
            ):
                if value is None:
                    raise Invalid(
                        f"{name} is required for a customValue image", field=name, missing=True
                    )


def admit(call: Call) -> None:
    """Before the body is read: the purpose the query names must be one the caller may upload
    for (a guest only for a registration or a custom value)."""
    _purpose(call, defaults=True).check(call.rt, call.caller.actor)


def upload(call: Call) -> Response:
    name = call.image_name()
    purpose = _purpose(call, defaults=True)
    purpose.check(call.rt, call.caller.actor)
    album_type = _temp_album(call)
    file = call.image_file(album_type.policy)
    image = temporary.upload(
        call.rt,
        call.caller.actor,
        _identity(call),
        file.file,
        name=name,
        album_type=album_type,
        extras=purpose.extras(),
        address=call.client_address,
        incoming_bytes=file.size or 0,
    )
    return wire.created(call.rt, image, call.base_url)


def list_images(call: Call) -> Response:
    wanted = _purpose(call, defaults=False)
    actor = call.caller.actor
    found = temporary.list_own(call.rt, actor, _identity(call), _temp_album(call), wanted.extras())
    return wire.json(wire.images(call.rt, found, call.base_url), call.query.fields())


def _temp_album(call: Call) -> AlbumType:
    guest = call.caller.actor.is_guest
    return vocabulary.CYCLOS_GUEST_TEMP if guest else vocabulary.CYCLOS_TEMP


def _identity(call: Call) -> str:
    # guestKey is honoured for guests only; users' temp images are theirs whatever they send
    # (and they need no address: their identity is their account).
    if not call.caller.actor.is_guest:
        return ""
    return temporary.guest_identity(call.query.one("guestKey"), call.client_address)


def _purpose(call: Call, *, defaults: bool) -> Purpose:
    """The query's target, user and custom field; on upload, a user's own by default."""
    actor = call.caller.actor
    target = call.query.choice("target", TempTarget)
    user_text = call.query.one("user")
    user_id = refs.user(call.rt, actor, user_text).id if user_text is not None else None
    if defaults and user_id is None and target in _USER_TARGETS:
        user_id = actor.principal_id
    field_kind = call.query.choice("customFieldKind", CustomFieldKind)
    return Purpose(
        target=target,
        user_id=user_id,
        custom_field=call.query.one("customField"),
        custom_field_kind=field_kind.value if field_kind is not None else None,
    )
