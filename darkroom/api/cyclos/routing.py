"""Routing on the raw path (spec §1, §3.2).

Path values may hold an escaped ``/`` (``prod1%40user%201%2Fx``), so the path is split on the
``/`` the client actually sent and each segment is decoded afterwards. Routes are tried in
order; the literal ones come first, and the ``/{user}/images...`` catch-all only applies when
the first segment is not a literal prefix of the Cyclos API (``/images/images`` is an image).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import unquote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common import observe
from darkroom.api.common.forms import read_form
from darkroom.api.common.rate_limits import client_address
from darkroom.api.common.urls import base_url
from darkroom.api.cyclos import (
    ad_images,
    auth,
    contact_images,
    logins,
    single_images,
    temp,
    user_images,
)
from darkroom.api.cyclos.call import Call
from darkroom.api.cyclos.params import Query
from darkroom.core.runtime import Runtime
from darkroom.errors import NotFound

PREFIX = "/api"

Operation = Callable[[Call], Response]
Admission = Callable[[Call], None]


def _users_only(call: Call) -> None:
    call.caller.require_user()


# First segments that are Cyclos resources, never a user (§3.2); "self" is a user.
LITERAL_PREFIXES = frozenset(
    {
        "accounts",
        "agreements",
        "auth",
        "captcha",
        "clients",
        "contact-infos",
        "contactInfos",
        "contacts",
        "documents",
        "files",
        "images",
        "localization",
        "marketplace",
        "messages",
        "notifications",
        "operations",
        "passwords",
        "payments",
        "records",
        "sessions",
        "transactions",
        "transfers",
        "users",
        "vouchers",
    }
)

# Multipart limits: the client sends one file part; anything far beyond that is not it.
MAX_FORM_FILES = 4
MAX_FORM_FIELDS = 16


@dataclass(frozen=True)
class Route:
    method: str
    pattern: tuple[str, ...]  # literal segments, or "{name}" to capture one
    operation: Operation
    upload: bool = False
    # Uploads: who may send the body at all, decided from the headers and the query before a
    # byte of it is read (a guest's upload for a user's image is 401 unread).
    admit: Admission = _users_only

    def match(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        if method != self.method or len(segments) != len(self.pattern):
            return None
        captured: dict[str, str] = {}
        for part, segment in zip(self.pattern, segments, strict=True):
            if part.startswith("{"):
                captured[part[1:-1]] = segment
            elif part != segment:
                return None
        if self.pattern[0] == "{user}" and segments[0] in LITERAL_PREFIXES:
            return None
        return captured

    @property
    def template(self) -> str:
        """The route as a path template, ``/api/{user}/images`` (what metrics name it by)."""
        return "/".join((PREFIX, *self.pattern))


def _routes() -> list[Route]:
    get, post, put, delete = "GET", "POST", "PUT", "DELETE"
    return [
        Route(get, ("auth",), logins.current),
        Route(post, ("auth", "session"), logins.login),
        Route(delete, ("auth", "session"), logins.logout),
        Route(delete, ("auth", "access-client"), logins.disconnect),
        Route(post, ("clients", "activate"), logins.activate),
        Route(get, ("images", "temp"), temp.list_images),
        Route(post, ("images", "temp"), temp.upload, upload=True, admit=temp.admit),
        Route(get, ("images", "content", "{idOrKey}"), single_images.content),
        Route(get, ("images", "{idOrKey}", "content"), single_images.content),
        Route(get, ("images", "{kind}", "{file}"), single_images.content_by_kind),
        Route(get, ("images", "{idOrKey}"), single_images.view),
        Route(delete, ("images", "{idOrKey}"), single_images.delete),
        Route(get, ("marketplace", "{ad}", "images"), ad_images.list_images),
        Route(post, ("marketplace", "{ad}", "images"), ad_images.upload, upload=True),
        Route(get, ("marketplace", "{ad}", "images", "list-data"), ad_images.list_data),
        Route(put, ("marketplace", "{ad}", "images", "order"), ad_images.reorder),
        Route(post, ("contact-infos", "{id}", "image"), contact_images.upload, upload=True),
        Route(post, ("contactInfos", "{id}", "image"), contact_images.upload, upload=True),
        Route(get, ("{user}", "images"), user_images.list_images),
        Route(post, ("{user}", "images"), user_images.upload, upload=True),
        Route(get, ("{user}", "images", "list-data"), user_images.list_data),
        Route(put, ("{user}", "images", "order"), user_images.reorder),
    ]


ROUTES = _routes()


def segments(raw_path: str) -> list[str]:
    """``/api/a%2Fb/images`` → ``["a/b", "images"]``: split as sent, then decode each part."""
    rest = raw_path[len(PREFIX) :].removeprefix("/")
    parts = rest.split("/")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # one trailing slash is tolerated
    return [unquote(part, errors="replace") for part in parts]


def resolve(method: str, parts: Sequence[str]) -> tuple[Route, dict[str, str]]:
    for route in ROUTES:
        captured = route.match(method, parts)
        if captured is not None:
            return route, captured
    raise NotFound("operation", f"{method} {PREFIX}/{'/'.join(parts)}")


async def dispatch(request: Request) -> Response:
    """The one endpoint under ``/api``: route, identify the caller, read the upload if any, run
    the operation. Credentials are checked before the body is read."""
    raw: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    observe.name_operation(request.scope, observe.UNMATCHED)
    route, captured = resolve(request.method, segments(raw.decode("latin-1")))
    observe.name_operation(request.scope, route.template)
    rt: Runtime = request.app.state.runtime
    caller = await run_in_threadpool(auth.identify, rt, request.headers, client_address(request))
    call = Call(
        rt=rt,
        caller=caller,
        method=request.method,
        path=captured,
        query=Query(request.scope.get("query_string", b"")),
        headers=request.headers,
        client_address=request.client.host if request.client else None,
        base_url=base_url(request, rt),
        upload=None,
    )
    if not route.upload:
        return await run_in_threadpool(route.operation, call)
    await run_in_threadpool(route.admit, call)
    form = await _form(request)
    try:
        upload = form.get("image")
        if isinstance(upload, UploadFile):
            call = replace(call, upload=upload)
        return await run_in_threadpool(route.operation, call)
    finally:
        await form.close()


async def _form(request: Request) -> FormData:
    return await read_form(request, max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
