"""Temporary images: op 15 (upload) and op 8 (list), for users and guests (spec §4.2)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session
from starlette.responses import Response

from darkroom.api.cyclos import auth, refs, wire
from darkroom.api.cyclos.auth import Caller
from darkroom.api.cyclos.call import Call
from darkroom.core import temp_images
from darkroom.core.temp_images import Purpose, TempTarget

# Targets whose ``user`` is the caller unless another user is named.
_USER_TARGETS = frozenset({TempTarget.USER_PROFILE, TempTarget.ADVERTISEMENT})


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


def upload(call: Call) -> Response:
    name = call.image_name()
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        purpose = _purpose(session, call, caller, defaults=True)
        temp_images.check_purpose(caller.actor, purpose)
    file = call.image_file()
    image = temp_images.upload(
        call.rt,
        caller.actor,
        _identity(call, caller),
        file.file,
        name=name,
        purpose=purpose,
        formats=wire.ACCEPTED_FORMATS,
        max_bytes=call.max_upload_bytes,
    )
    return wire.created(image, call.base_url)


def list_images(call: Call) -> Response:
    with call.rt.transaction() as session:
        caller = auth.identify(session, call.headers)
        wanted = _purpose(session, call, caller, defaults=False)
        found = temp_images.list_own(session, caller.actor, _identity(call, caller), wanted)
        body = wire.images(call.rt, found, call.base_url)
    return wire.json(body, call.query.fields())


def _identity(call: Call, caller: Caller) -> str:
    # guestKey is honoured for guests only; users' temp images are theirs whatever they send.
    key = call.query.one("guestKey") if caller.actor.is_guest else None
    return temp_images.guest_identity(key, call.client_address)


def _purpose(session: Session, call: Call, caller: Caller, *, defaults: bool) -> Purpose:
    """The query's target, user and custom field; on upload, a user's own by default."""
    target = call.query.choice("target", TempTarget)
    user_text = call.query.one("user")
    user_id = refs.user(session, caller.actor, user_text).id if user_text is not None else None
    if defaults and user_id is None and target in _USER_TARGETS and caller.principal is not None:
        user_id = caller.principal.id
    field_kind = call.query.choice("customFieldKind", CustomFieldKind)
    return Purpose(
        target=target,
        user_id=user_id,
        custom_field=call.query.one("customField"),
        custom_field_kind=field_kind.value if field_kind is not None else None,
    )
