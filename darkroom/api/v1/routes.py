"""The ``/v1`` endpoints (docs/api.md): parse the request, call core, answer JSON.

Every operation but logging in and following a signed link needs a caller (``auth.identify``);
core calls block, so they run in worker threads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse, Response

from darkroom.api import vocabulary
from darkroom.api.common import delivery, signed
from darkroom.api.common.delivery import Wanted
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.forms import read_form
from darkroom.api.common.params import parse_bool
from darkroom.api.common.rate_limits import client_address
from darkroom.api.common.urls import base_url
from darkroom.api.v1 import auth, bodies, params, wire
from darkroom.api.v1.auth import CallerDep
from darkroom.api.v1.content import content_ask
from darkroom.api.v1.errors import error_body, status_and_code
from darkroom.core import accounts, catalog, images, logins, sharing, spaces
from darkroom.core.images import NewImage
from darkroom.core.records import ImageRecord
from darkroom.core.runtime import Runtime
from darkroom.core.values import parse_id
from darkroom.errors import (
    DarkroomError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unavailable,
)

PREFIX = "/v1"
router = APIRouter(prefix=PREFIX, tags=["v1"])
T = TypeVar("T")

MAX_FILES = 20  # files in one upload request
DEFAULT_SHARE = "7d"


async def _run(call: Callable[[], T]) -> T:
    return await run_in_threadpool(call)


def _id(text: str, what: str) -> int:
    found = parse_id(text)
    if found is None or found < 1:
        raise NotFound(what, text)
    return found


def _links(rt: Runtime) -> wire.Links:
    """Content URLs of live images not every guest may see carry a signed link (valid
    ``DARKROOM_LINK_SECONDS``, stable within its rounding step so browsers cache them): the
    image behind a thumbnail is then found once and remembered, not checked again per request.
    Trashed images keep plain URLs, served to their session (signed links stop at the trash)."""

    def links(image: ImageRecord) -> str:
        return "" if image.deleted_at is not None else signed.query(rt, image).lstrip("?")

    return links


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


# --- sessions ------------------------------------------------------------------------------------


@router.post("/session", status_code=201, summary="Log in: a session cookie and its CSRF token")
async def log_in(request: Request, rt: RuntimeDep) -> Response:
    body = await bodies.read_object(request, allowed=bodies.LOGIN_FIELDS)
    username, password = bodies.login(body)
    client = client_address(request)

    def log_in() -> tuple[logins.Issued, Any]:
        actor = accounts.password_actor(rt, username, password, client=client)
        assert actor.principal_id is not None
        return logins.open_session(rt, actor.principal_id), catalog.myself(rt, actor)

    issued, user = await _run(log_in)
    csrf = auth.csrf_token(rt, issued.token)
    response = JSONResponse({"user": wire.me(user), "csrf_token": csrf}, status_code=201)
    auth.set_session_cookies(response, issued.token, csrf, secure=_https(request))
    return response


@router.delete("/session", status_code=204, summary="Log out")
async def log_out(request: Request, rt: RuntimeDep, caller: CallerDep) -> Response:
    token = caller.session_token
    if token is not None:
        await _run(lambda: logins.close_session(rt, token))
    response = Response(status_code=204)
    auth.clear_session_cookies(response, secure=_https(request))
    return response


@router.get("/me", summary="The logged-in user")
async def me(rt: RuntimeDep, caller: CallerDep) -> Response:
    user = await _run(lambda: catalog.myself(rt, caller.actor))
    return JSONResponse(wire.me(user))


# --- spaces and albums ---------------------------------------------------------------------------


@router.get("/spaces", summary="The spaces the caller may see")
async def list_spaces(rt: RuntimeDep, caller: CallerDep) -> Response:
    views = await _run(lambda: catalog.visible_spaces(rt, caller.actor))
    return JSONResponse({"items": [wire.space(view) for view in views]})


@router.get("/spaces/{space}/albums", summary="The albums of a space")
async def list_albums(rt: RuntimeDep, caller: CallerDep, space: str) -> Response:
    def found() -> tuple[catalog.AlbumView, ...]:
        scope = catalog.enter(rt, caller.actor, space, write=False)
        return catalog.albums_of(rt, scope)

    views = await _run(found)
    return JSONResponse({"items": [wire.album(view, _links(rt), space) for view in views]})


@router.post("/spaces/{space}/albums", status_code=201, summary="Make an album")
async def create_album(request: Request, rt: RuntimeDep, caller: CallerDep, space: str) -> Response:
    body = await bodies.read_object(request, allowed=bodies.ALBUM_FIELDS)
    name = bodies.text(body, "name", limit=bodies.MAX_NAME, required=True) or ""
    deduped = bodies.flag(body, "dedupe") or False
    private = bodies.flag(body, "private") or False
    kind = vocabulary.V1_GALLERY_DEDUPED if deduped else vocabulary.V1_GALLERY

    def create() -> catalog.AlbumView:
        scope = catalog.enter(rt, caller.actor, space, write=True)
        return catalog.create_album(rt, scope, kind, name=name, private=private)

    view = await _run(create)
    return JSONResponse(wire.album(view, _links(rt)), status_code=201)


# --- images --------------------------------------------------------------------------------------


@router.get("/images", summary="Images, filtered and sorted, a page at a time")
async def list_images(request: Request, rt: RuntimeDep, caller: CallerDep) -> Response:
    query = request.query_params
    filters = params.filters(query)
    order = params.sort(query, in_album=filters.album is not None)
    limit = params.limit(query)
    cursor = query.get("cursor")
    after = params.decode_cursor(cursor, order) if cursor else None
    page = await _run(
        lambda: catalog.list_images(rt, caller.actor, filters, order, after=after, limit=limit)
    )
    next_cursor = params.encode_cursor(order, page.last) if page.last is not None else None
    links = _links(rt)
    return JSONResponse(
        {"items": [wire.listed(found, links) for found in page.items], "next_cursor": next_cursor}
    )


@router.get("/images/{image_id}", summary="One image with its EXIF facts and GPS position")
async def image_detail(rt: RuntimeDep, caller: CallerDep, image_id: str) -> Response:
    wanted = _id(image_id, "image")
    found = await _run(lambda: catalog.find_image(rt, caller.actor, wanted))
    return JSONResponse(wire.detail(found, _links(rt)))


@router.get(
    "/images/{image_id}/similar", summary="Other images of its space showing the same picture"
)
async def similar_images(
    request: Request, rt: RuntimeDep, caller: CallerDep, image_id: str
) -> Response:
    wanted = _id(image_id, "image")
    distance = params.distance(request.query_params)
    hits = await _run(lambda: catalog.similar_images(rt, caller.actor, wanted, distance=distance))
    links = _links(rt)
    return JSONResponse(
        {"items": [{**wire.listed(found, links), "distance": apart} for found, apart in hits]}
    )


@router.get("/images/{image_id}/content", summary="The image's bytes, or a variant")
async def image_content(request: Request, rt: RuntimeDep, image_id: str) -> Response:
    """A signed link is all a request needs: its image is found once and remembered (no
    access checks per thumbnail). Credentials sent along still say who asks, so the uploader
    gets their own location metadata and a logged-in user's renders are not charged to their
    address like an anonymous follower's."""
    wanted_id = _id(image_id, "image")
    query = request.query_params
    if signed.EXPIRES in query or signed.SIGNATURE in query:
        caller = await run_in_threadpool(auth.optional_caller, request)
        ask = content_ask(query, request.headers.get("accept"), caller)

        def admit(image: ImageRecord) -> None:
            if not signed.signed(rt, image, query):
                raise Forbidden("this link's signature is missing, wrong or expired")

        wanted = Wanted(
            key=("v1-signed", wanted_id),
            find=lambda: sharing.find(rt, image_id=wanted_id),
            ask=ask.for_image,
            vary=ask.vary,
            client=client_address(request) if caller is None else None,
            admit=admit,
        )
        return await delivery.answer(request, rt, wanted)
    caller = await run_in_threadpool(auth.identify, request)
    ask = content_ask(query, request.headers.get("accept"), caller)
    actor = caller.actor
    wanted = Wanted(
        key=None,
        find=lambda: catalog.find_image(rt, actor, wanted_id).image,
        ask=ask.for_image,
        vary=ask.vary,
    )
    return await delivery.answer(request, rt, wanted)


router.add_api_route(
    "/images/{image_id}/content", image_content, methods=["HEAD"], include_in_schema=False
)


@router.post("/albums/{album_id}/images", summary="Upload one or more files into an album")
async def upload(request: Request, rt: RuntimeDep, caller: CallerDep, album_id: str) -> Response:
    album = _id(album_id, "album")
    scope = await _run(lambda: catalog.album_scope(rt, caller.actor, album, write=True))
    form = await read_form(request, max_files=MAX_FILES, max_fields=MAX_FILES + 10)
    try:
        files = [part for part in form.getlist("file") if isinstance(part, UploadFile)]
        if not files or len(files) != len(form.getlist("file")):
            raise Invalid("send the images as file parts named file", field="file")
        private_text = form.get("private")
        private = (
            parse_bool(private_text, field="private")
            if isinstance(private_text, str) and private_text
            else spaces.private_by_default(scope.space)
        )

        def add(part: UploadFile) -> catalog.Found:
            new = NewImage(name=(part.filename or "")[: bodies.MAX_NAME], private=private)
            record = images.add(rt, scope, album, part.file, new)
            return catalog.found_in(rt, scope, record)

        if len(files) == 1:
            found = await _run(lambda: add(files[0]))
            return JSONResponse(wire.listed(found, _links(rt)), status_code=201)
        items = [await _upload_item(part, add, _links(rt)) for part in files]
        return JSONResponse({"items": items}, status_code=207)
    finally:
        await form.close()


async def _upload_item(
    part: UploadFile, add: Callable[[UploadFile], catalog.Found], links: wire.Links
) -> Any:
    name = part.filename or ""
    try:
        found = await _run(lambda: add(part))
    except (Unavailable, RateLimited):
        raise  # the whole request is to be tried again
    except DarkroomError as error:
        return {"file": name, "status": status_and_code(error)[0], "error": error_body(error)}
    return {"file": name, "status": 201, "image": wire.listed(found, links)}


@router.patch("/images/{image_id}", summary="Change an image's name, texts, flags or album")
async def update(request: Request, rt: RuntimeDep, caller: CallerDep, image_id: str) -> Response:
    wanted = _id(image_id, "image")
    body = await bodies.read_object(request, allowed=bodies.PATCH_FIELDS)
    changes = bodies.changes(body)

    def change() -> catalog.Found:
        scope = catalog.image_scope(rt, caller.actor, wanted, write=True)
        return catalog.found_in(rt, scope, images.change(rt, scope, wanted, changes))

    return JSONResponse(wire.listed(await _run(change), _links(rt)))


@router.put("/albums/{album_id}/order", status_code=204, summary="Reorder an album")
async def reorder(request: Request, rt: RuntimeDep, caller: CallerDep, album_id: str) -> Response:
    album = _id(album_id, "album")
    body = await bodies.read_object(request, allowed=bodies.ORDER_FIELDS)
    ids = bodies.order(body)

    def put() -> None:
        scope = catalog.album_scope(rt, caller.actor, album, write=True)
        images.put_in_order(rt, scope, album, ids)

    await _run(put)
    return Response(status_code=204)


@router.post("/images/{image_id}/trash", summary="Move an image to the trash")
async def trash(rt: RuntimeDep, caller: CallerDep, image_id: str) -> Response:
    wanted = _id(image_id, "image")

    def move() -> catalog.Found:
        scope = catalog.image_scope(rt, caller.actor, wanted, write=True)
        return catalog.found_in(rt, scope, images.move_to_trash(rt, scope, wanted))

    return JSONResponse(wire.listed(await _run(move), _links(rt)))


@router.post("/images/{image_id}/restore", summary="Take an image out of the trash")
async def restore(rt: RuntimeDep, caller: CallerDep, image_id: str) -> Response:
    wanted = _id(image_id, "image")

    def take() -> catalog.Found:
        scope = catalog.image_scope(rt, caller.actor, wanted, write=True)
        record = images.take_from_trash(
            rt,
            scope,
            wanted,
            fallback=vocabulary.V1_GALLERY,
            name=vocabulary.V1_RESTORED_ALBUM,
        )
        return catalog.found_in(rt, scope, record)

    return JSONResponse(wire.listed(await _run(take), _links(rt)))


@router.delete("/images/{image_id}", status_code=204, summary="Delete an image for good")
async def delete(rt: RuntimeDep, caller: CallerDep, image_id: str) -> Response:
    wanted = _id(image_id, "image")

    def purge() -> None:
        scope = catalog.image_scope(rt, caller.actor, wanted, write=True)
        images.purge(rt, scope, wanted)

    await _run(purge)
    return Response(status_code=204)


@router.delete("/trash", status_code=204, summary="Empty the trash")
async def empty_trash(request: Request, rt: RuntimeDep, caller: CallerDep) -> Response:
    space = request.query_params.get("space") or None
    await _run(lambda: catalog.empty_trash(rt, caller.actor, space))
    return Response(status_code=204)


@router.post("/images/{image_id}/share", status_code=201, summary="A signed link that expires")
async def share(request: Request, rt: RuntimeDep, caller: CallerDep, image_id: str) -> Response:
    wanted = _id(image_id, "image")
    body = await bodies.read_object(request, allowed=bodies.SHARE_FIELDS)
    text = bodies.text(body, "expires_in", limit=32) or DEFAULT_SHARE
    seconds = sharing.parse_duration(text)

    def mint() -> sharing.Share:
        _, image = catalog.changeable_image(rt, caller.actor, wanted)
        return sharing.share(rt, image, seconds)

    minted = await _run(mint)
    link = urlencode({signed.EXPIRES: minted.expires_at, signed.SIGNATURE: minted.signature})
    url = f"{base_url(request, rt)}{PREFIX}/images/{wanted}/content?{link}"
    expires_at = wire.time(_from_unix(minted.expires_at))
    return JSONResponse({"url": url, "expires_at": expires_at}, status_code=201)


def _from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
