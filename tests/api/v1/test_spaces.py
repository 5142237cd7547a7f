"""``/v1`` spaces and albums: what each caller may see, named readably, and album creation."""

from __future__ import annotations

from darkroom.core.runtime import Runtime
from tests.api.v1.conftest import Client, Users, error_of, log_in, with_token

PROJECT = "procore-project:10"


def test_a_member_sees_their_personal_space_first_then_their_grants(alice: Client) -> None:
    answer = alice.get("/v1/spaces")
    assert answer.status_code == 200
    assert answer.json()["items"] == [
        {
            "id": alice.space,
            "kind": "personal",
            "name": "My photos",
            "role": "manager",
            "parent": None,
        },
        {
            "id": PROJECT,
            "kind": "procore-project",
            "name": "Procore project 10",
            "role": "member",
            "parent": "procore-company:1",
        },
    ]


def test_a_viewer_grant_shows_the_space_with_the_viewer_role(bob: Client) -> None:
    items = bob.get("/v1/spaces").json()["items"]
    assert [(item["id"], item["role"]) for item in items] == [
        (bob.space, "manager"),
        (PROJECT, "viewer"),
    ]


def test_an_admin_sees_every_space_as_manager(base_url: str, users: Users, alice: Client) -> None:
    alice.album()  # makes alice's personal space
    root = log_in(base_url, users, "root")
    items = root.get("/v1/spaces").json()["items"]
    root.http.close()
    names = {item["id"]: (item["name"], item["role"]) for item in items}
    assert names["procore-company:1"] == ("Procore company 1", "manager")
    assert names[PROJECT] == ("Procore project 10", "manager")
    assert names[alice.space] == ("Cyclos user alice", "manager")
    assert items[0]["name"] == "My photos"


def test_a_member_does_not_see_another_users_personal_space(alice: Client, bob: Client) -> None:
    alice.album()
    ids = [item["id"] for item in bob.get("/v1/spaces").json()["items"]]
    assert alice.space not in ids


def test_albums_of_a_space_list_count_and_cover(alice: Client) -> None:
    album = alice.album("Holidays")
    first = alice.upload(album, name="one.jpg")
    alice.upload(album, name="two.jpg")
    answer = alice.get(f"/v1/spaces/{alice.space}/albums")
    assert answer.status_code == 200
    [listed] = answer.json()["items"]
    assert listed["id"] == album
    assert listed["name"] == "Holidays"
    assert listed["kind"] == "gallery"
    assert listed["ordered"] is True
    assert listed["image_count"] == 2
    assert listed["cover"]["id"] == first["id"]


def test_an_empty_personal_space_lists_no_albums(alice: Client) -> None:
    answer = alice.get(f"/v1/spaces/{alice.space}/albums")
    assert answer.status_code == 200
    assert answer.json() == {"items": []}


def test_creating_an_album_answers_201_with_it(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{alice.space}/albums", json={"name": "Dunes"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["name"] == "Dunes"
    assert body["space"] == alice.space
    assert body["kind"] == "gallery"
    assert body["dedupe"] is False
    assert body["image_count"] == 0
    assert body["cover"] is None


def test_an_album_with_an_empty_name_is_400(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{alice.space}/albums", json={"name": "  "})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "name"


def test_a_member_makes_albums_in_a_granted_tenant_space(alice: Client) -> None:
    answer = alice.post(f"/v1/spaces/{PROJECT}/albums", json={"name": "Site"})
    assert answer.status_code == 201
    assert answer.json()["space"] == PROJECT


def test_a_viewer_may_not_make_albums(bob: Client) -> None:
    answer = bob.post(f"/v1/spaces/{PROJECT}/albums", json={"name": "Site"})
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "forbidden"


def test_a_stranger_may_not_read_another_users_albums(alice: Client, bob: Client) -> None:
    alice.album()
    answer = bob.get(f"/v1/spaces/{alice.space}/albums")
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "forbidden"


def test_a_private_album_is_hidden_from_other_members_of_the_space(
    alice: Client, base_url: str, v1_runtime: Runtime, users: Users
) -> None:
    alice.album("Secret", space=PROJECT, private=True)
    bob = with_token(base_url, v1_runtime, users, "bob")
    names = [a["name"] for a in bob.get(f"/v1/spaces/{PROJECT}/albums").json()["items"]]
    bob.http.close()
    assert "Secret" not in names
