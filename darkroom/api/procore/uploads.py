"""Two-phase uploads (spec §4): announce an upload, send its bytes to the URL the answer names
(``storage.py`` receives them), then create an image with its ``upload_uuid``.

A non-segmented answer names the storage URL and a set of S3-style form ``fields``, one of them
a random per-upload secret. A segmented answer names one ``PUT`` URL per declared part, with a
per-upload secret in its query; the caller then completes the upload with a ``PATCH`` listing
the parts' ETags. Either way the bytes must arrive within an hour (D12).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common import json_body
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.json_body import BadJSON
from darkroom.api.common.urls import base_url
from darkroom.api.procore import bodies, wire
from darkroom.api.procore.context import PathScope
from darkroom.api.procore.errors import BadRequest
from darkroom.api.procore.responses import ProcoreJSON
from darkroom.api.procore.storage import POLICY, SEGMENT_TOKEN, STORAGE, TEXT_PART_BYTES
from darkroom.clock import utcnow
from darkroom.core import uploads
from darkroom.core.access import Scope
from darkroom.core.records import UploadRecord
from darkroom.core.runtime import Runtime
from darkroom.errors import Invalid, TooLarge

router = APIRouter(tags=["procore: uploads"])

VERSIONS = ("v1.0", "v1.1")
SEND_WITHIN = timedelta(hours=1)  # D12: the storage POST must come within an hour
SIGNATURE = "x-amz-signature"
MAX_SEGMENTS = 10_000
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Announcement:
    """What an upload create says about the file to come."""

    filename: str = ""
    content_type: str = ""
    attachment: bool = False
    segments: list[dict[str, Any]] | None = None


async def create(request: Request, rt: RuntimeDep, scope: PathScope) -> Response:
    announced = await _announcement(request)
    if announced.segments:
        _check_total(rt, announced.segments)
    made = await run_in_threadpool(_announce, rt, scope, announced)
    return ProcoreJSON(_json(request, rt, made), status_code=201)


def show(request: Request, rt: RuntimeDep, scope: PathScope, upload_uuid: str) -> Response:
    return ProcoreJSON(_json(request, rt, uploads.find(rt, scope, upload_uuid)))


async def complete(
    request: Request, rt: RuntimeDep, scope: PathScope, upload_uuid: str
) -> Response:
    """``PATCH`` with ``{"segments": [{"etag": ...}, ...]}`` in part order: join the parts."""
    body = await bodies.json_object(request)
    listed = body.get("segments")
    if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
        raise BadRequest("segments must be a list of objects with an etag", field="segments")
    etags = [bodies.as_str(item.get("etag"), "etag") for item in listed]
    joined = await run_in_threadpool(uploads.complete_segments, rt, scope, upload_uuid, etags)
    return ProcoreJSON(_json(request, rt, joined))


for _version in VERSIONS:
    for _owner in ("companies/{company_id}", "projects/{project_id}"):
        _uploads = f"/rest/{_version}/{_owner}/uploads"
        router.add_api_route(_uploads, create, methods=["POST"])
        router.add_api_route(_uploads + "/{upload_uuid}", show, methods=["GET"])
        router.add_api_route(_uploads + "/{upload_uuid}", complete, methods=["PATCH"])


def _check_total(rt: Runtime, segments: list[dict[str, Any]]) -> None:
    total = sum(segment["size"] for segment in segments)
    cap = rt.settings.max_upload_bytes
    if total > cap:
        raise TooLarge(f"the segments add up to {total} bytes, over {cap}", limit=cap)


async def _announcement(request: Request) -> Announcement:
    """Empty JSON (what the generated client sends), JSON fields, or form fields (spec §4.1)."""
    if bodies.is_form(request):
        form = await bodies.form(request, max_part_bytes=TEXT_PART_BYTES)
        raw: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
        if "segments" in raw:
            raw["segments"] = _json_segments(raw["segments"])
    else:
        raw = await bodies.json_object(request)
    disposition = raw.get("attachment_content_disposition")
    return Announcement(
        filename=_optional_text(raw, "response_filename"),
        content_type=_optional_text(raw, "response_content_type"),
        attachment=False if disposition is None else bodies.as_bool(disposition, "attachment"),
        segments=_segments(raw.get("segments")),
    )


def _segments(value: object) -> list[dict[str, Any]] | None:
    """Declared parts: ``size`` (integer or digit string), ``sha256`` and optional ``md5``."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadRequest("segments must be a list of objects", field="segments")
    if len(value) > MAX_SEGMENTS:
        raise Invalid(f"at most {MAX_SEGMENTS} segments", field="segments")
    return [_segment(item) for item in value]


def _segment(item: dict[str, Any]) -> dict[str, Any]:
    size = bodies.as_int(item.get("size"), "size")
    sha256 = bodies.as_str(item.get("sha256"), "sha256").strip().lower()
    md5 = item.get("md5")
    if size < 1 or not _HEX64.fullmatch(sha256):
        raise Invalid("each segment needs a positive size and a hex sha256", field="segments")
    declared: dict[str, Any] = {"size": size, "sha256": sha256}
    if md5 is not None:
        md5_hex = bodies.as_str(md5, "md5").strip().lower()
        if not _HEX32.fullmatch(md5_hex):
            raise Invalid("a segment md5 must be 32 hex digits", field="segments")
        declared["md5"] = md5_hex
    return declared


def _json_segments(text: str) -> Any:
    """A form's ``segments`` part must be JSON; the generated client's dict reprs are not."""
    try:
        return json_body.loads(text)
    except BadJSON:
        raise BadRequest("segments must be a JSON array", field="segments") from None


def _optional_text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else bodies.as_name(value, key).strip()


def _announce(rt: Runtime, scope: Scope, announced: Announcement) -> UploadRecord:
    extras: dict[str, Any]
    if announced.segments:
        extras = {uploads.SEGMENTS: announced.segments, SEGMENT_TOKEN: secrets.token_urlsafe(32)}
    else:
        extras = {POLICY: _policy_fields(announced)}
    return uploads.announce(
        rt,
        scope,
        ttl=rt.settings.upload_expiry,
        filename=announced.filename,
        content_type=announced.content_type,
        send_within=SEND_WITHIN,
        extras=extras,
    )


def _policy_fields(announced: Announcement) -> dict[str, str]:
    """S3-style form fields; the signature is a fresh secret, checked when the bytes arrive."""
    now = utcnow()
    name = _safe_filename(announced.filename) or "file"
    key = f"uploads/{secrets.token_hex(16)}/{name}"
    policy = {
        "expiration": wire.timestamp(now + SEND_WITHIN),
        "conditions": [{"key": key}, ["content-length-range", 1, None]],
    }
    disposition = "attachment" if announced.attachment else "inline"
    return {
        "key": key,
        "Content-Type": announced.content_type or "application/octet-stream",
        "Content-Disposition": f'{disposition}; filename="{name}"',
        "policy": base64.b64encode(json.dumps(policy).encode()).decode(),
        "x-amz-algorithm": "DARKROOM-TOKEN",
        "x-amz-credential": "darkroom",
        "x-amz-date": now.strftime("%Y%m%dT%H%M%SZ"),
        SIGNATURE: secrets.token_urlsafe(32),
    }


def _safe_filename(name: str) -> str:
    """A file name that can sit inside a quoted header value and a storage key."""
    return "".join(c for c in name if c.isprintable() and c not in '"\\/').strip()


def _json(request: Request, rt: Runtime, upload: UploadRecord) -> dict[str, Any]:
    base = base_url(request, rt)
    extras = upload.extras
    pending = upload.status == uploads.UploadStatus.PENDING
    if uploads.SEGMENTS in extras:
        token = extras.get(SEGMENT_TOKEN, "") if pending else None
        return wire.segmented_upload(upload, extras[uploads.SEGMENTS], base, token)
    url = base + STORAGE.format(upload_uuid=upload.uuid)
    return wire.upload(upload, url, extras.get(POLICY) if pending else None)
