"""Uploading from the gallery: several files at once, one request and one progress bar each, an
overall bar, and darkroom's own reason beside each file it refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Request, expect

from tests import images
from tests.browser.darkroom import Darkroom, log_in, tile_names, wait_for_grid

NOT_AN_IMAGE = b"these are notes, not a picture\n" * 40


def _file(name: str, mime: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data}


def _open_dialog(page: Page, album: int) -> None:
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-dialog")).to_be_visible()
    page.get_by_label("Album", exact=True).select_option(str(album))


def _wait_for_uploads(page: Page, count: int) -> None:
    page.wait_for_function(
        """count => {
            const rows = [...document.querySelectorAll('#upload-list li')];
            return rows.length === count && rows.every(r => /done|refused/.test(r.className));
        }""",
        arg=count,
    )


def test_three_files_one_refused_show_progress_and_darkrooms_reason(
    page: Page, darkroom: Darkroom, screenshots: Path
) -> None:
    api = darkroom.api("alice")
    album = api.album("Three files")
    refusal = api.client.post(
        f"/v1/albums/{album}/images", files={"file": ("notes.txt", NOT_AN_IMAGE)}
    ).json()["error"]["message"]
    log_in(page, "alice")
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    _open_dialog(page, album)
    page.locator("#files").set_input_files(
        [
            _file("first.jpg", "image/jpeg", images.jpeg(800, 600, seed=1)),
            _file("notes.txt", "text/plain", NOT_AN_IMAGE),
            _file("second.png", "image/png", images.png(400, 300, seed=2)),
        ]
    )
    _wait_for_uploads(page, 3)
    rows = page.locator("#upload-list li")
    expect(rows.filter(has_text="first.jpg").locator(".state")).to_have_text("Uploaded")
    expect(rows.filter(has_text="second.png").locator(".state")).to_have_text("Uploaded")
    expect(rows.filter(has_text="notes.txt").locator(".state")).to_have_text(f"Refused: {refusal}")
    page.screenshot(path=screenshots / "upload-dialog.png")
    uploads = [r for r in sent if r.url.endswith(f"/v1/albums/{album}/images")]
    assert len(uploads) == 3  # one request per file


def test_each_file_and_the_whole_batch_have_a_full_progress_bar_at_the_end(
    page: Page, darkroom: Darkroom
) -> None:
    album = darkroom.api("alice").album("Progress")
    log_in(page, "alice")
    _open_dialog(page, album)
    page.locator("#files").set_input_files(
        [
            _file("big.jpg", "image/jpeg", images.jpeg(1600, 1200, seed=3, quality=95)),
            _file("small.png", "image/png", images.png(64, 48, seed=4)),
        ]
    )
    _wait_for_uploads(page, 2)
    bars = page.locator("#upload-list progress").evaluate_all(
        "bars => bars.map(b => [b.value, b.max])"
    )
    assert len(bars) == 2
    assert all(value == maximum and maximum > 1 for value, maximum in bars)
    overall = page.locator("#overall").evaluate("b => [b.value, b.max]")
    assert overall[0] == overall[1] > 0


def test_file_progress_bar_moves_while_the_body_is_sent(page: Page, darkroom: Darkroom) -> None:
    album = darkroom.api("alice").album("Watched")
    log_in(page, "alice")
    # Loopback sends a body at once; DevTools' network emulation slows the upload so that
    # the browser reports progress part way (the upload itself is real).
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 400_000},
    )
    # A progress bar's value is reflected in its "value" attribute: record each one.
    page.evaluate(
        """() => {
            window.seen = [];
            new MutationObserver(changes => {
                for (const c of changes) window.seen.push(Number(c.target.getAttribute('value')));
            }).observe(document.querySelector('#upload-list'),
                       {attributes: true, subtree: true, attributeFilter: ['value']});
        }"""
    )
    _open_dialog(page, album)
    data = images.jpeg(1600, 1200, seed=5, quality=98)
    page.locator("#files").set_input_files([_file("large.jpg", "image/jpeg", data)])
    _wait_for_uploads(page, 1)
    seen = page.evaluate("window.seen")
    assert seen[-1] == len(data)
    assert any(0 < value < len(data) for value in seen), seen
    assert seen == sorted(seen)


def test_files_dropped_on_the_dialog_are_uploaded(page: Page, darkroom: Darkroom) -> None:
    album = darkroom.api("alice").album("Dropped")
    log_in(page, "alice")
    _open_dialog(page, album)
    data = list(images.png(120, 90, seed=6))
    transfer = page.evaluate_handle(
        """bytes => {
            const transfer = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], 'dropped.png', {type: 'image/png'});
            transfer.items.add(file);
            return transfer;
        }""",
        data,
    )
    page.locator("#drop").dispatch_event("drop", {"dataTransfer": transfer})
    _wait_for_uploads(page, 1)
    expect(page.locator("#upload-list li .state")).to_have_text("Uploaded")


def test_uploaded_images_appear_in_their_album_in_the_grid(page: Page, darkroom: Darkroom) -> None:
    album = darkroom.api("alice").album("Appears")
    log_in(page, "alice")
    _open_dialog(page, album)
    page.locator("#files").set_input_files(
        [_file("shown.jpg", "image/jpeg", images.jpeg(300, 200, seed=7))]
    )
    _wait_for_uploads(page, 1)
    page.keyboard.press("Escape")
    wait_for_grid(page)
    expect(page.locator(f"section[data-album='{album}'] li.tile")).to_have_count(1)
    assert tile_names(page, album) == ["shown.jpg"]


def test_upload_into_a_new_album_makes_the_album_first(page: Page, darkroom: Darkroom) -> None:
    api = darkroom.api("alice")
    log_in(page, "alice")
    page.get_by_role("button", name="Upload").click()
    page.get_by_label("Album", exact=True).select_option(f"new:{api.personal}")
    page.get_by_label("New album name").fill("Made while uploading")
    page.locator("#files").set_input_files(
        [_file("new.jpg", "image/jpeg", images.jpeg(100, 100, seed=8))]
    )
    _wait_for_uploads(page, 1)
    albums = api.get(f"/v1/spaces/{api.personal}/albums")["items"]
    made = [a for a in albums if a["name"] == "Made while uploading"]
    assert len(made) == 1
    assert made[0]["image_count"] == 1
