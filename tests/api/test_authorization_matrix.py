"""The authorization matrix: every operation of each API, asked by each kind of caller, of each
kind of target, over real HTTP, against the status the roles say it must answer.

One table (``OPERATIONS``) lists the operations; the cells are generated from it (operation ×
``Who`` × ``Target``), and each expected status comes from one rule per door (``expected``),
which reads like the roles' specification. ``test_every_route_is_in_the_table`` fails when a door
gains a route that is neither in the table nor in ``EXCLUDED`` with a reason, so a new operation
cannot be left out.

Callers (``Who``): an admin; a manager of the target's space; a member; a viewer; a member of
another space; a guest (no credentials); a revoked credential (a revoked Procore token, a closed
Cyclos session, a Moov password since changed).

Targets: the caller's own resource, a colleague's, another tenant's (asked in that tenant, where
the caller may hold no grant), and a colleague's private one. Operations on a collection (list,
create) are asked in the target's space: own, colleague's and private are the caller's space.

Per door, "space" means: Procore company 1 (project 10) against company 2 (project 20); Moov
account A against account B; Cyclos the personal space of carol (whom the manager manages)
against dave's, the caller's own images being their own personal space.

One server and one set of fixtures serve the whole module; operations that change or delete
their target are given a fresh one per cell.
"""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import update

from darkroom.api import vocabulary
from darkroom.api.cyclos import entities, routing
from darkroom.api.cyclos.entities import EntityKind
from darkroom.app import create_app
from darkroom.core import accounts, albums, images, logins, spaces, uploads
from darkroom.core.access import PERSONAL_SPACE, Role, SpaceRole, trusted_scope
from darkroom.core.accounts import CredentialKind
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Image, Principal
from tests import images as samples
from tests.conftest import sqlite_runtime
from tests.live import serve

PASSWORD = "matrix-password"
READS = frozenset({"GET", "HEAD"})


class Who(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"  # of the target's space (of carol, for Cyclos)
    MEMBER = "member"
    VIEWER = "viewer"
    OUTSIDER = "outsider"  # a member of another space
    GUEST = "guest"
    REVOKED = "revoked"


class Target(StrEnum):
    OWN = "own"
    COLLEAGUE = "colleague"
    OTHER = "other-tenant"
    PRIVATE = "private"


class Kind(Enum):
    """What an operation does to its target, which is what decides who may."""

    LIST = "list"  # read a collection of the space
    CREATE = "create"  # add to the space
    MANAGE = "manage"  # add reference data: managers only
    READ = "read"  # read one item (a private one: its owner and managers)
    CHANGE = "change"  # change one item: its owner and managers
    UNOWNED = "unowned"  # one item with no owner and no privacy (a location): any member
    READ_OWN = "read-own"  # read one item only its owner and managers see (an upload)
    SELF = "self"  # about the caller, no target (Cyclos' /auth)


@dataclass(frozen=True)
class Op:
    """One operation: its door, method and route template (as the door registers it), what it
    does, the status that means yes, the resource it needs, and the body it sends."""

    door: str
    method: str
    route: str
    kind: Kind
    ok: int
    resource: str | None = None
    body: Callable[[World, Target], Any] | None = None
    query: str = ""
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.door} {self.method} {self.route}{self.query}{self.label}"

    @property
    def writes(self) -> bool:
        return self.method not in READS


def _jpeg_b64() -> str:
    return base64.b64encode(samples.jpeg(8, 6, seed=next(_seeds))).decode()


_seeds = itertools.count(1)
_names = itertools.count(1)


def _name(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


def _procore_image_body(world: World, target: Target) -> Any:
    return {"image_name": "m.jpg", "image": {"data": _jpeg_b64()}}


P = "procore"
PI = "/rest/v1.0/images"
PC = "/rest/v1.0/image_categories"
PL = "/rest/v1.0/projects/{project_id}/locations"
PU = "/rest/{version}/{owner}/uploads"

OPERATIONS: list[Op] = [
    # --- Procore: images
    Op(P, "GET", PI, Kind.LIST, 200),
    Op(P, "POST", PI, Kind.CREATE, 201, body=_procore_image_body),
    Op(P, "GET", PI + "/{image_id}", Kind.READ, 200, "image"),
    Op(
        P,
        "PATCH",
        PI + "/{image_id}",
        Kind.CHANGE,
        200,
        "fresh-image",
        body=lambda w, t: {"image": {"description": "changed"}},
    ),
    Op(P, "DELETE", PI + "/{image_id}", Kind.CHANGE, 200, "fresh-image"),
    Op(P, "DELETE", PI + "/{image_id}", Kind.CHANGE, 200, "fresh-image", query="&permanent=true"),
    Op(P, "POST", PI + "/{image_id}/retrieve", Kind.CHANGE, 200, "trashed-image"),
    Op(P, "PATCH", PI + "/{image_id}/retrieve", Kind.CHANGE, 200, "trashed-image"),
    # --- Procore: image categories
    Op(P, "GET", PC, Kind.LIST, 200),
    Op(P, "GET", PC + "/ids_with_images", Kind.LIST, 200),
    Op(
        P,
        "POST",
        PC,
        Kind.CREATE,
        201,
        body=lambda w, t: {"image_category": {"name": _name("category")}},
    ),
    Op(P, "GET", PC + "/{category_id}", Kind.READ, 200, "category"),
    Op(
        P,
        "PATCH",
        PC + "/{category_id}",
        Kind.CHANGE,
        200,
        "fresh-category",
        body=lambda w, t: {"image_category": {"name": _name("renamed")}},
    ),
    Op(P, "DELETE", PC + "/{category_id}", Kind.CHANGE, 204, "fresh-category"),
    # --- Procore: locations
    Op(P, "GET", "/rest/v1.0/locations", Kind.LIST, 200),
    Op(P, "GET", PL, Kind.LIST, 200),
    Op(
        P,
        "POST",
        PL,
        Kind.CREATE,
        201,
        body=lambda w, t: {"location": {"node_name": _name("node")}},
    ),
    Op(
        P,
        "POST",
        PL + "/find_or_create_by_path",
        Kind.CREATE,
        201,
        body=lambda w, t: {"location": {"path": [_name("a"), "b"]}},
    ),
    Op(
        P,
        "POST",
        "/rest/v1.0/locations",
        Kind.CREATE,
        201,
        body=lambda w, t: {
            "project_id": w.project_of(t),
            "location": {"node_name": _name("node")},
        },
    ),
    Op(P, "GET", "/rest/v1.0/locations/{location_id}", Kind.UNOWNED, 200, "location"),
    Op(
        P,
        "PATCH",
        "/rest/v1.0/locations/{location_id}",
        Kind.UNOWNED,
        200,
        "fresh-location",
        body=lambda w, t: {"location": {"node_name": _name("renamed")}},
    ),
    Op(P, "DELETE", "/rest/v1.0/locations/{location_id}", Kind.UNOWNED, 204, "fresh-location"),
    # --- Procore: trades (company reference data)
    Op(P, "GET", "/rest/v1.0/companies/{company_id}/trades", Kind.LIST, 200),
    Op(
        P,
        "POST",
        "/rest/v1.0/companies/{company_id}/trades",
        Kind.MANAGE,
        201,
        body=lambda w, t: {"trade": {"name": _name("trade")}},
    ),
    # --- Procore: two-phase uploads, in a project and in a company, both API versions
    *(
        op
        for version in ("v1.0", "v1.1")
        for owner in ("projects/{project_id}", "companies/{company_id}")
        for op in (
            Op(
                P,
                "POST",
                PU.format(version=version, owner=owner),
                Kind.CREATE,
                201,
                body=lambda w, t: {},
            ),
            Op(
                P,
                "GET",
                PU.format(version=version, owner=owner) + "/{upload_uuid}",
                Kind.READ_OWN,
                200,
                "company-upload" if owner.startswith("companies") else "upload",
            ),
        )
    ),
]

# Routes not in the table, each with the reason.
EXCLUDED: dict[tuple[str, str, str], str] = {
    **{
        (P, method, path): "capability URLs (unguessable public ids): the capabilities part"
        for method in ("GET", "HEAD")
        for path in (
            "/rest/v1.0/image_files/{public_id}",
            "/rest/v1.0/image_files/{public_id}/thumbnail",
        )
    },
    (P, "POST", "/rest/v1.0/storage/uploads/{upload_uuid}"): (
        "authorized by the upload's signed policy, not by a role (tests/api/procore/test_uploads)"
    ),
    (P, "PUT", "/rest/v1.0/storage/uploads/{upload_uuid}/segments/{index}"): (
        "authorized by the upload's segment token, not by a role"
    ),
    **{
        (P, "PATCH", PU.format(version=version, owner=owner) + "/{upload_uuid}"): (
            "completing segments needs stored segment bytes; its access check is the GET's "
            "(uploads.get), which the table covers"
        )
        for version in ("v1.0", "v1.1")
        for owner in ("projects/{project_id}", "companies/{company_id}")
    },
}


# --- the world: one server, tenants, callers and targets ---------------------------------------

COMPANY, PROJECT, OTHER_COMPANY, OTHER_PROJECT = 1, 10, 2, 20


@dataclass
class World:
    base: str
    rt: Runtime
    tokens: dict[Who, str] = field(default_factory=dict)
    principals: dict[str, int] = field(default_factory=dict)
    procore_items: dict[tuple[str, Who, Target], str] = field(default_factory=dict)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def project_of(self, target: Target) -> int:
        return OTHER_PROJECT if target is Target.OTHER else PROJECT

    def company_of(self, target: Target) -> int:
        return OTHER_COMPANY if target is Target.OTHER else COMPANY


def _principal(rt: Runtime, name: str, role: Role = Role.MEMBER) -> int:
    with rt.transaction() as session:
        principal = accounts.create_principal(session, name, role=role, email=f"{name}@x.test")
        return principal.id


def _grant(rt: Runtime, name: str, kind: str, external_id: str, role: SpaceRole) -> None:
    with rt.transaction() as session:
        space = spaces.ensure(session, kind, external_id, seeds=vocabulary.SEEDS)
        accounts.add_grant(session, accounts.get_principal(session, name), space, role=role)


def _token(rt: Runtime, name: str) -> str:
    with rt.transaction() as session:
        return accounts.issue_token(session, accounts.get_principal(session, name)).token


# Procore: who is who. "colleague" owns colleague's and private targets in company 1, "stranger"
# those of company 2; each caller with a principal owns their own.
PROCORE_USERS: dict[str, tuple[Role, list[tuple[int, SpaceRole]]]] = {
    "p-admin": (Role.ADMIN, []),
    "p-manager": (Role.MEMBER, [(COMPANY, SpaceRole.MANAGER)]),
    "p-member": (Role.MEMBER, [(COMPANY, SpaceRole.MEMBER)]),
    "p-viewer": (Role.MEMBER, [(COMPANY, SpaceRole.VIEWER)]),
    "p-outsider": (Role.MEMBER, [(OTHER_COMPANY, SpaceRole.MEMBER)]),
    "p-revoked": (Role.MEMBER, [(COMPANY, SpaceRole.MEMBER)]),
    "p-colleague": (Role.MEMBER, [(COMPANY, SpaceRole.MEMBER)]),
    "p-stranger": (Role.MEMBER, [(OTHER_COMPANY, SpaceRole.MEMBER)]),
}
PROCORE_CALLER = {
    Who.ADMIN: "p-admin",
    Who.MANAGER: "p-manager",
    Who.MEMBER: "p-member",
    Who.VIEWER: "p-viewer",
    Who.OUTSIDER: "p-outsider",
    Who.REVOKED: "p-revoked",
}


def _setup_procore(world: World) -> None:
    rt = world.rt
    with rt.transaction() as session:
        for company, project in ((COMPANY, PROJECT), (OTHER_COMPANY, OTHER_PROJECT)):
            home = spaces.ensure(
                session, vocabulary.PROCORE_COMPANY, str(company), seeds=vocabulary.SEEDS
            )
            spaces.ensure(session, vocabulary.PROCORE_PROJECT, str(project), parent=home)
    for name, (role, granted) in PROCORE_USERS.items():
        world.principals[name] = _principal(rt, name, role)
        for company, space_role in granted:
            _grant(rt, name, vocabulary.PROCORE_COMPANY, str(company), space_role)
    for who, name in PROCORE_CALLER.items():
        world.tokens[who] = _token(rt, name)
    with rt.transaction() as session:
        accounts.revoke_token(session, world.tokens[Who.REVOKED], CredentialKind.TOKEN)


def _owner_name(who: Who, target: Target) -> str | None:
    """Whose the target is: the caller's own, the colleague's or the other tenant's."""
    if target is Target.OWN:
        return PROCORE_CALLER.get(who)  # a guest owns nothing: the target is nobody's
    return "p-stranger" if target is Target.OTHER else "p-colleague"


def _procore_scope(
    world: World, owner: str | None, target: Target, *, company: bool = False
) -> Any:
    from darkroom.core.access import Actor

    with world.rt.reading() as session:
        kind = vocabulary.PROCORE_COMPANY if company else vocabulary.PROCORE_PROJECT
        number = world.company_of(target) if company else world.project_of(target)
        space = spaces.find(session, kind, str(number))
        assert space is not None
        principal = session.get(Principal, world.principals[owner]) if owner else None
        actor = accounts.actor_of(principal) if principal is not None else Actor(None, Role.GUEST)
        return trusted_scope(space, actor, SpaceRole.MANAGER)


def _procore_resource(world: World, resource: str, who: Who, target: Target) -> str:
    """The id of the target ``resource``, made now for ``fresh-`` and ``trashed-`` ones."""
    key = (resource, who, target)
    if not resource.startswith(("fresh-", "trashed-")) and key in world.procore_items:
        return world.procore_items[key]
    owner = _owner_name(who, target)
    private = target is Target.PRIVATE
    scope = _procore_scope(world, owner, target, company=resource == "company-upload")
    rt = world.rt
    if resource.endswith("image"):
        album = albums.provide(rt, scope, vocabulary.PROCORE_UNCLASSIFIED)
        data = io.BytesIO(samples.jpeg(8, 6, seed=next(_seeds)))
        made = images.add(rt, scope, album.id, data, NewImage(name="t.jpg", private=private))
        if resource == "trashed-image":
            images.move_to_trash(rt, scope, made.id)
        found = str(made.id)
    elif resource.endswith("category"):
        summary = albums.add(
            rt, scope, vocabulary.PROCORE_CATEGORY, name=_name("c"), private=private
        )
        found = str(summary.album.id)
    elif resource.endswith("location"):
        from darkroom.core import locations

        found = str(locations.add_path(rt, scope, [_name("loc")]).id)
    else:
        found = uploads.announce(rt, scope, ttl=rt.settings.upload_expiry).uuid
    world.procore_items[key] = found
    return found


def _procore_request(world: World, op: Op, who: Who, target: Target) -> httpx.Request:
    values = {"project_id": world.project_of(target), "company_id": world.company_of(target)}
    if op.resource is not None:
        placeholder = {
            "image": "image_id",
            "category": "category_id",
            "location": "location_id",
            "upload": "upload_uuid",
        }[op.resource.removeprefix("fresh-").removeprefix("trashed-").removeprefix("company-")]
        values[placeholder] = _procore_resource(world, op.resource, who, target)  # type: ignore[assignment]
    path = op.route.format(**values)
    if "{project_id}" not in op.route and "{company_id}" not in op.route:
        path += f"?project_id={world.project_of(target)}"
    path += op.query
    headers = {"Procore-Company-Id": str(world.company_of(target)), "Accept": "application/json"}
    token = world.tokens.get(who)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = op.body(world, target) if op.body is not None else None
    return world.http.build_request(op.method, world.base + path, headers=headers, json=body)


# --- what each door must answer ---------------------------------------------------------------

# The caller's role in (company 1, company 2).
PROCORE_ROLES: dict[Who, tuple[SpaceRole | None, SpaceRole | None]] = {
    Who.ADMIN: (SpaceRole.MANAGER, SpaceRole.MANAGER),
    Who.MANAGER: (SpaceRole.MANAGER, None),
    Who.MEMBER: (SpaceRole.MEMBER, None),
    Who.VIEWER: (SpaceRole.VIEWER, None),
    Who.OUTSIDER: (None, SpaceRole.MEMBER),
}


def expected_procore(op: Op, who: Who, target: Target) -> int:
    """Procore: no valid token 401; no grant on the company 403; a viewer's write 403; a private
    item of someone else 404 (but to managers); a change of someone else's item 403 (but by
    managers); an upload of someone else 404 (but to managers); trades are added by managers."""
    if who in (Who.GUEST, Who.REVOKED):
        return 401
    role = PROCORE_ROLES[who][target is Target.OTHER]
    if role is None or (op.writes and role is SpaceRole.VIEWER):
        return 403
    manages, mine = role is SpaceRole.MANAGER, target is Target.OWN
    if op.kind in (Kind.LIST, Kind.CREATE, Kind.UNOWNED):
        return op.ok
    if op.kind is Kind.MANAGE:
        return op.ok if manages else 403
    if op.kind is Kind.READ_OWN:
        return op.ok if manages or mine else 404
    if target is Target.PRIVATE and not manages:
        return 404
    if op.kind is Kind.READ:
        return op.ok
    return op.ok if manages or mine else 403


# --- the cells -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("matrix")
    with sqlite_runtime(folder, sqlite_template) as rt, serve(create_app(runtime=rt)) as url:
        built = World(base=url, rt=rt)
        _setup_procore(built)
        try:
            yield built
        finally:
            built.http.close()


CELLS = [
    pytest.param(op, who, target, id=f"{op.id} | {who} | {target}")
    for op in OPERATIONS
    for who in Who
    for target in Target
]


@pytest.mark.parametrize(("op", "who", "target"), CELLS)
def test_cell(world: World, op: Op, who: Who, target: Target) -> None:
    request = _procore_request(world, op, who, target)
    response = world.http.send(request)
    want = expected_procore(op, who, target)
    assert response.status_code == want, response.text
    if want >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and isinstance(body["message"], str)


def _door_routes() -> set[tuple[str, str, str]]:
    from darkroom.api.procore import categories, files, images as procore_images, locations
    from darkroom.api.procore import storage, trades
    from darkroom.api.procore import uploads as procore_uploads

    found: set[tuple[str, str, str]] = set()
    for module in (files, storage, procore_uploads, categories, procore_images, locations, trades):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            for method in route.methods:
                found.add((P, method, route.path))
    return found


def test_every_route_is_in_the_table() -> None:
    listed = {(op.door, op.method, op.route) for op in OPERATIONS}
    missing = _door_routes() - listed - set(EXCLUDED)
    assert missing == set()


def test_the_table_names_only_routes_that_exist() -> None:
    listed = {(op.door, op.method, op.route) for op in OPERATIONS}
    assert listed - _door_routes() == set()
    assert set(EXCLUDED) - _door_routes() == set()
