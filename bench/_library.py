"""A generated photo library for the import benchmark: what a person brings from a phone and a
laptop, with the truth about which files are copies of which, kept beside it.

Mixed JPEG (q90), PNG and HEIC (when ``pillow-heif`` is installed) of 2 to 12 MP; 10% exact
copies (the same bytes under another name) and 10% near copies (resized to 40-80% and saved
again at q70, sometimes as another format). Made once under ``bench/.work/library-<count>``
with ``truth.json``: for each copy, the file it copies and how.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._images import _pixels

VERSION = 1
MEGAPIXELS = (2, 3, 5, 8, 12)
EXACT_SHARE = NEAR_SHARE = 0.10
PNG_MAX_MEGAPIXELS = 3  # a noisy PNG of 12 MP is 35 MB: past what phones and Moov take


@dataclass(frozen=True)
class Library:
    folder: Path
    truth: dict[str, dict[str, str]]  # copy file → {"of": original file, "how": exact|near}

    @property
    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*") if p.is_file())

    def pairs(self, how: str | None = None) -> set[frozenset[str]]:
        """Every pair of files that show the same picture (copies of one original pair up)."""
        groups: dict[str, set[str]] = {}
        for copy, fact in self.truth.items():
            if how is None or fact["how"] == how:
                groups.setdefault(fact["of"], {fact["of"]}).add(copy)
        return {
            frozenset((a, b)) for group in groups.values() for a in group for b in group if a < b
        }


def library(work: Path, count: int, *, seed: int = 13) -> Library:
    """The library of ``count`` files under ``work`` (made when missing)."""
    heic = _heic_encoder()
    folder = work / f"library-{count}-v{VERSION}{'-heic' if heic else ''}"
    truth_file = folder.parent / f"{folder.name}.truth.json"
    if truth_file.exists():
        return Library(folder / "photos", json.loads(truth_file.read_text()))
    photos = folder / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    chance = random.Random(seed)
    originals: list[tuple[str, Any]] = []
    truth: dict[str, dict[str, str]] = {}
    for number in range(count):
        name = f"{'DCIM' if number % 2 else 'Laptop'}/IMG_{number:04d}"
        roll = chance.random()
        if originals and roll < EXACT_SHARE:
            source, _ = chance.choice(originals)
            copy = _renamed(name, source)
            _write(photos / copy, (photos / source).read_bytes())
            truth[copy] = {"of": source, "how": "exact"}
        elif originals and roll < EXACT_SHARE + NEAR_SHARE:
            source, pixels = chance.choice(originals)
            scale = chance.uniform(0.4, 0.8)
            copy = f"{name}.jpg"
            _write(photos / copy, pixels.resize(scale).jpegsave_buffer(Q=70))
            truth[copy] = {"of": source, "how": "near"}
        else:
            stored, pixels = _original(photos, name, number, chance, heic)
            originals.append((stored, pixels))
    truth_file.write_text(json.dumps(truth, indent=1))
    return Library(photos, truth)


def _original(
    photos: Path, name: str, number: int, chance: random.Random, heic: Any
) -> tuple[str, Any]:
    kind = chance.choices(["jpeg", "png", "heic"], weights=[6, 2, 2 if heic else 0])[0]
    megapixels = chance.choice(MEGAPIXELS if kind != "png" else (2, PNG_MAX_MEGAPIXELS))
    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5) // 4 * 4
    height = width * 3 // 4
    pixels = _pixels(width, height, number)
    if kind == "jpeg":
        file, data = f"{name}.jpg", pixels.jpegsave_buffer(Q=90)
    elif kind == "png":
        file, data = f"{name}.png", pixels.pngsave_buffer(compression=6)
    else:
        file, data = f"{name}.heic", heic(pixels)
    _write(photos / file, data)
    # Near copies are made from a smaller decode: 12 MP pixels for each original would not fit.
    return file, pixels.resize(0.5)


def _renamed(name: str, source: str) -> str:
    return f"{name} (copy){Path(source).suffix}"


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _heic_encoder() -> Any:
    """A function from pyvips pixels to HEIC bytes, or None without pillow-heif."""
    try:
        import pillow_heif
    except ImportError:
        return None

    def encode(pixels: Any) -> bytes:
        heif = pillow_heif.from_bytes(
            mode="RGB", size=(pixels.width, pixels.height), data=pixels.write_to_memory()
        )
        out = io.BytesIO()
        heif.save(out, quality=80)
        return out.getvalue()

    return encode
