"""``GET /v1/images/{id}/content`` through the one delivery pipeline, and share links: signed,
expiring, working without a session."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pyvips

from darkroom.core import sharing, signing
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.v1.conftest import Client, error_of


def test_content_without_a_size_is_the_stored_file(alice: Client) -> None:
    data = samples.png(seed=3)
    image = alice.upload(alice.album(), data, name="a.png")["id"]
    answer = alice.get(f"/v1/images/{image}/content")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.content == data


def test_a_width_gives_a_variant_that_fits(alice: Client) -> None:
    image = alice.upload(alice.album(), samples.jpeg(400, 300))["id"]
    answer = alice.get(f"/v1/images/{image}/content", params={"width": 200})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["vary"] == "Accept"
    assert pyvips.Image.new_from_buffer(answer.content, "").width == 200


def test_a_variant_follows_accept_to_webp(alice: Client) -> None:
    image = alice.upload(alice.album(), samples.jpeg(400, 300))["id"]
    answer = alice.get(
        f"/v1/images/{image}/content", params={"width": 200}, headers={"Accept": "image/webp,*/*"}
    )
    assert answer.headers["content-type"] == "image/webp"


def test_a_wildcard_accept_keeps_the_stored_format(alice: Client) -> None:
    image = alice.upload(alice.album(), samples.jpeg(400, 300))["id"]
    answer = alice.get(
        f"/v1/images/{image}/content", params={"width": 200}, headers={"Accept": "*/*"}
    )
    assert answer.headers["content-type"] == "image/jpeg"


def test_a_format_parameter_wins_over_accept(alice: Client) -> None:
    image = alice.upload(alice.album(), samples.jpeg(400, 300))["id"]
    answer = alice.get(
        f"/v1/images/{image}/content",
        params={"width": 100, "format": "png"},
        headers={"Accept": "image/webp"},
    )
    assert answer.headers["content-type"] == "image/png"


def test_an_unknown_format_is_400(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    answer = alice.get(f"/v1/images/{image}/content", params={"format": "bmp"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "format"


def test_content_is_privately_cached_with_an_etag_and_answers_304(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    first = alice.get(f"/v1/images/{image}/content", params={"width": 32})
    assert first.headers["cache-control"] == "private, no-cache"  # revalidated on each use
    again = alice.get(
        f"/v1/images/{image}/content",
        params={"width": 32},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304


def test_content_without_credentials_or_signature_is_401(
    alice: Client, anonymous: httpx.Client
) -> None:
    image = alice.upload(alice.album())["id"]
    answer = anonymous.get(f"/v1/images/{image}/content")
    assert answer.status_code == 401
    assert error_of(answer)["code"] == "unauthorized"


def test_content_of_a_trashed_image_still_reaches_its_owner(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    alice.post(f"/v1/images/{image}/trash")
    assert alice.get(f"/v1/images/{image}/content", params={"width": 20}).status_code == 200


def test_share_answers_201_with_an_absolute_signed_url(alice: Client, base_url: str) -> None:
    image = alice.upload(alice.album())["id"]
    answer = alice.post(f"/v1/images/{image}/share", json={"expires_in": "1d"})
    assert answer.status_code == 201
    body = answer.json()
    url = urlsplit(body["url"])
    assert body["url"].startswith(f"{base_url}/v1/images/{image}/content?")
    assert set(parse_qs(url.query)) == {"expires", "signature"}
    assert body["expires_at"].endswith("Z")


def test_a_share_link_opens_without_a_session(alice: Client, anonymous: httpx.Client) -> None:
    data = samples.jpeg(seed=9)
    image = alice.upload(alice.album(), data)["id"]
    url = alice.post(f"/v1/images/{image}/share", json={"expires_in": "1h"}).json()["url"]
    answer = anonymous.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert anonymous.get(url + "&width=16").status_code == 200


def test_an_expired_share_link_is_403(
    alice: Client, anonymous: httpx.Client, v1_runtime: Runtime
) -> None:
    image = alice.upload(alice.album())["id"]
    record = sharing.find(v1_runtime, image_id=image)
    past = 1_000_000_000  # a link signed to end in 2001
    signature = v1_runtime.signer.sign(signing.image_identity(record), past)
    answer = anonymous.get(
        f"/v1/images/{image}/content", params={"expires": past, "signature": signature}
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "forbidden"


def test_a_tampered_share_link_is_403(alice: Client, anonymous: httpx.Client) -> None:
    image = alice.upload(alice.album())["id"]
    url = alice.post(f"/v1/images/{image}/share", json={}).json()["url"]
    answer = anonymous.get(url.replace("expires=", "expires=9"))
    assert answer.status_code == 403


def test_a_share_link_stops_working_once_the_image_is_trashed(
    alice: Client, anonymous: httpx.Client
) -> None:
    image = alice.upload(alice.album())["id"]
    url = alice.post(f"/v1/images/{image}/share", json={}).json()["url"]
    alice.post(f"/v1/images/{image}/trash")
    assert anonymous.get(url).status_code == 404


def test_a_share_link_of_one_image_does_not_open_another(
    alice: Client, anonymous: httpx.Client
) -> None:
    album = alice.album()
    one, two = alice.upload(album, name="1.jpg")["id"], alice.upload(album, name="2.jpg")["id"]
    url = alice.post(f"/v1/images/{one}/share", json={}).json()["url"]
    other = url.replace(f"/images/{one}/", f"/images/{two}/")
    assert anonymous.get(other).status_code == 403


def test_a_bad_share_duration_is_400(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    answer = alice.post(f"/v1/images/{image}/share", json={"expires_in": "forever"})
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "invalid"


def test_a_viewer_may_not_share(alice: Client, bob: Client) -> None:
    image = alice.upload(alice.album("Site", space="procore-project:10"))["id"]
    answer = bob.post(f"/v1/images/{image}/share", json={})
    assert answer.status_code == 403


def test_listed_urls_are_signed_links_that_open_without_a_session(
    alice: Client, anonymous: httpx.Client
) -> None:
    image = alice.upload(alice.album(), samples.jpeg(400, 300))
    thumbnail = anonymous.get(image["urls"]["thumbnail"])
    assert thumbnail.status_code == 200
    assert thumbnail.headers["cache-control"].startswith("private")
    assert anonymous.get(image["urls"]["srcset"][0]["url"]).status_code == 200


def test_a_trashed_images_urls_are_plain_and_need_the_session(
    alice: Client, anonymous: httpx.Client
) -> None:
    image = alice.upload(alice.album())["id"]
    trashed = alice.post(f"/v1/images/{image}/trash").json()
    assert trashed["urls"]["thumbnail"] == f"/v1/images/{image}/content?width=400"
    assert alice.get(trashed["urls"]["thumbnail"]).status_code == 200
    assert anonymous.get(trashed["urls"]["thumbnail"]).status_code == 401


def test_a_signed_link_gives_the_uploader_the_file_as_stored(alice: Client) -> None:
    data = samples.jpeg_with_exif({"exif-ifd3-GPSLatitudeRef": "N"})
    image = alice.upload(alice.album(), data)
    assert alice.get(image["urls"]["original"]).content == data


def test_a_share_link_opens_in_a_browser_whose_session_has_ended(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    url = alice.post(f"/v1/images/{image}/share", json={}).json()["url"]
    with httpx.Client(timeout=30, cookies={"darkroom_session": "ended"}) as browser:
        assert browser.get(url).status_code == 200
