"""Album policies: every rule that differs from one album to another, as data on the album.

An album keeps its policy in its own row, set when it is made, so core enforces the rules of an
album without knowing which API made it (the door's kinds and their policies are declared in
``darkroom.api.vocabulary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from darkroom.media import ImageFormat

if TYPE_CHECKING:
    from darkroom.db.models import Album


@dataclass(frozen=True)
class AlbumPolicy:
    """How an album behaves.

    - ``dedupe``: identical bytes are refused (``Duplicate``) instead of stored twice;
    - ``max_images``: at most this many live images (``LimitExceeded``); None for no limit;
    - ``single_slot``: a new image replaces the one the album holds;
    - ``max_bytes``: uploads larger than this are refused (``TooLarge``); None for the server's cap;
    - ``formats``: the formats an upload may have (``Unsupported``); None for every format;
    - ``visible_to_guests``: anyone who may see the space's owner sees its images; otherwise
      only the owner and managers do.
    """

    dedupe: bool = False
    max_images: int | None = None
    single_slot: bool = False
    max_bytes: int | None = None
    formats: frozenset[ImageFormat] | None = None
    visible_to_guests: bool = True

    def byte_cap(self, server_cap: int) -> int:
        """The largest upload this album takes under the server's own cap."""
        return server_cap if self.max_bytes is None else min(self.max_bytes, server_cap)

    @classmethod
    def of(cls, album: Album) -> AlbumPolicy:
        return cls(
            dedupe=album.dedupe,
            max_images=album.max_images,
            single_slot=album.single_slot,
            max_bytes=album.max_bytes,
            formats=decode_formats(album.formats),
            visible_to_guests=album.visible_to_guests,
        )


@dataclass(frozen=True)
class AlbumType:
    """An album kind and the policy its albums are made with (doors declare theirs in
    ``darkroom.api.vocabulary``)."""

    kind: str
    policy: AlbumPolicy

    def columns(self) -> dict[str, object]:
        """The album row's policy columns."""
        rules = self.policy
        return {
            "kind": self.kind,
            "dedupe": rules.dedupe,
            "max_images": rules.max_images,
            "single_slot": rules.single_slot,
            "max_bytes": rules.max_bytes,
            "formats": encode_formats(rules.formats),
            "visible_to_guests": rules.visible_to_guests,
        }


def encode_formats(formats: frozenset[ImageFormat] | None) -> str | None:
    """``{PNG, JPEG}`` → ``"jpeg,png"`` for the album row; None (every format) stays None."""
    return None if formats is None else ",".join(sorted(f.value for f in formats))


def decode_formats(text: str | None) -> frozenset[ImageFormat] | None:
    if text is None:
        return None
    return frozenset(ImageFormat(value) for value in text.split(",") if value)
