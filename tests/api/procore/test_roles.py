"""Roles in a project: viewers read; members add images and change their own; managers change
any; private categories and images are seen by their creator and managers only."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.procore.conftest import PROJECT, Procore, assert_error, ids, make_image

IMAGES = f"/rest/v1.0/images?project_id={PROJECT}"
CATEGORIES = f"/rest/v1.0/image_categories?project_id={PROJECT}"


def _image(project_id: int = PROJECT) -> str:
    return f"/rest/v1.0/images/{{}}?project_id={project_id}"


def _category(client: httpx.Client, name: str = "Site", *, private: bool = False) -> int:
    body = {"image_category": {"name": name, "private": private}}
    response = client.post(CATEGORIES, json=body)
    assert response.status_code == 201, response.text
    created: int = response.json()["id"]
    return created


def _in(client: httpx.Client, category: int, *, seed: int, **attrs: Any) -> int:
    created: int = make_image(client, seed=seed, image_category_id=category, **attrs)["id"]
    return created


def _trash(client: httpx.Client, image_id: int) -> httpx.Response:
    return client.delete(_image().format(image_id))


def test_member_cannot_trash_a_colleagues_image(procore: Procore) -> None:
    image = make_image(procore.client("colleague"))["id"]
    assert_error(_trash(procore.client("member"), image), 403, "uploader")
    assert ids(procore.client("colleague").get(IMAGES)) == [image]


def test_member_cannot_purge_a_colleagues_image(procore: Procore) -> None:
    image = make_image(procore.client("colleague"))["id"]
    response = procore.client("member").delete(_image().format(image) + "&permanent=true")
    assert_error(response, 403)


def test_member_cannot_update_a_colleagues_image(procore: Procore) -> None:
    image = make_image(procore.client("colleague"))["id"]
    response = procore.client("member").patch(
        _image().format(image), json={"image": {"description": "mine now"}}
    )
    assert_error(response, 403)


def test_member_cannot_restore_a_colleagues_trashed_image(procore: Procore) -> None:
    colleague = procore.client("colleague")
    image = make_image(colleague)["id"]
    assert _trash(colleague, image).status_code == 200
    path = f"/rest/v1.0/images/{image}/retrieve?project_id={PROJECT}"
    assert_error(procore.client("member").patch(path), 403)


def test_member_trashes_and_updates_their_own_image(procore: Procore) -> None:
    member = procore.client("member")
    image = make_image(member)["id"]
    changed = member.patch(_image().format(image), json={"image": {"description": "d"}})
    assert (changed.status_code, changed.json()["description"]) == (200, "d")
    assert _trash(member, image).status_code == 200


def test_manager_trashes_a_members_image(procore: Procore) -> None:
    image = make_image(procore.client("member"))["id"]
    assert _trash(procore.client("manager"), image).status_code == 200


def test_viewer_reads_but_cannot_upload(procore: Procore) -> None:
    image = make_image(procore.client("member"))["id"]
    viewer = procore.client("viewer")
    assert ids(viewer.get(IMAGES)) == [image]
    body = {"image_name": "v.jpg", "image": {"data": "AAAA"}}
    assert_error(viewer.post(IMAGES, json=body), 403, "viewer")


def test_viewer_cannot_trash_an_image(procore: Procore) -> None:
    image = make_image(procore.client("member"))["id"]
    assert_error(_trash(procore.client("viewer"), image), 403)


def test_private_category_hidden_from_other_members(procore: Procore) -> None:
    member, colleague = procore.client("member"), procore.client("colleague")
    secret = _category(member, "Secret", private=True)
    inside = _in(member, secret, seed=1)
    assert [c["id"] for c in colleague.get(CATEGORIES).json()] == []
    path = f"/rest/v1.0/image_categories/{secret}?project_id={PROJECT}"
    assert_error(colleague.get(path), 404)
    assert ids(colleague.get(IMAGES)) == []
    assert ids(colleague.get(IMAGES + f"&filters[image_category_id]={secret}")) == []
    assert_error(colleague.get(_image().format(inside)), 404)
    with_images = f"/rest/v1.0/image_categories/ids_with_images?project_id={PROJECT}"
    assert colleague.get(with_images).json() == []


def test_private_category_seen_by_its_creator_and_managers(procore: Procore) -> None:
    member = procore.client("member")
    secret = _category(member, "Secret", private=True)
    for who in ("member", "manager", "admin"):
        listed = procore.client(who).get(CATEGORIES).json()
        assert [c["id"] for c in listed] == [secret], who


def test_member_cannot_upload_into_a_private_category_of_another(procore: Procore) -> None:
    secret = _category(procore.client("member"), "Secret", private=True)
    body = {"image_name": "x.jpg", "image": {"data": "AAAA", "image_category_id": secret}}
    response = procore.client("colleague").post(IMAGES, json=body)
    # As for a category that does not exist: nothing says that it does.
    assert_error(response, 422, f"unknown image category {secret}")


def test_category_count_leaves_out_private_images_the_caller_cannot_see(
    procore: Procore,
) -> None:
    member, colleague = procore.client("member"), procore.client("colleague")
    shared = _category(member, "Shared")
    _in(member, shared, seed=1)
    _in(colleague, shared, seed=2, private=True)
    path = f"/rest/v1.0/image_categories/{shared}?project_id={PROJECT}"
    assert member.get(path).json()["count"] == 1
    assert colleague.get(path).json()["count"] == 2
    assert procore.client("manager").get(path).json()["count"] == 2


def test_member_cannot_delete_a_colleagues_category(procore: Procore) -> None:
    shared = _category(procore.client("colleague"), "Theirs")
    path = f"/rest/v1.0/image_categories/{shared}?project_id={PROJECT}"
    assert_error(procore.client("member").delete(path), 403)
    patch = {"image_category": {"name": "Mine"}}
    assert_error(procore.client("member").patch(path, json=patch), 403)


def test_deleting_a_category_spares_private_images_the_member_cannot_see(
    procore: Procore,
) -> None:
    member, colleague = procore.client("member"), procore.client("colleague")
    shared = _category(member, "Shared")
    mine = _in(member, shared, seed=1)
    hidden = _in(colleague, shared, seed=2, private=True)
    public = _in(colleague, shared, seed=3)
    path = f"/rest/v1.0/image_categories/{shared}?project_id={PROJECT}"
    assert member.delete(path).status_code == 204
    # The member's own image is in the recycle bin; the colleague's stay live, in Unclassified.
    assert ids(colleague.get(IMAGES)) == sorted([hidden, public], reverse=True)
    trashed = ids(member.get(IMAGES + "&filters[include_deleted]=only"))
    assert (mine in trashed, hidden in trashed, public in trashed) == (True, False, False)
    spared = colleague.get(_image().format(hidden)).json()
    assert spared["image_category_id"] != shared


def test_deleting_a_category_as_a_manager_trashes_every_image(procore: Procore) -> None:
    member, colleague = procore.client("member"), procore.client("colleague")
    shared = _category(member, "Shared")
    _in(member, shared, seed=1)
    _in(colleague, shared, seed=2, private=True)
    path = f"/rest/v1.0/image_categories/{shared}?project_id={PROJECT}"
    assert procore.client("manager").delete(path).status_code == 204
    assert ids(procore.client("manager").get(IMAGES)) == []


def test_viewer_cannot_create_a_category(procore: Procore) -> None:
    body = {"image_category": {"name": "Nope"}}
    assert_error(procore.client("viewer").post(CATEGORIES, json=body), 403)
