"""The "exactly one" rules hold under real concurrency: many threads, one database, no lock in
darkroom between them. On SQLite writers queue; on PostgreSQL they truly overlap, which is where
a rule that is not a constraint (or a row lock) breaks."""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import func, select

from darkroom.core import access, albums, images, locations, named_albums, uploads
from darkroom.core.access import Actor
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Image, Location, Space
from darkroom.errors import Conflict, DarkroomError, Duplicate
from tests import images as samples
from tests.conftest import make_actor

RACERS = 16
ACCOUNT = AlbumType("test-account", AlbumPolicy(dedupe=True, max_images=300))
PLAIN = AlbumType("test-plain", AlbumPolicy())
AD = AlbumType("test-ad", AlbumPolicy())

T = TypeVar("T")


def _race(attempt: Callable[[int], T]) -> list[T | str]:
    """Run ``attempt`` in ``RACERS`` threads at once; a domain error counts as its class name."""

    def guarded(n: int) -> T | str:
        try:
            return attempt(n)
        except DarkroomError as error:
            return type(error).__name__

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return list(pool.map(guarded, range(RACERS)))


def _count(runtime: Runtime, model: type, *conditions: object) -> int:
    with runtime.reading() as session:
        return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def test_first_uploads_to_a_new_space_make_one_album_and_one_image(
    runtime: Runtime, admin: Actor
) -> None:
    data = samples.jpeg(96, 64, seed=11)

    def upload(_: int) -> str:
        scope = access.enter(runtime, admin, "test-space", "fresh", write=True)
        album = albums.provide(runtime, scope, ACCOUNT)
        images.add(runtime, scope, album.id, io.BytesIO(data), NewImage())
        return "created"

    outcomes = _race(upload)
    assert set(outcomes) == {"created", Duplicate.__name__}
    assert outcomes.count("created") == 1
    assert _count(runtime, Space, Space.kind == "test-space") == 1
    assert _count(runtime, Album, Album.kind == ACCOUNT.kind) == 1
    assert _count(runtime, Image) == 1


def test_one_upload_used_at_once_by_many_makes_one_image(runtime: Runtime, admin: Actor) -> None:
    scope = access.enter(runtime, admin, "test-space", "uploads", write=True)
    album = albums.provide(runtime, scope, PLAIN)
    announced = uploads.announce(runtime, scope, ttl=timedelta(hours=1))
    uploads.receive(runtime, announced.uuid, io.BytesIO(samples.jpeg(seed=3)))

    def use(_: int) -> str:
        uploads.add_image(runtime, scope, album.id, announced.uuid, NewImage())
        return "created"

    outcomes = _race(use)
    assert outcomes.count("created") == 1
    assert _count(runtime, Image) == 1


def test_one_upload_sent_at_once_by_many_is_completed_once(runtime: Runtime, admin: Actor) -> None:
    scope = access.enter(runtime, admin, "test-space", "senders", write=True)
    announced = uploads.announce(runtime, scope, ttl=timedelta(hours=1))

    def send(n: int) -> str:
        uploads.receive(runtime, announced.uuid, io.BytesIO(samples.jpeg(seed=100 + n)))
        return "completed"

    outcomes = _race(send)
    assert outcomes.count("completed") == 1
    assert set(outcomes) == {"completed", Conflict.__name__}


def test_one_outside_id_claimed_at_once_by_many_owners_names_one_album(
    runtime: Runtime,
) -> None:
    owners = [make_actor(runtime, f"owner{n}").principal_id for n in range(RACERS)]

    def claim(n: int) -> str:
        owner = owners[n]
        assert owner is not None
        named_albums.create(runtime, owner, AD, "4242")
        return "created"

    outcomes = _race(claim)
    assert outcomes.count("created") == 1
    assert set(outcomes) == {"created", Conflict.__name__}
    assert _count(runtime, Album, Album.kind == AD.kind, Album.external_id == "4242") == 1


def test_one_location_path_made_at_once_by_many_is_one_tree(runtime: Runtime, admin: Actor) -> None:
    scope = access.enter(runtime, admin, "test-space", "site", write=True)

    def place(_: int) -> int:
        found, _made = locations.at_path(runtime, scope, ["Building 1", "Floor 2", "Room 3"])
        return found.id

    outcomes = _race(place)
    assert len(set(outcomes)) == 1
    assert _count(runtime, Location) == 3
