"""Temporary images: uploaded before the album they are for exists or is known, kept for a while
(``settings.temp_image_ttl``, 24 h by default), then attached to that album or expired.

A user's temporary images are an album of their personal space. A guest's belong to a guest
identity (their guest key, else their remote address), one album per identity in the guests'
space, holding at most as many live images as its policy allows. What an image is for is the
door's business: it is kept in the image's extras, which also filter a listing. Expired images
are gone for every lookup at once; ``gc`` deletes their rows and bytes, and an upload clears its
album's expired ones first.

Guests are anonymous, so their address is what bounds them: a guest without a client address is
refused (there is no shared "unknown" identity), and each address may upload at most
``DARKROOM_GUEST_IMAGES_PER_DAY`` temporary images and ``DARKROOM_GUEST_BYTES_PER_DAY`` bytes in
any 24 hours, whatever keys it sends (``check_quota``). Two guests behind one address see each
other's uploads only when neither sent a key: nothing else tells them apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from darkroom.clock import utcnow
from darkroom.core import access, albums, images, personal
from darkroom.core.access import PERSONAL_SPACE, Actor, Scope, SpaceRole
from darkroom.core.blobs import Source
from darkroom.core.images import NewImage
from darkroom.core.liveness import expired_rows
from darkroom.core.policy import AlbumType
from darkroom.core.records import ImageRecord, image_record
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Blob, Image, Space
from darkroom.errors import Invalid, NotFound, QuotaExceeded, Unauthorized

TEMPORARY_ALBUM = "temporary"  # the album kind of temporary images


QUOTA_WINDOW = timedelta(days=1)
MAX_ADDRESS = 64  # the width of images.guest_address (an IPv6 address with a zone fits)


def guest_identity(guest_key: str | None, remote_address: str | None) -> str:
    """Whose temporary images a guest's are: their key when they sent one, else their address.

    Keys are stored hashed: they are the only secret a guest has. A guest without an address
    (a unix socket, a proxy that hides it) is refused: they would share one identity with every
    other such guest, and no quota could bound them.
    """
    if not remote_address:
        raise Unauthorized("guests need a client address; log in instead")
    if guest_key:
        return "key:" + hashlib.sha256(guest_key.encode()).hexdigest()
    return f"ip:{remote_address}"[:128]


def check_quota(rt: Runtime, address: str, incoming_bytes: int = 0) -> None:
    """Refuse (QuotaExceeded) a guest upload of ``incoming_bytes`` from ``address`` when the
    address's temporary images of the last 24 hours, counted whatever key they were sent with,
    are as many as allowed, or would hold more bytes than allowed with it. Reads only.

    Concurrent uploads from one address may pass the check together: the bound is exceeded by
    at most the uploads in flight at once. Images purged before the window ends (expired under
    a TTL shorter than a day) no longer count.
    """
    settings = rt.settings
    max_images, max_bytes = settings.guest_images_per_day, settings.guest_bytes_per_day
    if not max_images and not max_bytes:
        return
    now = utcnow()
    with rt.reading() as session:
        count, used, oldest = session.execute(
            select(
                func.count(Image.id),
                func.coalesce(func.sum(Blob.byte_size), 0),
                func.min(Image.created_at),
            )
            .join(Blob, Blob.sha256 == Image.blob_sha256)
            .where(
                Image.guest_address == address[:MAX_ADDRESS], Image.created_at > now - QUOTA_WINDOW
            )
        ).one()
    retry = _seconds_until(oldest + QUOTA_WINDOW, now) if oldest is not None else 1
    if max_images and count >= max_images:
        raise QuotaExceeded(retry, what="images", limit=max_images)
    if max_bytes and int(used) + incoming_bytes > max_bytes:
        raise QuotaExceeded(retry, what="bytes", limit=max_bytes)


def upload(
    rt: Runtime,
    actor: Actor,
    identity: str,
    source: Source,
    *,
    name: str,
    album_type: AlbumType,
    extras: Mapping[str, Any],
    address: str | None = None,
    incoming_bytes: int = 0,
) -> ImageRecord:
    """A new temporary image of ``actor`` (a guest: of ``identity``), expiring after the TTL, in
    their album of ``album_type`` (whose policy sets the cap, formats and how many), with
    ``extras`` saying what it is for. A guest's ``address`` is required and counted against the
    daily quota (``check_quota``, with the ``incoming_bytes`` the upload declares)."""
    if actor.is_guest:
        if not address:
            raise Unauthorized("guests need a client address; log in instead")
        check_quota(rt, address, incoming_bytes)
    scope = _enter_own(rt, actor, album_type, write=True)
    album = albums.provide(rt, scope, album_type, _album_id(actor, identity))
    # Clearing the album's expired images is the system's work, whoever uploaded them.
    cleaner = access.trusted_scope(scope.space, actor, SpaceRole.MANAGER)
    for image_id in _expired_ids(rt, album.id):
        images.purge(rt, cleaner, image_id)
    new = NewImage(
        name=name,
        guest_key=identity if actor.is_guest else None,
        guest_address=address[:MAX_ADDRESS] if actor.is_guest and address else None,
        expires_at=utcnow() + rt.settings.temp_image_ttl,
        extras=dict(extras),
    )
    return images.add(rt, scope, album.id, source, new)


def list_own(
    rt: Runtime,
    actor: Actor,
    identity: str,
    album_type: AlbumType,
    wanted: Mapping[str, Any],
) -> tuple[ImageRecord, ...]:
    """The caller's live temporary images whose extras hold every item of ``wanted``, oldest
    first. Reads only."""
    scope = _enter_own(rt, actor, album_type, write=False)
    found = images.list_of_type(rt, scope, album_type, _album_id(actor, identity))
    return tuple(
        image
        for image in found.images
        if all(image.extras.get(name) == value for name, value in wanted.items())
    )


def attach(rt: Runtime, id_or_key: str, album_id: int) -> ImageRecord:
    """Move a live temporary image into the album ``album_id`` of a user's personal space, where
    it stops expiring.

    The album's limit applies (LimitExceeded); a single-slot album's previous image is deleted.
    This is system work (the caller, CLI or admin endpoint, has decided it may happen): the
    image moves even from a guest's album to a user's space.
    """
    with rt.transaction() as session:
        image = personal.find_image(session, id_or_key)
        if image.album.kind != TEMPORARY_ALBUM:
            raise Invalid(f"image {id_or_key} is not a temporary image", field="image")
        album = session.get(Album, album_id)
        space = session.get(Space, album.space_id) if album is not None else None
        if album is None or album.deleted_at is not None or space is None:
            raise NotFound("album", album_id)
        if space.kind != PERSONAL_SPACE:
            raise NotFound("album", album_id)  # temporary images only go to people's albums
        scope = personal.system_scope(session, space)
        # images.move works inside one space: re-home the image first, in the same transaction.
        images.rehome(image, space)
        image.guest_key = None
        session.flush()
        # move() also empties a single-slot album first.
        return image_record(session, images.move(session, scope, image, album))


def _enter_own(rt: Runtime, actor: Actor, album_type: AlbumType, *, write: bool) -> Scope:
    if actor.principal_id is None:
        return access.enter_guests(rt, actor, write=write)
    return access.enter_personal(rt, actor, actor.principal_id, album_type.policy, write=write)


def _album_id(actor: Actor, identity: str) -> str | None:
    return identity if actor.is_guest else None


def _expired_ids(rt: Runtime, album_id: int) -> list[int]:
    with rt.reading() as session:
        return list(
            session.scalars(select(Image.id).where(Image.album_id == album_id, expired_rows()))
        )


def _seconds_until(instant: datetime, now: datetime) -> int:
    return max(1, int((instant - now).total_seconds()) + 1)
