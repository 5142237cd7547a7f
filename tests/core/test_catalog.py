"""``core.catalog`` on SQLite and PostgreSQL: keyset pages in every sort cover each image once,
privacy holds across spaces, and spaces below a granted one are seen."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from darkroom.core import catalog, images
from darkroom.core.access import Actor, SpaceRole
from darkroom.core.catalog import Filters, Sort
from darkroom.core.images import NewImage
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.conftest import grant, make_actor

GALLERY = AlbumType("gallery", AlbumPolicy())
NAMES = ["b", "A", "c", "a_1", "a%2", "B", "d"]


def _add(rt: Runtime, actor: Actor, space: str, album: int, name: str, **extra: object) -> int:
    scope = catalog.enter(rt, actor, space, write=True)
    data = io.BytesIO(samples.jpeg(seed=len(name) * 31 + sum(map(ord, name))))
    new = NewImage(name=name, **extra)  # type: ignore[arg-type]
    return images.add(rt, scope, album, data, new).id


def _album(rt: Runtime, actor: Actor, space: str) -> int:
    scope = catalog.enter(rt, actor, space, write=True)
    return catalog.create_album(rt, scope, GALLERY, name="album").album.id


def _all_pages(rt: Runtime, actor: Actor, sort: Sort, filters: Filters = Filters()) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page = catalog.list_images(rt, actor, filters, sort, after=after, limit=2)
        seen += [found.image.id for found in page.items]
        if page.last is None:
            return seen
        after = page.last


@pytest.mark.parametrize("sort", list(Sort))
def test_pages_of_every_sort_hold_each_image_once_in_the_one_page_order(
    runtime: Runtime, member: Actor, sort: Sort
) -> None:
    space = f"personal:{member.principal_id}"
    album = _album(runtime, member, space)
    taken = {"b": datetime(2020, 1, 1, tzinfo=UTC), "c": datetime(2020, 1, 1, tzinfo=UTC)}
    made = [_add(runtime, member, space, album, n, taken_at=taken.get(n)) for n in NAMES]
    paged = _all_pages(runtime, member, sort)
    whole = catalog.list_images(runtime, member, Filters(), sort, after=None, limit=100)
    assert sorted(paged) == sorted(made)
    assert paged == [found.image.id for found in whole.items]


def test_name_sort_ignores_case(runtime: Runtime, member: Actor) -> None:
    space = f"personal:{member.principal_id}"
    album = _album(runtime, member, space)
    ids = {n: _add(runtime, member, space, album, n) for n in ("b", "A", "c")}
    assert _all_pages(runtime, member, Sort.NAME) == [ids["A"], ids["b"], ids["c"]]


def test_text_query_takes_like_wildcards_literally(runtime: Runtime, member: Actor) -> None:
    space = f"personal:{member.principal_id}"
    album = _album(runtime, member, space)
    percent = _add(runtime, member, space, album, "a%2")
    _add(runtime, member, space, album, "a12")
    found = _all_pages(runtime, member, Sort.NEWEST, Filters(words=("%",)))
    assert found == [percent]


def test_private_images_of_a_shared_space_are_listed_to_their_uploader_only(
    runtime: Runtime, member: Actor
) -> None:
    other = make_actor(runtime, "olaf")
    for actor in (member, other):
        grant(runtime, actor, "moov-account", "shared", SpaceRole.MEMBER)
    album = _album(runtime, member, "moov-account:shared")
    public = _add(runtime, member, "moov-account:shared", album, "public")
    private = _add(runtime, member, "moov-account:shared", album, "private", private=True)
    assert sorted(_all_pages(runtime, member, Sort.NEWEST)) == sorted([public, private])
    assert _all_pages(runtime, other, Sort.NEWEST) == [public]


def test_spaces_below_a_granted_one_are_seen_with_its_role(runtime: Runtime, member: Actor) -> None:
    from darkroom.core import spaces

    with runtime.transaction() as session:
        company = spaces.ensure(session, "procore-company", "1")
        spaces.ensure(session, "procore-project", "10", parent=company)
    grant(runtime, member, "procore-company", "1", SpaceRole.VIEWER)
    views = {view.ref: view for view in catalog.visible_spaces(runtime, member)}
    assert views["procore-project:10"].role is SpaceRole.VIEWER
    assert views["procore-project:10"].parent == "procore-company:1"
    assert views[f"personal:{member.principal_id}"].mine
