"""Changing images through ``/v1``: PATCH, reorder, trash, restore, delete, empty the trash;
who may do which (uploaders and managers change, viewers only read)."""

from __future__ import annotations

import httpx

from tests.api.v1.conftest import Client, error_of

PROJECT = "procore-project:10"


def _ids(answer: httpx.Response) -> list[int]:
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def test_patch_changes_the_fields_given_and_keeps_the_rest(alice: Client) -> None:
    image = alice.upload(alice.album(), name="a.jpg")
    answer = alice.patch(
        f"/v1/images/{image['id']}",
        json={"alt_text": "A dune", "description": "At dusk", "starred": True, "name": "dune"},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["alt_text"], body["description"], body["starred"], body["name"]) == (
        "A dune",
        "At dusk",
        True,
        "dune",
    )
    assert body["private"] is False
    assert alice.get(f"/v1/images/{image['id']}").json()["alt_text"] == "A dune"


def test_patch_with_null_clears_a_text(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    alice.patch(f"/v1/images/{image}", json={"description": "words"})
    answer = alice.patch(f"/v1/images/{image}", json={"description": None})
    assert answer.json()["description"] is None


def test_patch_moves_an_image_to_another_album_of_its_space(alice: Client) -> None:
    one, two = alice.album("one"), alice.album("two")
    image = alice.upload(one)["id"]
    answer = alice.patch(f"/v1/images/{image}", json={"album": two})
    assert answer.status_code == 200
    assert answer.json()["album"] == {"id": two, "name": "two"}


def test_patch_to_an_album_of_another_space_is_404(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    elsewhere = alice.album("Site", space=PROJECT)
    answer = alice.patch(f"/v1/images/{image}", json={"album": elsewhere})
    assert answer.status_code == 404


def test_patch_makes_an_image_private(alice: Client, bob: Client) -> None:
    image = alice.upload(alice.album("Site", space=PROJECT))["id"]
    assert bob.get(f"/v1/images/{image}").status_code == 200
    alice.patch(f"/v1/images/{image}", json={"private": True})
    assert bob.get(f"/v1/images/{image}").status_code == 404


def test_patch_with_a_wrong_type_is_400(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    answer = alice.patch(f"/v1/images/{image}", json={"starred": "yes"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "starred"


def test_a_viewer_may_not_patch(alice: Client, bob: Client) -> None:
    image = alice.upload(alice.album("Site", space=PROJECT))["id"]
    answer = bob.patch(f"/v1/images/{image}", json={"starred": True})
    assert answer.status_code == 403


def test_reorder_answers_204_and_the_album_keeps_the_order(alice: Client) -> None:
    album = alice.album()
    a, b, c = (alice.upload(album, name=f"{n}.jpg")["id"] for n in "abc")
    answer = alice.put(f"/v1/albums/{album}/order", json={"image_ids": [c, a]})
    assert answer.status_code == 204
    assert _ids(alice.get("/v1/images", params={"album": album})) == [c, a, b]
    positions = [
        i["position"] for i in alice.get("/v1/images", params={"album": album}).json()["items"]
    ]
    assert positions == [1, 2, 3]


def test_reorder_with_an_image_of_another_album_is_400_and_changes_nothing(
    alice: Client,
) -> None:
    album, other = alice.album("one"), alice.album("two")
    a, b = (alice.upload(album, name=f"{n}.jpg")["id"] for n in "ab")
    stranger = alice.upload(other, name="s.jpg")["id"]
    answer = alice.put(f"/v1/albums/{album}/order", json={"image_ids": [b, stranger]})
    assert answer.status_code == 400
    assert _ids(alice.get("/v1/images", params={"album": album})) == [a, b]


def test_reorder_without_a_list_is_400(alice: Client) -> None:
    album = alice.album()
    answer = alice.put(f"/v1/albums/{album}/order", json={"image_ids": "1,2"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "image_ids"


def test_trash_answers_the_image_marked_trashed(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    answer = alice.post(f"/v1/images/{image}/trash")
    assert answer.status_code == 200
    assert answer.json()["trashed"] is True


def test_restore_brings_a_trashed_image_back(alice: Client) -> None:
    album = alice.album()
    image = alice.upload(album)["id"]
    alice.post(f"/v1/images/{image}/trash")
    answer = alice.post(f"/v1/images/{image}/restore")
    assert answer.status_code == 200
    assert answer.json()["trashed"] is False
    assert answer.json()["album"]["id"] == album
    assert _ids(alice.get("/v1/images")) == [image]


def test_restoring_a_live_image_is_404(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    assert alice.post(f"/v1/images/{image}/restore").status_code == 404


def test_a_viewer_may_not_trash(alice: Client, bob: Client) -> None:
    image = alice.upload(alice.album("Site", space=PROJECT))["id"]
    answer = bob.post(f"/v1/images/{image}/trash")
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "forbidden"


def test_delete_removes_an_image_for_good(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    answer = alice.delete(f"/v1/images/{image}")
    assert answer.status_code == 204
    assert alice.get(f"/v1/images/{image}").status_code == 404


def test_delete_removes_a_trashed_image_too(alice: Client) -> None:
    image = alice.upload(alice.album())["id"]
    alice.post(f"/v1/images/{image}/trash")
    assert alice.delete(f"/v1/images/{image}").status_code == 204
    assert _ids(alice.get("/v1/images", params={"trashed": "true"})) == []


def test_empty_trash_deletes_every_trashed_image_of_the_space(alice: Client) -> None:
    album = alice.album()
    gone = [alice.upload(album, name=f"{n}.jpg")["id"] for n in range(2)]
    kept = alice.upload(album, name="kept.jpg")["id"]
    for image in gone:
        alice.post(f"/v1/images/{image}/trash")
    answer = alice.delete("/v1/trash", params={"space": alice.space})
    assert answer.status_code == 204
    assert _ids(alice.get("/v1/images", params={"trashed": "true"})) == []
    assert _ids(alice.get("/v1/images")) == [kept]
    assert alice.get(f"/v1/images/{gone[0]}").status_code == 404


def test_empty_trash_without_a_space_empties_every_trash_the_caller_may(alice: Client) -> None:
    mine = alice.upload(alice.album(), name="mine.jpg")["id"]
    there = alice.upload(alice.album("Site", space=PROJECT), name="site.jpg")["id"]
    alice.post(f"/v1/images/{mine}/trash")
    alice.post(f"/v1/images/{there}/trash")
    assert alice.delete("/v1/trash").status_code == 204
    assert _ids(alice.get("/v1/images", params={"trashed": "true"})) == []


def test_empty_trash_leaves_other_members_trashed_images(
    alice: Client, alice_script: Client, bob: Client
) -> None:
    image = alice.upload(alice.album("Site", space=PROJECT))["id"]
    alice.post(f"/v1/images/{image}/trash")
    assert bob.delete("/v1/trash").status_code == 204  # bob is a viewer there: nothing of his
    assert _ids(alice_script.get("/v1/images", params={"trashed": "true"})) == [image]
