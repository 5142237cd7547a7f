"""Who may do what through ``/v1``: every operation on an image or album of a tenant space,
asked by each kind of caller, for a shared and a private target, against one rule.

The space is Procore project 10. Callers: an admin; a manager of the project; alice, who
uploaded the target; carol, another member; bob, a viewer; olga, who holds no grant; a guest
(no credentials); a revoked token. The rule (``expected``): guests and revoked tokens are 401;
whoever may not see the target gets 404 (olga always, members and viewers for a private one);
then reads succeed, and changes succeed for the uploader, managers and admins, else 403.

``test_every_v1_route_is_in_the_table`` keeps the table complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute

from darkroom.api.v1 import routes
from darkroom.app import create_app
from darkroom.core import accounts, credentials
from darkroom.core.access import Role, SpaceRole
from darkroom.core.accounts import CredentialKind
from darkroom.core.runtime import Runtime
from tests import images as samples
from tests.api.v1.conftest import PROJECT, add_user, give
from tests.conftest import sqlite_runtime
from tests.live import serve

SPACE = "procore-project:10"


class Who(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    UPLOADER = "uploader"
    COLLEAGUE = "colleague"
    VIEWER = "viewer"
    OUTSIDER = "outsider"
    GUEST = "guest"
    REVOKED = "revoked"


USERS = {
    Who.ADMIN: ("root", None),
    Who.MANAGER: ("mona", SpaceRole.MANAGER),
    Who.UPLOADER: ("alice", SpaceRole.MEMBER),
    Who.COLLEAGUE: ("carol", SpaceRole.MEMBER),
    Who.VIEWER: ("bob", SpaceRole.VIEWER),
    Who.OUTSIDER: ("olga", None),
}


@dataclass
class World:
    base: str
    rt: Runtime
    tokens: dict[Who, str]
    album: int

    def client(self, who: Who) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}
        return httpx.Client(timeout=30, base_url=self.base, headers=headers)

    def image(self, *, private: bool, trashed: bool = False) -> int:
        """A new image uploaded by alice into the project's album."""
        with self.client(Who.UPLOADER) as alice:
            answer = alice.post(
                f"/v1/albums/{self.album}/images",
                files=[("file", ("t.jpg", samples.jpeg(seed=next(_seeds)), "image/jpeg"))],
                data={"private": "true" if private else "false"},
            )
            assert answer.status_code == 201, answer.text
            image: int = answer.json()["id"]
            if trashed:
                assert alice.post(f"/v1/images/{image}/trash").status_code == 200
        return image


_seeds = iter(range(1, 10**6))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("v1-roles")
    # No login throttle: the revoked token's failures would soon be 429s instead of 401s.
    settings = {"login_free_failures": 0}
    with (
        sqlite_runtime(folder, sqlite_template, **settings) as rt,
        serve(create_app(runtime=rt)) as url,
    ):
        tokens: dict[Who, str] = {}
        for who, (name, role) in USERS.items():
            add_user(rt, name, Role.ADMIN if who is Who.ADMIN else Role.MEMBER)
            if role is not None:
                give(rt, name, PROJECT, role)
            tokens[who] = credentials.issue_token(rt, name)[0]
        revoked = credentials.issue_token(rt, "carol")[0]
        with rt.transaction() as session:
            accounts.revoke_token(session, revoked, CredentialKind.TOKEN)
        tokens[Who.REVOKED] = revoked
        with httpx.Client(
            timeout=30, base_url=url, headers={"Authorization": f"Bearer {tokens[Who.UPLOADER]}"}
        ) as alice:
            album = alice.post(f"/v1/spaces/{SPACE}/albums", json={"name": "Site"}).json()["id"]
        yield World(base=url, rt=rt, tokens=tokens, album=album)


Request = Callable[[httpx.Client, int], httpx.Response]


@dataclass(frozen=True)
class Op:
    """An operation on an image (``target`` True) or on the project's album / space."""

    method: str
    route: str
    call: Request
    writes: bool
    target: bool = True
    trashed: bool = False  # the target must be in the trash first


def _upload(http: httpx.Client, album: int) -> httpx.Response:
    file = ("file", ("n.jpg", samples.jpeg(seed=next(_seeds)), "image/jpeg"))
    return http.post(f"/v1/albums/{album}/images", files=[file])


OPS = [
    Op("GET", "/v1/images/{image_id}", lambda h, i: h.get(f"/v1/images/{i}"), writes=False),
    Op(
        "GET",
        "/v1/images/{image_id}/content",
        lambda h, i: h.get(f"/v1/images/{i}/content"),
        writes=False,
    ),
    Op(
        "GET",
        "/v1/images/{image_id}/similar",
        lambda h, i: h.get(f"/v1/images/{i}/similar"),
        writes=False,
    ),
    Op(
        "PATCH",
        "/v1/images/{image_id}",
        lambda h, i: h.patch(f"/v1/images/{i}", json={"starred": True}),
        writes=True,
    ),
    Op("POST", "/v1/images/{image_id}/trash", lambda h, i: h.post(f"/v1/images/{i}/trash"), True),
    Op(
        "POST",
        "/v1/images/{image_id}/restore",
        lambda h, i: h.post(f"/v1/images/{i}/restore"),
        writes=True,
        trashed=True,
    ),
    Op("DELETE", "/v1/images/{image_id}", lambda h, i: h.delete(f"/v1/images/{i}"), writes=True),
    Op(
        "POST",
        "/v1/images/{image_id}/share",
        lambda h, i: h.post(f"/v1/images/{i}/share", json={}),
        writes=True,
    ),
    # On the project's album and space (the privacy of the target does not apply).
    Op("POST", "/v1/albums/{album_id}/images", _upload, writes=True, target=False),
    Op(
        "PUT",
        "/v1/albums/{album_id}/order",
        lambda h, a: h.put(f"/v1/albums/{a}/order", json={"image_ids": []}),
        writes=True,
        target=False,
    ),
    Op(
        "GET",
        "/v1/spaces/{space}/albums",
        lambda h, a: h.get(f"/v1/spaces/{SPACE}/albums"),
        writes=False,
        target=False,
    ),
    Op(
        "POST",
        "/v1/spaces/{space}/albums",
        lambda h, a: h.post(f"/v1/spaces/{SPACE}/albums", json={"name": "more"}),
        writes=True,
        target=False,
    ),
    Op(
        "GET",
        "/v1/images",
        lambda h, a: h.get("/v1/images", params={"space": SPACE}),
        writes=False,
        target=False,
    ),
    Op(
        "DELETE",
        "/v1/trash",
        lambda h, a: h.delete("/v1/trash", params={"space": SPACE}),
        writes=True,
        target=False,
    ),
]

# Covered elsewhere: the same for every caller who has credentials.
ELSEWHERE = {
    ("POST", "/v1/session"): "tests/api/v1/test_sessions.py",
    ("DELETE", "/v1/session"): "tests/api/v1/test_sessions.py",
    ("GET", "/v1/me"): "tests/api/v1/test_sessions.py",
    ("GET", "/v1/spaces"): "tests/api/v1/test_spaces.py",
}

SUCCESS = {"GET": 200, "PATCH": 200, "PUT": 204, "DELETE": 204}
CREATES = {
    "/v1/albums/{album_id}/images",
    "/v1/spaces/{space}/albums",
    "/v1/images/{image_id}/share",
}
CHANGERS = {Who.ADMIN, Who.MANAGER, Who.UPLOADER}


def success(op: Op) -> int:
    if op.method == "POST":
        return 201 if op.route in CREATES else 200
    return SUCCESS[op.method]


def expected(op: Op, who: Who, private: bool) -> int:
    if who in (Who.GUEST, Who.REVOKED):
        return 401
    if who is Who.OUTSIDER:
        # Images and albums of a space one has no grant on do not exist for them; the space
        # itself is named in the request, so entering it is refused.
        return 404 if op.route.startswith(("/v1/images/", "/v1/albums/")) else 403
    if op.target and private and who not in CHANGERS:
        return 404
    if not op.writes:
        return success(op)
    if who is Who.VIEWER:
        return 403
    if op.target and who is Who.COLLEAGUE:
        return 403
    return success(op)


CELLS = [
    pytest.param(
        op,
        who,
        private,
        id=f"{op.method} {op.route} | {who} | {'private' if private else 'shared'}",
    )
    for op in OPS
    for who in Who
    for private in ((False, True) if op.target else (False,))
]


@pytest.mark.parametrize(("op", "who", "private"), CELLS)
def test_cell(world: World, op: Op, who: Who, private: bool) -> None:
    subject = world.image(private=private, trashed=op.trashed) if op.target else world.album
    with world.client(who) as http:
        answer = op.call(http, subject)
    assert answer.status_code == expected(op, who, private), answer.text
    if answer.status_code >= 400:
        body = answer.json()
        assert set(body) == {"error"} and isinstance(body["error"]["code"], str)


def test_every_v1_route_is_in_the_table() -> None:
    found = {
        (method, route.path)
        for route in routes.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
        if method != "HEAD"
    }
    listed = {(op.method, op.route) for op in OPS} | set(ELSEWHERE)
    assert found == listed
