"""The authorization matrix: every operation of each API, asked by each kind of caller, of each
kind of target, over real HTTP, against the status the roles say it must answer.

One table (``OPERATIONS``) lists the operations; the cells are generated from it (operation x
``Who`` x ``Target``), and each expected status comes from one rule per door (``expected``),
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
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import update

from darkroom.api import admin, vocabulary
from darkroom.api.cyclos import entities, routing
from darkroom.api.cyclos.entities import EntityKind
from darkroom.app import create_app
from darkroom.core import accounts, albums, images, logins, spaces, uploads
from darkroom.core.access import GUEST, PERSONAL_SPACE, Role, Scope, SpaceRole, trusted_scope
from darkroom.core.accounts import CredentialKind
from darkroom.core.images import NewImage
from darkroom.core.runtime import Runtime
from darkroom.db.models import Album, Credential, Principal
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

M = "moov"
MI = "/accounts/{account_id}/images"


def _moov_upload(world: World, target: Target) -> Any:
    return {"files": {"image": ("m.jpg", samples.jpeg(8, 6, seed=next(_seeds)), "image/jpeg")}}


def _moov_metadata_part(world: World, target: Target) -> Any:
    return {"files": {"metadata": (None, '{"altText":"patched"}', "application/json")}}


OPERATIONS += [
    Op(M, "GET", MI, Kind.LIST, 200),
    Op(M, "POST", MI, Kind.CREATE, 201, body=_moov_upload),
    Op(M, "GET", MI + "/{image_id}", Kind.READ, 200, "image"),
    Op(M, "PUT", MI + "/{image_id}", Kind.CHANGE, 200, "fresh-image", body=_moov_upload),
    Op(M, "PATCH", MI + "/{image_id}", Kind.CHANGE, 200, "fresh-image", body=_moov_metadata_part),
    Op(M, "DELETE", MI + "/{image_id}", Kind.CHANGE, 204, "fresh-image"),
    Op(
        M,
        "PUT",
        MI + "/{image_id}/metadata",
        Kind.CHANGE,
        200,
        "fresh-image",
        body=lambda w, t: {"json": {"altText": "x"}},
    ),
]

C = "cyclos"


def _cyclos_file(world: World, target: Target) -> Any:
    return {"files": {"image": ("c.jpg", samples.jpeg(8, 6, seed=next(_seeds)), "image/jpeg")}}


# Cyclos routes are named by their templates (routing.Route.template). For user and ad
# operations, a private target is the colleague's custom images (seen by owner and managers).
OPERATIONS += [
    Op(C, "GET", "/api/auth", Kind.SELF, 200),
    Op(C, "GET", "/api/images/temp", Kind.SELF, 200),
    Op(
        C,
        "POST",
        "/api/images/temp",
        Kind.CHANGE,
        201,
        "user-ref",
        body=_cyclos_file,
        query="?target=advertisement&user={user}",
    ),
    Op(C, "GET", "/api/images/{idOrKey}", Kind.READ, 200, "image"),
    Op(C, "GET", "/api/images/content/{idOrKey}", Kind.READ, 200, "image"),
    Op(C, "GET", "/api/images/{idOrKey}/content", Kind.READ, 200, "image"),
    Op(C, "DELETE", "/api/images/{idOrKey}", Kind.CHANGE, 204, "fresh-image"),
    Op(C, "GET", "/api/{user}/images", Kind.READ, 200, "user-ref", query="{kind}"),
    Op(C, "GET", "/api/{user}/images/list-data", Kind.READ, 200, "user-ref", query="{kind}"),
    Op(
        C,
        "POST",
        "/api/{user}/images",
        Kind.CHANGE,
        201,
        "user-ref",
        body=_cyclos_file,
        query="{kind}",
    ),
    Op(C, "PUT", "/api/{user}/images/order", Kind.CHANGE, 204, "user-ref", query="?ids={ids}"),
    Op(C, "GET", "/api/marketplace/{ad}/images", Kind.READ, 200, "ad"),
    Op(C, "GET", "/api/marketplace/{ad}/images/list-data", Kind.READ, 200, "ad"),
    Op(C, "POST", "/api/marketplace/{ad}/images", Kind.CHANGE, 201, "ad", body=_cyclos_file),
    Op(C, "PUT", "/api/marketplace/{ad}/images/order", Kind.CHANGE, 204, "ad", query="?ids={ids}"),
    Op(C, "POST", "/api/contact-infos/{id}/image", Kind.CHANGE, 201, "contact", body=_cyclos_file),
    Op(C, "POST", "/api/contactInfos/{id}/image", Kind.CHANGE, 201, "contact", body=_cyclos_file),
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
    (M, "GET", "/images/{public_id}"): "capability URLs (public ids): the capabilities part",
    (M, "HEAD", "/images/{public_id}"): "capability URLs (public ids): the capabilities part",
    (
        C,
        "GET",
        "/api/images/{kind}/{file}",
    ): "capability URLs (generated keys): the capabilities part",
    **{
        ("admin", method, "/admin/v1" + path): (
            "admins only (require_admin: 401 without, 403 for any other user); provisioning, "
            "not a vendor operation (tests/api/cyclos/test_provisioning, procore/test_access)"
        )
        for method, path in (
            ("POST", "/users/{user}/{kind}"),
            ("GET", "/users/{user}/{kind}"),
            ("DELETE", "/users/{user}/{kind}/{entity_id}"),
            ("POST", "/temp-images/{id_or_key}/attach"),
            ("PUT", "/spaces/{space}/parent"),
            ("POST", "/images/{ref}/share"),
            ("GET", "/credentials"),
            ("POST", "/tokens"),
            ("POST", "/credentials/{credential_id}/revoke"),
            ("PUT", "/users/{user}/password"),
            ("PUT", "/users/{user}/active"),
        )
    },
    **{
        (C, method, path): "logging in and out: the credentials part; no space is entered"
        for method, path in (
            ("POST", "/api/auth/session"),
            ("DELETE", "/api/auth/session"),
            ("DELETE", "/api/auth/access-client"),
            ("POST", "/api/clients/activate"),
        )
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
    items: dict[tuple[str, Who, Target], str] = field(default_factory=dict)
    sessions: dict[Who, str] = field(default_factory=dict)
    entities: dict[tuple[str, str], Any] = field(default_factory=dict)
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


def _system_scope(world: World, kind: str, external_id: str, owner: str | None) -> Scope:
    """A scope acting as ``owner`` (nobody: a guest), to make their resources directly."""
    with world.rt.reading() as session:
        space = spaces.find(session, kind, external_id)
        assert space is not None
        principal = session.get(Principal, world.principals[owner]) if owner else None
        actor = accounts.actor_of(principal) if principal is not None else GUEST
        return trusted_scope(space, actor, SpaceRole.MANAGER)


def _procore_scope(world: World, owner: str | None, target: Target, *, company: bool) -> Scope:
    if company:
        company_id = str(world.company_of(target))
        return _system_scope(world, vocabulary.PROCORE_COMPANY, company_id, owner)
    project_id = str(world.project_of(target))
    return _system_scope(world, vocabulary.PROCORE_PROJECT, project_id, owner)


def _procore_resource(world: World, resource: str, who: Who, target: Target) -> str:
    """The id of the target ``resource``, made now for ``fresh-`` and ``trashed-`` ones."""
    key = ("procore-" + resource, who, target)
    if not resource.startswith(("fresh-", "trashed-")) and key in world.items:
        return world.items[key]
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
    world.items[key] = found
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


# --- Moov: account A (the callers' space) and account B ---------------------------------------

ACCOUNT, OTHER_ACCOUNT = "acct-a", "acct-b"
MOOV_USERS: dict[str, tuple[Role, list[tuple[str, SpaceRole]]]] = {
    "m-admin": (Role.ADMIN, []),
    "m-manager": (Role.MEMBER, [(ACCOUNT, SpaceRole.MANAGER)]),
    "m-member": (Role.MEMBER, [(ACCOUNT, SpaceRole.MEMBER)]),
    "m-viewer": (Role.MEMBER, [(ACCOUNT, SpaceRole.VIEWER)]),
    "m-outsider": (Role.MEMBER, [(OTHER_ACCOUNT, SpaceRole.MEMBER)]),
    "m-revoked": (Role.MEMBER, [(ACCOUNT, SpaceRole.MEMBER)]),
    "m-colleague": (Role.MEMBER, [(ACCOUNT, SpaceRole.MEMBER)]),
    "m-stranger": (Role.MEMBER, [(OTHER_ACCOUNT, SpaceRole.MEMBER)]),
}
MOOV_CALLER = {who: "m-" + name.removeprefix("p-") for who, name in PROCORE_CALLER.items()}


@cache
def _password_hash() -> str:
    return accounts.hash_password(PASSWORD)  # one scrypt for every user of the module


def _with_password(rt: Runtime, name: str) -> None:
    with rt.transaction() as session:
        principal = accounts.get_principal(session, name)
        session.add(
            Credential(
                principal_id=principal.id,
                kind=CredentialKind.PASSWORD,
                secret_hash=_password_hash(),
            )
        )


def _setup_moov(world: World) -> None:
    rt = world.rt
    with rt.transaction() as session:
        for account in (ACCOUNT, OTHER_ACCOUNT):
            spaces.ensure(session, vocabulary.MOOV_ACCOUNT, account)
    for name, (role, granted) in MOOV_USERS.items():
        world.principals[name] = _principal(rt, name, role)
        _with_password(rt, name)
        for account, space_role in granted:
            _grant(rt, name, vocabulary.MOOV_ACCOUNT, account, space_role)


def _moov_owner(who: Who, target: Target) -> str | None:
    if target is Target.OWN:
        return MOOV_CALLER.get(who)
    return "m-stranger" if target is Target.OTHER else "m-colleague"


def _moov_resource(world: World, resource: str, who: Who, target: Target) -> str:
    key = ("moov-" + resource, who, target)
    if not resource.startswith("fresh-") and key in world.items:
        return world.items[key]
    owner = _moov_owner(who, target)
    account = OTHER_ACCOUNT if target is Target.OTHER else ACCOUNT
    scope = _system_scope(world, vocabulary.MOOV_ACCOUNT, account, owner)
    album = albums.provide(world.rt, scope, vocabulary.MOOV_IMAGES)
    data = io.BytesIO(samples.jpeg(8, 6, seed=next(_seeds)))
    new = NewImage(name="m.jpg", private=target is Target.PRIVATE)
    found = images.add(world.rt, scope, album.id, data, new).uuid
    world.items[key] = found
    return found


def _moov_request(world: World, op: Op, who: Who, target: Target) -> httpx.Request:
    account = OTHER_ACCOUNT if target is Target.OTHER else ACCOUNT
    values = {"account_id": account}
    if op.resource is not None:
        values["image_id"] = _moov_resource(world, op.resource, who, target)
    headers: dict[str, str] = {}
    name = MOOV_CALLER.get(who)
    if name is not None:
        secret = "a-password-since-changed" if who is Who.REVOKED else PASSWORD
        headers["Authorization"] = httpx.BasicAuth(name, secret)._auth_header
    extra = op.body(world, target) if op.body is not None else {}
    return world.http.build_request(
        op.method, world.base + op.route.format(**values), headers=headers, **extra
    )


def expected_moov(op: Op, who: Who, target: Target) -> int:
    """Moov: the same rules as Procore's, in accounts (no trades, no uploads)."""
    return expected_procore(op, who, target)


# --- Cyclos: personal spaces of the callers, of carol (managed) and of dave ----------------------

NOBODYS = "987654321"  # no image, ad or contact info has this id
CYCLOS_USERS = ["c-admin", "c-manager", "c-member", "c-viewer", "c-outsider", "c-revoked"]
CYCLOS_CALLER = {who: "c-" + name.removeprefix("p-") for who, name in PROCORE_CALLER.items()}


def _setup_cyclos(world: World) -> None:
    rt = world.rt
    for name in [*CYCLOS_USERS, "carol", "dave"]:
        role = Role.ADMIN if name == "c-admin" else Role.MEMBER
        world.principals[name] = _principal(rt, name, role)
    carol, dave = str(world.principals["carol"]), str(world.principals["dave"])
    with rt.transaction() as session:
        for name in [*CYCLOS_USERS, "carol", "dave"]:
            spaces.ensure(session, PERSONAL_SPACE, str(world.principals[name]))
    _grant(rt, "c-manager", PERSONAL_SPACE, carol, SpaceRole.MANAGER)
    _grant(rt, "c-viewer", PERSONAL_SPACE, carol, SpaceRole.VIEWER)
    _grant(rt, "c-outsider", PERSONAL_SPACE, dave, SpaceRole.MEMBER)
    for who, name in CYCLOS_CALLER.items():
        world.sessions[who] = logins.open_session(rt, world.principals[name]).token
    logins.close_session(rt, world.sessions[Who.REVOKED])


def _cyclos_owner(who: Who, target: Target) -> str | None:
    if target is Target.OWN:
        return CYCLOS_CALLER.get(who)
    return "dave" if target is Target.OTHER else "carol"


def _cyclos_image(world: World, owner: str, album_type: Any, album_id: int | None = None) -> str:
    owner_id = world.principals[owner]
    scope = _system_scope(world, PERSONAL_SPACE, str(owner_id), owner)
    if album_id is None:
        album_id = albums.provide(world.rt, scope, album_type).id
    with world.rt.transaction() as session:  # the matrix is about access, not album limits
        session.execute(update(Album).where(Album.id == album_id).values(max_images=None))
    data = io.BytesIO(samples.jpeg(8, 6, seed=next(_seeds)))
    return str(images.add(world.rt, scope, album_id, data, NewImage(name="c.jpg")).id)


def _cyclos_entity(world: World, owner: str, kind: EntityKind) -> Any:
    key = ("cyclos-" + kind.value, owner)
    if key not in world.entities:
        made = entities.create(world.rt, owner, kind)
        world.entities[key] = entities.find(world.rt, kind, made.id)
    return world.entities[key]


def _cyclos_request(world: World, op: Op, who: Who, target: Target) -> httpx.Request:
    owner = _cyclos_owner(who, target)
    private = target is Target.PRIVATE
    values: dict[str, str] = {"kind": "?kind=custom" if private else "", "user": "self"}
    if owner is not None:
        values["user"] = str(world.principals[owner])
    if op.resource == "user-ref" and owner is not None and "{ids}" in op.query:
        key = ("cyclos-profile", who, target)
        if key not in world.items:
            world.items[key] = _cyclos_image(world, owner, vocabulary.CYCLOS_PROFILE)
        values["ids"] = world.items[key]
    elif op.resource in ("image", "fresh-image") and owner is not None:
        key = ("cyclos-image", who, target)
        if op.resource == "fresh-image" or key not in world.items:
            kind = vocabulary.CYCLOS_CUSTOM if private else vocabulary.CYCLOS_PROFILE
            world.items[key] = _cyclos_image(world, owner, kind)
        values["idOrKey"] = world.items[key]
    elif op.resource in ("ad", "contact") and owner is not None:
        entity_kind = EntityKind.AD if op.resource == "ad" else EntityKind.CONTACT_INFO
        entity = _cyclos_entity(world, owner, entity_kind)
        values["ad"] = values["id"] = entity.external_id
        if "{ids}" in op.query:
            values["ids"] = _cyclos_image(world, owner, None, entity.album.id)
    for name in ("idOrKey", "ad", "id", "ids"):
        values.setdefault(name, NOBODYS)  # a guest's own image, ad or contact info: none exists
    path = op.route.format(**values) + op.query.format(**values)
    headers = {"Accept": "application/json"}
    token = world.sessions.get(who)
    if token is not None:
        headers["Session-Token"] = token
    extra = op.body(world, target) if op.body is not None else {}
    return world.http.build_request(op.method, world.base + path, headers=headers, **extra)


# The caller manages (own / colleague's and private (carol's) / other tenant's (dave's)).
CYCLOS_MANAGES: dict[Who, tuple[bool, bool, bool]] = {
    Who.ADMIN: (True, True, True),
    Who.MANAGER: (True, True, False),
    Who.MEMBER: (True, False, False),
    Who.VIEWER: (True, False, False),
    Who.OUTSIDER: (True, False, False),
}


def expected_cyclos(op: Op, who: Who, target: Target) -> int:
    """Cyclos: a closed session 401. Users' profile images, ads and what they show are seen by
    everyone, guests included; custom images are seen, and anything is changed, by the owner,
    admins and managers of the owner's personal space only (a guest 401, a user 403). A grant
    that is not a manager's (a viewer's on carol, a member's on dave) gives nothing."""
    if who is Who.REVOKED:
        return 401
    if op.kind is Kind.SELF:
        return op.ok
    shown = target is not Target.PRIVATE or op.resource == "ad"  # ads have no private images
    if who is Who.GUEST:
        if target is Target.OWN:
            # A guest has no user ("self" asks them to log in), and no image, ad or contact info
            # (deleting asks for a login before looking; an upload before its body is read).
            uploads = op.method == "POST" and op.body is not None
            return 401 if uploads or op.resource in ("user-ref", "fresh-image") else 404
        return op.ok if op.kind is Kind.READ and shown else 401
    own, carols, daves = CYCLOS_MANAGES[who]
    manages = {Target.OWN: own, Target.OTHER: daves}.get(target, carols)
    if op.kind is Kind.READ and shown:
        return op.ok
    return op.ok if manages else 403


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
    # The login throttle is off: revoked credentials are tried hundreds of times from one address
    # here, and what this checks is who may do what (tests/api/test_credentials.py throttles).
    settings = {"login_free_failures": 0}
    with (
        sqlite_runtime(folder, sqlite_template, **settings) as rt,
        serve(create_app(runtime=rt)) as url,
    ):
        built = World(base=url, rt=rt)
        _setup_procore(built)
        _setup_moov(built)
        _setup_cyclos(built)
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


DOORS: dict[str, tuple[Callable[..., httpx.Request], Callable[[Op, Who, Target], int]]] = {
    P: (_procore_request, expected_procore),
    M: (_moov_request, expected_moov),
    C: (_cyclos_request, expected_cyclos),
}


def _assert_error_shape(door: str, response: httpx.Response) -> None:
    """Each door refuses in its own API's error body."""
    body = response.json()
    if door == P:
        assert isinstance(body["error"], str) and isinstance(body["message"], str)
    elif door == M:
        assert isinstance(body["error"], str)
    elif response.status_code == 404:  # Cyclos' EntityNotFoundException
        assert isinstance(body["entityType"], str), body
    else:
        assert isinstance(body["code"], str), body


@pytest.mark.parametrize(("op", "who", "target"), CELLS)
def test_cell(world: World, op: Op, who: Who, target: Target) -> None:
    build, expected = DOORS[op.door]
    response = world.http.send(build(world, op, who, target))
    want = expected(op, who, target)
    assert response.status_code == want, response.text
    if want >= 400:
        _assert_error_shape(op.door, response)


def _door_routes() -> set[tuple[str, str, str]]:
    """Every (door, method, route) the doors register."""
    from darkroom.api.moov import routes as moov_routes
    from darkroom.api.procore import categories, files, locations, storage, trades
    from darkroom.api.procore import images as procore_images
    from darkroom.api.procore import uploads as procore_uploads

    found: set[tuple[str, str, str]] = set()
    for module in (files, storage, procore_uploads, categories, procore_images, locations, trades):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            found |= {(P, method, route.path) for method in route.methods or ()}
    for route in moov_routes.router.routes:
        assert isinstance(route, APIRoute)
        # Generated refusals (405 for a method no operation has, 404 for unknown paths) answer
        # the same to everyone: they are no operation.
        if route.endpoint.__name__ in ("refuse", "_not_found"):
            continue
        found |= {(M, method, route.path) for method in route.methods or ()}
    found |= {(C, route.method, route.template) for route in routing.ROUTES}
    for route in admin.router.routes:
        assert isinstance(route, APIRoute)
        found |= {("admin", method, route.path) for method in route.methods or ()}
    return found


def test_every_route_is_in_the_table() -> None:
    listed = {(op.door, op.method, op.route) for op in OPERATIONS}
    missing = _door_routes() - listed - set(EXCLUDED)
    assert missing == set()


def test_the_table_names_only_routes_that_exist() -> None:
    listed = {(op.door, op.method, op.route) for op in OPERATIONS}
    assert listed - _door_routes() == set()
    assert set(EXCLUDED) - _door_routes() == set()
