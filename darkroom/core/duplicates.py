"""Images of one space that are the same picture.

Two kinds of group: *exact*, images whose bytes are the same (one blob); and *near*, images whose
blobs differ but whose perceptual hashes (``media._dhash``) are at most ``distance`` bits apart:
resized, recompressed or lightly cropped copies. A near group is closed under "is near to", so
a chain of copies is one group. Trashed images are left out; blobs not yet backfilled have no hash
and take part in exact groups only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core.liveness import live_rows
from darkroom.core.runtime import Runtime
from darkroom.db.models import Blob, Image
from darkroom.media import PERCEPTUAL_HASH_BITS as HASH_BITS
from darkroom.media import perceptual_distance

NEAR_DISTANCE = 6
"""Default bits apart for a near copy: copies measured 1-3, unrelated pictures 16 and more."""


@dataclass(frozen=True)
class Member:
    image_id: int
    name: str
    sha256: str
    width: int
    height: int
    byte_size: int


@dataclass(frozen=True)
class Group:
    exact: bool
    members: tuple[Member, ...]


def find_groups(rt: Runtime, space_id: int, *, distance: int = NEAR_DISTANCE) -> list[Group]:
    """The exact groups, then the near groups, of the images in space ``space_id``."""
    by_blob, hashes = _images_by_blob(rt, space_id)
    exact = [Group(True, tuple(found)) for found in by_blob.values() if len(found) > 1]
    near = [
        Group(False, tuple(member for sha in component for member in by_blob[sha]))
        for component in _near_components(hashes, distance)
    ]
    return exact + near


def _images_by_blob(rt: Runtime, space_id: int) -> tuple[dict[str, list[Member]], dict[str, int]]:
    query = (
        select(Image.id, Image.name, Blob.sha256, Blob.width, Blob.height, Blob.byte_size)
        .add_columns(Blob.perceptual_hash)
        .join(Blob, Blob.sha256 == Image.blob_sha256)
        .where(Image.space_id == space_id, live_rows())
        .order_by(Image.id)
    )
    by_blob: dict[str, list[Member]] = defaultdict(list)
    hashes: dict[str, int] = {}
    with rt.reading() as session:
        for row in session.execute(query):
            member = Member(row.id, row.name, row.sha256, row.width, row.height, row.byte_size)
            by_blob[row.sha256].append(member)
            if row.perceptual_hash is not None:
                hashes[row.sha256] = row.perceptual_hash
    return by_blob, hashes


def _near_components(hashes: dict[str, int], distance: int) -> list[list[str]]:
    """Blobs joined when their hashes are ``distance`` bits apart at most, in groups of two or
    more."""
    parent = {sha: sha for sha in hashes}

    def root(sha: str) -> str:
        while parent[sha] != sha:
            parent[sha] = parent[parent[sha]]
            sha = parent[sha]
        return sha

    for a, b in _candidate_pairs(hashes, distance):
        if perceptual_distance(hashes[a], hashes[b]) <= distance:
            parent[root(a)] = root(b)
    components: dict[str, list[str]] = defaultdict(list)
    for sha in hashes:
        components[root(sha)].append(sha)
    return [blobs for blobs in components.values() if len(blobs) > 1]


_BANDED_UP_TO = 15
"""Up to this distance pairs are found by bands; beyond it the bands are too narrow to help."""


def _candidate_pairs(hashes: dict[str, int], distance: int) -> Iterator[tuple[str, str]]:
    """Every pair of blobs whose hashes may be ``distance`` bits apart at most (some more than
    once), without comparing every pair: cut into ``distance + 1`` bands, two hashes that
    differ in at most ``distance`` bits agree on at least one whole band (pigeonhole), so only
    hashes sharing a band's value are paired."""
    if distance > _BANDED_UP_TO:
        yield from combinations(hashes, 2)
        return
    bands = distance + 1
    width = HASH_BITS // bands
    for band in range(bands):
        low = band * width
        bits = HASH_BITS - low if band == bands - 1 else width
        buckets: dict[int, list[str]] = defaultdict(list)
        for sha, value in hashes.items():
            buckets[(value >> low) & ((1 << bits) - 1)].append(sha)
        for bucket in buckets.values():
            yield from combinations(bucket, 2)


def near(
    session: Session, space_id: int, perceptual_hash: int, *, distance: int = NEAR_DISTANCE
) -> list[tuple[int, int]]:
    """(image id, bits apart) of the live images of a space whose picture is at most
    ``distance`` bits from ``perceptual_hash``, nearest first."""
    query = (
        select(Image.id, Blob.perceptual_hash)
        .join(Blob, Blob.sha256 == Image.blob_sha256)
        .where(Image.space_id == space_id, live_rows(), Blob.perceptual_hash.is_not(None))
    )
    found = [
        (image_id, perceptual_distance(perceptual_hash, other))
        for image_id, other in session.execute(query)
        if other is not None
    ]
    return sorted(
        ((image_id, apart) for image_id, apart in found if apart <= distance),
        key=lambda hit: (hit[1], hit[0]),
    )
