"""``GET /v1/images`` and ``GET /v1/images/{id}``: filters, sorts, keyset cursors that hold
while images are added between pages, privacy across users, and the detail's EXIF and GPS."""

from __future__ import annotations

from typing import Any

import httpx

from tests import images as samples
from tests.api.v1.conftest import Client, Users, error_of, log_in

PROJECT = "procore-project:10"
GPS = {
    "exif-ifd3-GPSLatitudeRef": "N",
    "exif-ifd3-GPSLatitude": "51/1 30/1 2/1",
    "exif-ifd3-GPSLongitudeRef": "W",
    "exif-ifd3-GPSLongitude": "0/1 7/1 39/1",
}
TAKEN = {"exif-ifd2-DateTimeOriginal": "2021:06:01 12:00:00"}


def _ids(answer: httpx.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def _uploads(client: Client, album: int, count: int, prefix: str = "img") -> list[Any]:
    return [client.upload(album, name=f"{prefix}{n}.jpg") for n in range(count)]


def test_the_list_holds_the_callers_images_newest_first(alice: Client) -> None:
    album = alice.album()
    made = _uploads(alice, album, 3)
    answer = alice.get("/v1/images")
    assert _ids(answer) == [image["id"] for image in reversed(made)]
    assert answer.json()["next_cursor"] is None


def test_a_listed_image_has_the_contract_fields_and_urls(alice: Client) -> None:
    album = alice.album("Holidays")
    made = alice.upload(album, name="beach.jpg")
    [image] = alice.get("/v1/images").json()["items"]
    assert {**image, "urls": None} == {**made, "urls": None}  # links may be signed anew
    assert image["space"] == alice.space
    assert image["album"] == {"id": album, "name": "Holidays"}
    assert image["name"] == "beach.jpg"
    assert (image["format"], image["width"], image["height"]) == ("jpeg", 64, 48)
    assert image["trashed"] is False
    assert image["placeholder"] is None
    content = f"/v1/images/{image['id']}/content?expires="
    assert image["urls"]["original"].startswith(content)
    assert image["urls"]["thumbnail"].startswith(content)
    assert image["urls"]["thumbnail"].endswith("&width=400")
    assert [entry["width"] for entry in image["urls"]["srcset"]] == [200]
    assert image["uploaded_at"].endswith("Z")


def test_pages_follow_the_cursor_without_overlap(alice: Client) -> None:
    album = alice.album()
    made = [image["id"] for image in _uploads(alice, album, 5)]
    first = alice.get("/v1/images", params={"limit": 2})
    second = alice.get("/v1/images", params={"limit": 2, "cursor": first.json()["next_cursor"]})
    third = alice.get("/v1/images", params={"limit": 2, "cursor": second.json()["next_cursor"]})
    assert _ids(first) + _ids(second) + _ids(third) == list(reversed(made))
    assert third.json()["next_cursor"] is None


def test_the_cursor_is_stable_while_images_are_inserted_between_pages(alice: Client) -> None:
    album = alice.album()
    made = [image["id"] for image in _uploads(alice, album, 5)]
    first = alice.get("/v1/images", params={"limit": 2})
    _uploads(alice, album, 3, prefix="late")  # newer: they sort before the first page
    rest = []
    cursor = first.json()["next_cursor"]
    while cursor:
        page = alice.get("/v1/images", params={"limit": 2, "cursor": cursor})
        rest += _ids(page)
        cursor = page.json()["next_cursor"]
    assert _ids(first) + rest == list(reversed(made))


def test_oldest_first_pages_take_in_images_inserted_meanwhile_at_the_end(alice: Client) -> None:
    album = alice.album()
    made = [image["id"] for image in _uploads(alice, album, 3)]
    first = alice.get("/v1/images", params={"limit": 2, "sort": "uploaded"})
    late = [image["id"] for image in _uploads(alice, album, 2, prefix="late")]
    second = alice.get(
        "/v1/images",
        params={"limit": 10, "sort": "uploaded", "cursor": first.json()["next_cursor"]},
    )
    assert _ids(first) + _ids(second) == made + late


def test_a_limit_over_200_is_400(alice: Client) -> None:
    answer = alice.get("/v1/images", params={"limit": 201})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "limit"


def test_a_made_up_cursor_is_400(alice: Client) -> None:
    answer = alice.get("/v1/images", params={"cursor": "bm9wZQ"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "cursor"


def test_a_cursor_of_another_sort_is_400(alice: Client) -> None:
    album = alice.album()
    _uploads(alice, album, 2)
    cursor = alice.get("/v1/images", params={"limit": 1}).json()["next_cursor"]
    answer = alice.get("/v1/images", params={"sort": "name", "cursor": cursor})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "cursor"


def test_an_unknown_sort_is_400(alice: Client) -> None:
    answer = alice.get("/v1/images", params={"sort": "colour"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "sort"


def test_sort_by_name_is_case_insensitive(alice: Client) -> None:
    album = alice.album()
    b, a, c = (alice.upload(album, name=n)["id"] for n in ("b.jpg", "A.jpg", "c.jpg"))
    assert _ids(alice.get("/v1/images", params={"sort": "name"})) == [a, b, c]


def test_an_album_lists_in_its_own_order_by_default(alice: Client) -> None:
    album = alice.album()
    made = [image["id"] for image in _uploads(alice, album, 3)]
    assert _ids(alice.get("/v1/images", params={"album": album})) == made


def test_the_album_filter_keeps_to_that_album(alice: Client) -> None:
    one, two = alice.album("one"), alice.album("two")
    kept = alice.upload(one, name="kept.jpg")["id"]
    alice.upload(two, name="other.jpg")
    assert _ids(alice.get("/v1/images", params={"album": one})) == [kept]


def test_the_space_filter_keeps_to_that_space(alice: Client) -> None:
    mine = alice.album()
    site = alice.album("Site", space=PROJECT)
    alice.upload(mine, name="home.jpg")
    there = alice.upload(site, name="site.jpg")["id"]
    assert _ids(alice.get("/v1/images", params={"space": PROJECT})) == [there]


def test_q_matches_name_description_alt_text_and_album_name(alice: Client) -> None:
    album = alice.album("Summer trip")
    by_name = alice.upload(album, name="dune.jpg")["id"]
    by_text = alice.upload(album, name="x.jpg")["id"]
    alice.patch(f"/v1/images/{by_text}", json={"description": "A DUNE at dusk"})
    by_alt = alice.upload(album, name="y.jpg")["id"]
    alice.patch(f"/v1/images/{by_alt}", json={"alt_text": "sand dune"})
    other = alice.album("Winter")
    alice.upload(other, name="snow.jpg")
    assert set(_ids(alice.get("/v1/images", params={"q": "dune"}))) == {by_name, by_text, by_alt}
    assert len(_ids(alice.get("/v1/images", params={"q": "summer"}))) == 3


def test_q_words_must_all_match(alice: Client) -> None:
    album = alice.album("Summer")
    hit = alice.upload(album, name="dune.jpg")["id"]
    alice.upload(album, name="sea.jpg")
    assert _ids(alice.get("/v1/images", params={"q": "summer dune"})) == [hit]


def test_the_format_filter_takes_several_formats(alice: Client) -> None:
    album = alice.album()
    jpeg = alice.upload(album, name="a.jpg")["id"]
    png = alice.upload(album, samples.png(), name="b.png")["id"]
    alice.upload(album, samples.webp(), name="c.webp")
    assert _ids(alice.get("/v1/images", params={"format": "png"})) == [png]
    both = alice.get("/v1/images", params=[("format", "png"), ("format", "jpeg")])
    assert set(_ids(both)) == {jpeg, png}


def test_the_starred_filter(alice: Client) -> None:
    album = alice.album()
    starred = alice.upload(album, name="a.jpg")["id"]
    plain = alice.upload(album, name="b.jpg")["id"]
    alice.patch(f"/v1/images/{starred}", json={"starred": True})
    assert _ids(alice.get("/v1/images", params={"starred": "true"})) == [starred]
    assert _ids(alice.get("/v1/images", params={"starred": "false"})) == [plain]


def test_the_private_filter(alice: Client) -> None:
    album = alice.album()
    hidden = alice.upload(album, name="a.jpg", private="true")["id"]
    alice.upload(album, name="b.jpg")
    assert _ids(alice.get("/v1/images", params={"private": "true"})) == [hidden]


def test_trashed_images_leave_the_list_and_fill_the_trash_view(alice: Client) -> None:
    album = alice.album()
    gone = alice.upload(album, name="a.jpg")["id"]
    kept = alice.upload(album, name="b.jpg")["id"]
    alice.post(f"/v1/images/{gone}/trash")
    assert _ids(alice.get("/v1/images")) == [kept]
    assert _ids(alice.get("/v1/images", params={"trashed": "true"})) == [gone]


def test_upload_date_ranges_filter_inclusively_by_day(alice: Client) -> None:
    album = alice.album()
    image = alice.upload(album)
    day = image["uploaded_at"][:10]
    assert _ids(alice.get("/v1/images", params={"uploaded_from": day, "uploaded_to": day})) == [
        image["id"]
    ]
    assert _ids(alice.get("/v1/images", params={"uploaded_to": "2000-01-01"})) == []


def test_taken_date_ranges_use_the_exif_date(alice: Client) -> None:
    album = alice.album()
    dated = alice.upload(album, samples.jpeg_with_exif(TAKEN), name="old.jpg")["id"]
    alice.upload(album, name="undated.jpg")
    found = alice.get("/v1/images", params={"taken_from": "2021-06-01", "taken_to": "2021-06-01"})
    assert _ids(found) == [dated]


def test_a_malformed_date_is_400_naming_it(alice: Client) -> None:
    answer = alice.get("/v1/images", params={"taken_from": "yesterday"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "taken_from"


def test_taken_sort_puts_undated_images_by_upload_time(alice: Client) -> None:
    album = alice.album()
    undated = alice.upload(album, name="new.jpg")["id"]
    dated = alice.upload(album, samples.jpeg_with_exif(TAKEN), name="old.jpg")["id"]
    assert _ids(alice.get("/v1/images", params={"sort": "taken"})) == [dated, undated]
    assert _ids(alice.get("/v1/images", params={"sort": "-taken"})) == [undated, dated]


def test_a_second_user_does_not_see_the_first_users_private_images(
    alice: Client, bob: Client
) -> None:
    site = alice.album("Site", space=PROJECT)
    shared = alice.upload(site, name="shared.jpg")["id"]
    private = alice.upload(site, name="private.jpg", private="true")["id"]
    assert set(_ids(alice.get("/v1/images", params={"space": PROJECT}))) == {shared, private}
    assert _ids(bob.get("/v1/images")) == [shared]
    assert bob.get(f"/v1/images/{private}").status_code == 404
    assert bob.get(f"/v1/images/{private}/content").status_code == 404


def test_a_second_user_sees_nothing_of_the_first_users_personal_space(
    alice: Client, bob: Client
) -> None:
    album = alice.album()
    image = alice.upload(album)["id"]
    assert _ids(bob.get("/v1/images")) == []
    assert bob.get(f"/v1/images/{image}").status_code == 404


def test_detail_adds_exif_and_gps_for_the_uploader(alice: Client) -> None:
    site = alice.album("Site", space=PROJECT)
    image = alice.upload(site, samples.jpeg_with_exif({**GPS, **TAKEN}), name="gps.jpg")["id"]
    answer = alice.get(f"/v1/images/{image}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["exif"]["taken_at"] == "2021-06-01T12:00:00Z"
    assert body["gps"]["lat"] > 51.5 and body["gps"]["lon"] < 0


def test_detail_hides_gps_from_other_members(alice: Client, bob: Client) -> None:
    site = alice.album("Site", space=PROJECT)
    image = alice.upload(site, samples.jpeg_with_exif(GPS), name="gps.jpg")["id"]
    answer = bob.get(f"/v1/images/{image}")
    assert answer.status_code == 200
    assert answer.json()["gps"] is None


def test_detail_of_an_image_without_exif_has_null_exif(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    body = alice.get(f"/v1/images/{image}").json()
    assert body["exif"] is None
    assert body["gps"] is None


def test_detail_finds_a_trashed_image(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    alice.post(f"/v1/images/{image}/trash")
    answer = alice.get(f"/v1/images/{image}")
    assert answer.status_code == 200
    assert answer.json()["trashed"] is True


def test_detail_of_an_unknown_image_is_404(alice: Client) -> None:
    answer = alice.get("/v1/images/999999")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"


def test_an_admin_lists_every_users_images_with_their_gps(
    alice: Client, base_url: str, users: Users
) -> None:
    image = alice.upload(alice.album(), samples.jpeg_with_exif(GPS), name="gps.jpg", private="true")
    root = log_in(base_url, users, "root")
    listed = root.get("/v1/images")
    detail = root.get(f"/v1/images/{image['id']}")
    root.http.close()
    assert _ids(listed) == [image["id"]]
    assert detail.json()["gps"] is not None
