"""What the files beside an image (and its own XMP packet) say about it.

Read in this order, the first that speaks winning: darkroom's own sidecar (``IMG.jpg.json``, as
``darkroom export`` writes it), a Google Takeout sidecar (``IMG.jpg.json`` or
``IMG.jpg.supplemental-metadata.json``), an XMP sidecar (``IMG.jpg.xmp`` or ``IMG.xmp``), then
the XMP packet inside the file. The date taken and GPS position in the file's EXIF are read by
ingest itself.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from darkroom.core import sidecar
from darkroom.core.importing.sources import Entry
from darkroom.core.sidecar import Sidecar

XMP_SCAN_BYTES = 512 * 1024  # a JPEG's XMP sits in its first segments, well inside this
_PACKET = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.DOTALL)
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_DC_DESCRIPTION = "{http://purl.org/dc/elements/1.1/}description"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Described:
    """What is known of an image before its bytes are read."""

    name: str
    description: str | None = None
    taken_at: datetime | None = None
    gps_lat: float | None = None
    gps_long: float | None = None
    restored: Sidecar | None = None  # darkroom's own sidecar: everything, to restore as it was


def describe(entry: Entry) -> Described:
    """What the sidecars of ``entry`` say. Raises Invalid for a darkroom sidecar that is broken
    (an export must restore exactly or say why not); other sidecars are read where they parse."""
    for name in (f"{entry.name}{sidecar.SUFFIX}", f"{entry.name}.supplemental-metadata.json"):
        data = entry.sibling(name)
        if data is None:
            continue
        if sidecar.MARKER.encode() in data:
            restored = sidecar.loads(data)
            return Described(name=restored.name, restored=restored)
        takeout = _takeout(entry.name, data)
        if takeout is not None:
            return takeout
    stem = PurePosixPath(entry.name).stem
    for name in (f"{entry.name}.xmp", f"{stem}.xmp"):
        data = entry.sibling(name)
        if data is not None:
            return Described(name=entry.name, description=xmp_description(data))
    return Described(name=entry.name)


def with_embedded_xmp(described: Described, head: bytes) -> Described:
    """``described`` with the description of the XMP packet in the file's first bytes, where no
    sidecar gave one."""
    if described.restored is not None or described.description is not None:
        return described
    found = _PACKET.search(head)
    if found is None:
        return described
    text = xmp_description(found.group(0))
    return described if text is None else _replace_description(described, text)


def _replace_description(described: Described, text: str) -> Described:
    return Described(
        name=described.name,
        description=text,
        taken_at=described.taken_at,
        gps_lat=described.gps_lat,
        gps_long=described.gps_long,
    )


def xmp_description(packet: bytes) -> str | None:
    """The ``dc:description`` of an XMP packet (its default language first); None if it has none
    or does not parse. Packets declaring a DTD are not parsed at all (no entity expansion)."""
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return None
    try:
        root = ElementTree.fromstring(packet)
    except ElementTree.ParseError:
        return None
    for node in root.iter(_DC_DESCRIPTION):
        text = _alternative(node)
        if text:
            return text
    for node in root.iter(f"{_RDF}Description"):  # the attribute form: dc:description="..."
        text = node.get(_DC_DESCRIPTION)
        if text:
            return text.strip()
    return None


def _alternative(node: ElementTree.Element) -> str | None:
    items = list(node.iter(f"{_RDF}li"))
    if not items:
        return (node.text or "").strip() or None
    preferred = [item for item in items if item.get(_XML_LANG) == "x-default"] or items
    return (preferred[0].text or "").strip() or None


def _takeout(file_name: str, data: bytes) -> Described | None:
    """A Google Takeout sidecar: its title, description, time taken and position."""
    try:
        found = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(found, dict) or not ({"photoTakenTime", "title"} & found.keys()):
        return None
    lat, long = _takeout_position(found.get("geoData"))
    return Described(
        name=_text(found.get("title")) or file_name,
        description=_text(found.get("description")),
        taken_at=_takeout_time(found.get("photoTakenTime")),
        gps_lat=lat,
        gps_long=long,
    )


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _takeout_time(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value["timestamp"]), UTC)
    except (TypeError, KeyError, ValueError, OverflowError, OSError):
        return None


def _takeout_position(value: Any) -> tuple[float | None, float | None]:
    # Takeout writes 0.0, 0.0 for "no position".
    try:
        lat, long = float(value["latitude"]), float(value["longitude"])
    except (TypeError, KeyError, ValueError):
        return None, None
    if (lat, long) == (0.0, 0.0) or not (-90 <= lat <= 90 and -180 <= long <= 180):
        return None, None
    return lat, long
