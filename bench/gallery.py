"""How fast the gallery shows a grid: time to the first thumbnail and to a fully loaded grid of
200 images, measured in Chromium with the Performance API.

Starts ``darkroom serve`` as an operator runs it (bench/_darkroom.py: a throwaway data folder,
SQLite, local blobs), uploads 200 photo-like 1600x1200 JPEGs (bench/_images.py, each a
different blob) into one album of the admin's personal space over ``/v1``, then, per run, opens
the gallery in a fresh browser context (empty browser cache, logged in through ``/v1/session``)
with a viewport tall enough to hold the whole grid, so every lazy thumbnail is in view and loads:

  first thumbnail   performance mark ``darkroom:first-thumbnail`` (the first tile's load event),
                    from the navigation's start
  grid loaded       the last thumbnail's ``responseEnd`` (Resource Timing), once all 200 tiles
                    are in the page (four list pages of 50, by cursor) and every one has loaded

Run 1 finds no variant stored (the server renders each 200/400 px WebP once); later runs find
them stored (the browser cache is empty each time). Prints each run and the median of the warm
runs; asserts nothing. Chromium is Debian's (/usr/bin/chromium, scripts/ensure-chromium).

    .venv/bin/python bench/gallery.py [--images N] [--runs R]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._darkroom import ADMIN, Darkroom  # noqa: E402
from bench._images import photo  # noqa: E402

WORK = Path(__file__).resolve().parent / ".work" / "gallery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 8000}  # 200 tiles at 7 a row fit in about 5,500 px

TIMINGS = """() => {
    const first = performance.getEntriesByName('darkroom:first-thumbnail')[0];
    const thumbs = performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/content'));
    const lists = performance.getEntriesByType('resource')
        .filter(e => e.name.includes('/v1/images?'));
    return {
        first: first ? first.startTime : null,
        loaded: Math.max(...thumbs.map(e => e.responseEnd)),
        thumbnails: thumbs.length,
        bytes: thumbs.reduce((sum, e) => sum + e.encodedBodySize, 0),
        lists: lists.length,
    };
}"""


def seed(server: Darkroom, count: int) -> None:
    """``count`` photos in one album of the admin's personal space, uploaded over /v1."""
    sources = WORK / "images"
    sources.mkdir(parents=True, exist_ok=True)
    with httpx.Client(base_url=server.url, timeout=120) as client:
        login = client.post("/v1/session", json={"username": ADMIN[0], "password": ADMIN[1]})
        login.raise_for_status()
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        space = f"personal:{login.json()['user']['id']}"
        album = client.post(f"/v1/spaces/{space}/albums", json={"name": "Bench"})
        album.raise_for_status()
        for number in range(count):
            path = photo(sources, number, width=1600, height=1200)
            with path.open("rb") as body:
                answer = client.post(
                    f"/v1/albums/{album.json()['id']}/images",
                    files={"file": (path.name, body, "image/jpeg")},
                )
            answer.raise_for_status()


def measure(browser: Browser, url: str, count: int) -> dict[str, Any]:
    """One cold-browser load of the gallery: its Performance API figures."""
    context = browser.new_context(base_url=url, viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        answer = context.request.post(
            "/v1/session", data={"username": ADMIN[0], "password": ADMIN[1]}
        )
        assert answer.status == 201, answer.text()
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto("/")
        page.wait_for_function(
            """count => {
                const imgs = [...document.querySelectorAll('li.tile img')];
                return imgs.length === count && imgs.every(i => i.complete && i.naturalWidth);
            }""",
            arg=count,
            polling=50,
        )
        timings: dict[str, Any] = page.evaluate(TIMINGS)
        return timings
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="server-", dir=WORK))
    server = Darkroom(folder, extra_env={}, workers=None)
    service = server.start()
    try:
        seed(server, args.images)
        with sync_playwright() as driver:
            browser = driver.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                runs = [measure(browser, server.url, args.images) for _ in range(args.runs)]
                version = browser.version
            finally:
                browser.close()
    finally:
        service.stop()
        shutil.rmtree(folder, ignore_errors=True)

    print(f"gallery: {args.images} images, Chromium {version}, {platform.machine()}")
    print(f"{'run':>4} {'first thumbnail':>16} {'grid loaded':>12} {'thumbs':>7} {'KB':>7} lists")
    for number, run in enumerate(runs, start=1):
        note = "  (variants rendered)" if number == 1 else ""
        print(
            f"{number:>4} {run['first']:>13.0f} ms {run['loaded']:>9.0f} ms "
            f"{run['thumbnails']:>7} {run['bytes'] / 1024:>7.0f} {run['lists']:>5}{note}"
        )
    warm = runs[1:] or runs
    first = statistics.median(r["first"] for r in warm)
    loaded = statistics.median(r["loaded"] for r in warm)
    print(f"median of warm runs: first thumbnail {first:.0f} ms, grid loaded {loaded:.0f} ms")


if __name__ == "__main__":
    main()
