"""A generated photo library for the import benchmark: what a person brings from a phone and a
laptop, with the truth about which files are copies of which, kept beside it.

Mixed JPEG (q90) of 2 to 12 MP, PNG of 2 to 3 MP and HEIC of 2 to 5 MP (when ``pillow-heif``
is installed; encoding is what bounds their size here); 10% exact copies (the same bytes under
another name) and 10% near copies (resized to 40-80% and saved again as JPEG q70). Made once
under ``bench/.work/library-<count>...`` with a truth file: for each copy, the file it copies
and how.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyvips

VERSION = 2
MEGAPIXELS = (2, 3, 5, 8, 12)
HEIC_MEGAPIXELS = (2, 3, 5)  # x265 takes 5 s for 12 MP even at its fastest preset
GRAIN_TILE = 509  # px: a prime, so the tiling lines up with no 8x8 block of the encoders
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
    sizes = {"jpeg": MEGAPIXELS, "png": (2, PNG_MAX_MEGAPIXELS), "heic": HEIC_MEGAPIXELS}
    megapixels = chance.choice(sizes[kind])
    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5) // 4 * 4
    height = width * 3 // 4
    pixels = _picture(width, height, number)
    if kind == "jpeg":
        file, data = f"{name}.jpg", pixels.jpegsave_buffer(Q=90)
    elif kind == "png":
        file, data = f"{name}.png", pixels.pngsave_buffer(compression=6)
    else:
        file, data = f"{name}.heic", heic(pixels)
    _write(photos / file, data)
    return file, pixels


def _picture(width: int, height: int, seed: int) -> Any:
    """Smooth colour fields of their own (what a perceptual hash sees: each seed a different
    picture) under tiled sensor grain (what makes a 12 MP JPEG weigh 3.5 MB, as a phone's does)."""
    fields = [
        pyvips.Image.gaussnoise(16, 12, sigma=60, mean=128, seed=seed * 3 + band)
        for band in range(3)
    ]
    smooth = fields[0].bandjoin(fields[1:]).resize(width / 16, vscale=height / 12, kernel="cubic")
    grain = pyvips.Image.gaussnoise(GRAIN_TILE, GRAIN_TILE, sigma=5, mean=0, seed=seed)
    tiled = grain.replicate(width // GRAIN_TILE + 1, height // GRAIN_TILE + 1)
    tiled = tiled.crop(0, 0, width, height)
    return (smooth + tiled.bandjoin([tiled, tiled])).cast("uchar").copy(interpretation="srgb")


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
        heif.save(out, quality=80, enc_params={"preset": "ultrafast"})
        return out.getvalue()

    return encode
