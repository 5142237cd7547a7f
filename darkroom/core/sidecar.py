"""The JSON sidecar written beside each exported original and read back by import.

It holds everything darkroom keeps about an image that its bytes do not: names, texts, flags,
dates, position, album, location, trades and the ids clients know it by. What the bytes hold
(size, format, camera) is written too, for people reading the file, and ignored on import: the
original is read again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from darkroom.core.policy import AlbumPolicy, AlbumType, decode_formats, encode_formats
from darkroom.errors import Invalid

VERSION = 1
MARKER = "darkroom_sidecar"  # the key that tells a darkroom sidecar from any other JSON file
SUFFIX = ".json"  # "IMG_0001.jpg" → "IMG_0001.jpg.json", as Google Takeout names its own


@dataclass(frozen=True)
class AlbumFacts:
    """The album an image was in: how to find or make it again, with the same rules."""

    kind: str
    external_id: str | None  # as stored: None for an album a person made, "" for a door's one
    name: str = ""
    private: bool = False
    position: int = 0
    dedupe: bool = False
    max_images: int | None = None
    single_slot: bool = False
    max_bytes: int | None = None
    formats: str | None = None  # "jpeg,png"; None for every format
    visible_to_guests: bool = True

    def album_type(self) -> AlbumType:
        policy = AlbumPolicy(
            dedupe=self.dedupe,
            max_images=self.max_images,
            single_slot=self.single_slot,
            max_bytes=self.max_bytes,
            formats=decode_formats(self.formats),
            visible_to_guests=self.visible_to_guests,
        )
        return AlbumType(self.kind, policy)

    @classmethod
    def of(
        cls,
        album_type: AlbumType,
        external_id: str | None,
        *,
        name: str,
        private: bool,
        position: int,
    ) -> AlbumFacts:
        rules = album_type.policy
        return cls(
            kind=album_type.kind,
            external_id=external_id,
            name=name,
            private=private,
            position=position,
            dedupe=rules.dedupe,
            max_images=rules.max_images,
            single_slot=rules.single_slot,
            max_bytes=rules.max_bytes,
            formats=encode_formats(rules.formats),
            visible_to_guests=rules.visible_to_guests,
        )


@dataclass(frozen=True)
class Original:
    """The exported file, as darkroom stored it (informative: import reads the bytes again)."""

    file: str
    sha256: str
    byte_size: int
    format: str
    width: int
    height: int
    camera: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sidecar:
    space: str
    album: AlbumFacts
    position: int
    original: Original
    uuid: str
    public_id: str
    key: str
    name: str = ""
    description: str | None = None
    alt_text: str | None = None
    private: bool = False
    starred: bool = False
    log_date: date | None = None
    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_long: float | None = None
    location: tuple[str, ...] | None = None  # the location's tiers, top first
    trades: tuple[str, ...] = ()
    uploader: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


def dumps(sidecar: Sidecar) -> str:
    """The sidecar as indented JSON: dates as ISO 8601, times in UTC with an offset."""
    data = {MARKER: VERSION, **asdict(sidecar)}
    return json.dumps(data, indent=2, ensure_ascii=False, default=_iso) + "\n"


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _utc(moment: datetime) -> datetime:
    # The database hands back naive UTC on SQLite and aware UTC on PostgreSQL.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_sidecar(data: object) -> bool:
    return isinstance(data, dict) and MARKER in data


def loads(text: str | bytes) -> Sidecar:
    """A sidecar from ``dumps``; Invalid naming the first field that is wrong."""
    try:
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Invalid(f"not JSON: {error}", field="sidecar") from None
    if not is_sidecar(data):
        raise Invalid(f"not a darkroom sidecar (no {MARKER!r})", field="sidecar")
    if data[MARKER] != VERSION:
        raise Invalid(f"sidecar version {data[MARKER]!r} is not {VERSION}", field="sidecar")
    try:
        return _sidecar(data)
    except (KeyError, TypeError, ValueError) as error:
        raise Invalid(f"malformed sidecar: {error!r}", field="sidecar") from None


def _sidecar(data: Mapping[str, Any]) -> Sidecar:
    album = AlbumFacts(**_known(AlbumFacts, data["album"]))
    original = Original(**_known(Original, data["original"]))
    location = data.get("location")
    return Sidecar(
        space=_text(data["space"]),
        album=album,
        position=int(data["position"]),
        original=original,
        uuid=_text(data["uuid"]),
        public_id=_text(data["public_id"]),
        key=_text(data["key"]),
        name=_text(data.get("name", "")),
        description=_optional_text(data.get("description")),
        alt_text=_optional_text(data.get("alt_text")),
        private=bool(data.get("private", False)),
        starred=bool(data.get("starred", False)),
        log_date=_date(data.get("log_date")),
        taken_at=_moment(data.get("taken_at")),
        gps_lat=_number(data.get("gps_lat")),
        gps_long=_number(data.get("gps_long")),
        location=None if location is None else _texts(location),
        trades=_texts(data.get("trades", ())),
        uploader=_optional_text(data.get("uploader")),
        created_at=_moment(data.get("created_at")),
        updated_at=_moment(data.get("updated_at")),
        extras=dict(data.get("extras") or {}),
    )


def _known(kind: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields ``kind`` has, so a newer sidecar's extra fields are ignored."""
    names = kind.__dataclass_fields__  # type: ignore[attr-defined]
    return {name: value for name, value in dict(data).items() if name in names}


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {value!r}")
    return value


def _optional_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _texts(values: object) -> tuple[str, ...]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise TypeError(f"expected a list of texts, got {values!r}")
    return tuple(_text(value) for value in values)


def _number(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _date(value: object) -> date | None:
    return None if value is None else date.fromisoformat(_text(value))


def _moment(value: object) -> datetime | None:
    """An ISO 8601 time in UTC (one without an offset is taken to be UTC)."""
    return None if value is None else _utc(datetime.fromisoformat(_text(value)))
