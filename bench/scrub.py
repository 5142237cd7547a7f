"""Cost of removing location metadata from a camera original: scrub the container or re-encode.

Issue 10: no one but the owner may get GPS, originals included. Makes a photo-like 12 MP JPEG
(4000x3000, noise over gradients, q92, about 4.7 MB) carrying EXIF GPS with orientation 6, XMP
and IPTC, then times per call, median of ``--runs``:

  detect     darkroom.media.scrub.carries_location(data, JPEG)
  scrub      darkroom.media.scrub.without_location(data, JPEG)   (pixels copied, not decoded)
  re-encode  pyvips decode + jpegsave_buffer(Q=90, keep="none")   (what the fallback costs)

and prints re-encode / scrub. CPU time is process time, so libvips' worker threads count.

    .venv/bin/python bench/scrub.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyvips

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from darkroom.media import ImageFormat
from darkroom.media.scrub import carries_location, without_location
from tests.media.located import IPTC, XMP, tiff, with_metadata

WIDTH, HEIGHT = 4000, 3000


def make_original() -> bytes:
    xy = pyvips.Image.xyz(WIDTH, HEIGHT)
    gradient = (xy[0] * 255 / WIDTH).bandjoin(
        [xy[1] * 255 / HEIGHT, (xy[0] + xy[1]) * 128 / (WIDTH + HEIGHT)]
    )
    noise = pyvips.Image.gaussnoise(WIDTH, HEIGHT, sigma=9, mean=0)
    image = (gradient + noise.bandjoin([noise, noise])).cast("uchar").copy(interpretation="srgb")
    image = with_metadata(image, exif=b"Exif\0\0" + tiff(orientation=6), xmp=XMP, iptc=IPTC)
    data: bytes = image.jpegsave_buffer(Q=92)
    return data


def per_call(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median (CPU, wall) milliseconds of ``run`` over ``runs`` calls, after one warm-up."""
    run()
    cpu, wall = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    data = make_original()
    scrubbed = without_location(data, ImageFormat.JPEG)
    assert scrubbed is not None and not carries_location(scrubbed, ImageFormat.JPEG)
    print(f"original {WIDTH}x{HEIGHT}, {len(data) / 1e6:.2f} MB; scrubbed {len(scrubbed)} bytes")

    def reencode() -> object:
        image = pyvips.Image.new_from_buffer(data, "", access="sequential")
        return image.jpegsave_buffer(Q=90, keep="none")

    results = {
        "detect": per_call(lambda: carries_location(data, ImageFormat.JPEG), runs),
        "scrub": per_call(lambda: without_location(data, ImageFormat.JPEG), runs),
        "re-encode": per_call(reencode, runs),
    }
    for name, (cpu, wall) in results.items():
        print(f"{name:10s} cpu {cpu:8.2f} ms   wall {wall:8.2f} ms")
    ratio_cpu = results["re-encode"][0] / results["scrub"][0]
    ratio_wall = results["re-encode"][1] / results["scrub"][1]
    print(f"re-encode / scrub: {ratio_cpu:.0f}x cpu, {ratio_wall:.0f}x wall")


if __name__ == "__main__":
    main()
