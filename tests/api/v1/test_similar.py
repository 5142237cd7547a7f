"""GET /v1/images/{id}/similar: the other images of its space that show the same picture."""

from __future__ import annotations

from tests.api.v1.conftest import Client, error_of
from tests.images import photo_like


def _pictures(alice: Client) -> tuple[int, int, int]:
    """An original, a smaller recompressed copy of it, and an unrelated picture."""
    album = alice.album()
    picture = photo_like(seed=1, width=900, height=600)
    original = alice.upload(album, picture.jpegsave_buffer(Q=85), "harbour.jpg")["id"]
    copy = alice.upload(album, picture.resize(0.5).jpegsave_buffer(Q=60), "small.jpg")["id"]
    other = photo_like(seed=2, width=900, height=600).jpegsave_buffer()
    unrelated = alice.upload(album, other, "forest.jpg")["id"]
    return original, copy, unrelated


def test_a_resized_copy_is_listed_with_its_distance(alice: Client) -> None:
    original, copy, _ = _pictures(alice)
    answer = alice.get(f"/v1/images/{original}/similar")
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [item["id"] for item in items] == [copy]
    assert 0 <= items[0]["distance"] <= 4
    assert items[0]["name"] == "small.jpg" and "urls" in items[0]


def test_distance_zero_lists_only_identical_hashes(alice: Client) -> None:
    original, _, _ = _pictures(alice)
    answer = alice.get(f"/v1/images/{original}/similar", params={"distance": 0})
    assert all(item["distance"] == 0 for item in answer.json()["items"])


def test_a_trashed_copy_is_not_listed(alice: Client) -> None:
    original, copy, _ = _pictures(alice)
    assert alice.post(f"/v1/images/{copy}/trash").status_code == 200
    assert alice.get(f"/v1/images/{original}/similar").json()["items"] == []


def test_a_distance_beyond_64_is_refused_with_the_field(alice: Client) -> None:
    original, _, _ = _pictures(alice)
    answer = alice.get(f"/v1/images/{original}/similar", params={"distance": "65"})
    assert answer.status_code == 400
    assert error_of(answer)["field"] == "distance"


def test_someone_who_cannot_see_the_image_gets_404(alice: Client, bob: Client) -> None:
    original, _, _ = _pictures(alice)  # in alice's personal space
    answer = bob.get(f"/v1/images/{original}/similar")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"
