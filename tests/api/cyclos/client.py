"""A stand-in for the generated Cyclos client (``swagger_client``, Cyclos 4.11.5 API).

The client is not on PyPI and cannot be fetched here, so this sends exactly what the spec (§1,
§2.2) says it sends, operation by operation, and returns the raw ``httpx.Response`` (what a caller
of the real client reads with ``_preload_content=False``):

- ``Accept: application/json`` on every request, uploads and image content included, and the
  client's ``User-Agent``;
- ``Content-Type: application/json`` on GET (no body), and ``{}`` as the body of POST, PUT and
  DELETE without body parameters;
- uploads as multipart with one part ``image`` (file name, type guessed from the extension);
- every other input in the query string, urlencoded (space as ``+``, ``,`` as ``%2C``), lists
  repeated (``fields``) or comma-joined (``ids``), booleans as ``True``/``False``;
- path values escaped entirely (``@`` as ``%40``, ``/`` as ``%2F``, ``'`` as ``%27``);
- on secured operations Basic is always sent, as ``Basic Og==`` without a username, next to
  ``Session-Token`` / ``Access-Client-Token`` when configured; unsecured ones send no
  credentials unless a default header was installed (``default_headers``).
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx

USER_AGENT = "Swagger-Codegen/1.0.0/python"

Query = Sequence[tuple[str, Any]]


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _query_value(value: Any) -> str:
    return str(value)  # Python's str(): True/False, None as "None"


@dataclass
class CyclosClient:
    """One configured client: a base URL (``.../api``) and the credentials it holds."""

    base: str
    username: str = ""
    password: str = ""
    session_token: str | None = None
    access_client_token: str | None = None
    default_headers: dict[str, str] = field(default_factory=dict)

    # --- transport -------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Query = (),
        secured: bool | Sequence[str] = True,
        image: tuple[str, bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"Accept": "application/json", "User-Agent": USER_AGENT, **self.default_headers}
        sent.update(self._credentials(secured))
        url = self.base + path
        pairs = [(key, _query_value(value)) for key, value in query if value is not None]
        if pairs:
            url += "?" + urlencode(pairs)
        options: dict[str, Any] = {}
        if image is not None:
            name, data = image
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            options["files"] = {"image": (name, data, kind)}
        else:
            sent["Content-Type"] = "application/json"
            if method in ("POST", "PUT", "DELETE"):
                options["content"] = b"{}"
        sent.update(headers or {})
        return httpx.request(method, url, headers=sent, timeout=30, **options)

    def _credentials(self, secured: bool | Sequence[str]) -> dict[str, str]:
        schemes = ("basic", "session", "accessClient") if secured is True else secured or ()
        sent: dict[str, str] = {}
        if "basic" in schemes:
            sent["Authorization"] = basic(self.username, self.password)
        if "session" in schemes and self.session_token:
            sent["Session-Token"] = self.session_token
        if "accessClient" in schemes and self.access_client_token:
            sent["Access-Client-Token"] = self.access_client_token
        return sent

    # --- ImagesApi (the 17 operations of spec §3) -------------------------------------------

    def delete_image(self, id_or_key: str) -> httpx.Response:
        return self.call("DELETE", f"/images/{p(id_or_key)}", secured=False)

    def get_ad_images_list_data(self, ad: str, fields: list[str] | None = None) -> httpx.Response:
        return self.call("GET", f"/marketplace/{p(ad)}/images/list-data", query=multi(fields))

    def get_image_content(
        self, id_or_key: str, width: int | None = None, height: int | None = None
    ) -> httpx.Response:
        query = [("width", width), ("height", height)]
        return self.call("GET", f"/images/content/{p(id_or_key)}", query=query, secured=False)

    def get_image_content_by_id(
        self, image_id: str, width: int | None = None, height: int | None = None
    ) -> httpx.Response:
        query = [("width", width), ("height", height)]
        return self.call("GET", f"/images/{p(image_id)}/content", query=query, secured=False)

    def get_image_content_deprecated(
        self, kind: str, file: str, width: int | None = None, height: int | None = None
    ) -> httpx.Response:
        query = [("width", width), ("height", height)]
        return self.call("GET", f"/images/{p(kind)}/{p(file)}", query=query, secured=False)

    def get_user_images_list_data(
        self, user: str, fields: list[str] | None = None, kind: str | None = None
    ) -> httpx.Response:
        query = [*multi(fields), ("kind", kind)]
        return self.call("GET", f"/{p(user)}/images/list-data", query=query)

    def list_ad_images(self, ad: str, fields: list[str] | None = None) -> httpx.Response:
        return self.call("GET", f"/marketplace/{p(ad)}/images", query=multi(fields))

    def list_temp_images(self, fields: list[str] | None = None, **filters: Any) -> httpx.Response:
        query = [*multi(fields), *_temp_query(filters)]
        return self.call("GET", "/images/temp", query=query, secured=False)

    def list_user_images(
        self, user: str, fields: list[str] | None = None, kind: str | None = None
    ) -> httpx.Response:
        query = [*multi(fields), ("kind", kind)]
        return self.call("GET", f"/{p(user)}/images", query=query)

    def reorder_ad_images(self, ad: str, ids: list[str]) -> httpx.Response:
        return self.call("PUT", f"/marketplace/{p(ad)}/images/order", query=csv("ids", ids))

    def reorder_profile_images(self, user: str, ids: list[str]) -> httpx.Response:
        return self.call("PUT", f"/{p(user)}/images/order", query=csv("ids", ids))

    def upload_ad_image(
        self, ad: str, image: tuple[str, bytes], name: str | None = None
    ) -> httpx.Response:
        return self.call(
            "POST", f"/marketplace/{p(ad)}/images", query=[("name", name)], image=image
        )

    def upload_contact_info_image(
        self, contact_info: str, image: tuple[str, bytes], name: str | None = None
    ) -> httpx.Response:
        path = f"/contact-infos/{p(contact_info)}/image"
        return self.call("POST", path, query=[("name", name)], image=image)

    def upload_contact_info_image_deprecated(
        self, contact_info: str, image: tuple[str, bytes], name: str | None = None
    ) -> httpx.Response:
        path = f"/contactInfos/{p(contact_info)}/image"
        return self.call("POST", path, query=[("name", name)], image=image)

    def upload_temp_image(
        self, image: tuple[str, bytes], name: str | None = None, **options: Any
    ) -> httpx.Response:
        query = [("name", name), *_temp_query(options)]
        return self.call("POST", "/images/temp", query=query, image=image, secured=False)

    def upload_user_image(
        self,
        user: str,
        image: tuple[str, bytes],
        kind: str | None = None,
        name: str | None = None,
    ) -> httpx.Response:
        query = [("kind", kind), ("name", name)]
        return self.call("POST", f"/{p(user)}/images", query=query, image=image)

    def view_image(self, id_or_key: str, fields: list[str] | None = None) -> httpx.Response:
        return self.call("GET", f"/images/{p(id_or_key)}", query=multi(fields), secured=False)

    # --- AuthApi and ClientsApi (spec §2.3, §2.4) -------------------------------------------

    def login(
        self,
        fields: list[str] | None = None,
        cookie: bool | None = None,
        timeout_in_seconds: int | None = None,
    ) -> httpx.Response:
        query = [*multi(fields), ("cookie", cookie), ("timeoutInSeconds", timeout_in_seconds)]
        return self.call("POST", "/auth/session", query=query, secured=("basic", "accessClient"))

    def logout(self, cookie: bool | None = None) -> httpx.Response:
        return self.call(
            "DELETE", "/auth/session", query=[("cookie", cookie)], secured=("session",)
        )

    def get_current_auth(self, fields: list[str] | None = None) -> httpx.Response:
        return self.call("GET", "/auth", query=multi(fields), secured=False)

    def activate(self, code: str, prefix: str | None = None) -> httpx.Response:
        return self.call("POST", "/clients/activate", query=[("code", code), ("prefix", prefix)])

    def disconnect_current_client(self) -> httpx.Response:
        return self.call("DELETE", "/auth/access-client", secured=("accessClient",))


def p(value: str) -> str:
    """A path value as the client escapes it: everything (``safe=""``)."""
    return quote(str(value), safe="")


def multi(values: list[str] | None) -> list[tuple[str, Any]]:
    return [("fields", value) for value in values or ()]


def csv(name: str, values: list[str]) -> list[tuple[str, Any]]:
    return [(name, ",".join(values))]


_TEMP_PARAMS = {
    "target": "target",
    "guest_key": "guestKey",
    "user": "user",
    "custom_field": "customField",
    "custom_field_kind": "customFieldKind",
}


def _temp_query(options: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(_TEMP_PARAMS[name], value) for name, value in options.items()]
