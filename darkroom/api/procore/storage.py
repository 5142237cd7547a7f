"""darkroom in S3's place: the URLs two-phase uploads send their bytes to (spec §4.3).

S3-style clients send no Procore token here. A non-segmented upload's form POST is accepted only
when every policy field its announcement handed out (one of them a random per-upload secret)
comes back unchanged; a segmented upload's part URLs carry a per-upload secret in their query.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from darkroom.api.common.bodies import spooled_body
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.procore import bodies
from darkroom.api.procore.errors import BadRequest
from darkroom.core import uploads
from darkroom.core.runtime import Runtime
from darkroom.errors import Forbidden, NotFound

router = APIRouter(tags=["procore: upload storage"])

STORAGE = "/rest/v1.0/storage/uploads/{upload_uuid}"
SEGMENT = STORAGE + "/segments/{index}"
POLICY = "procore_policy"  # Upload.extras key: the fields the storage POST must echo
SEGMENT_TOKEN = "procore_segment_token"  # Upload.extras key: the secret in each part's URL
TEXT_PART_BYTES = 64 * 1024  # policy fields are short text


@router.post(STORAGE)
async def receive(request: Request, rt: RuntimeDep, upload_uuid: str) -> Response:
    """The S3-style form POST of the bytes: every policy field plus a ``file`` part; 204.

    The policy's secret travels in the form itself (as in S3), so the body must be read to check
    it; what can be known first is checked first: an unknown upload, or one that takes segments
    instead, is refused before a byte of the body is read.
    """
    await run_in_threadpool(_expecting_form, rt, upload_uuid)
    form = await bodies.form(request, max_part_bytes=TEXT_PART_BYTES)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise BadRequest("the form needs a file part named file", field="file")
    await run_in_threadpool(_receive, rt, upload_uuid, form, file)
    return Response(status_code=204)


def _expecting_form(rt: Runtime, upload_uuid: str) -> None:
    if not isinstance(uploads.peek(rt, upload_uuid).extras.get(POLICY), dict):
        raise Forbidden("this upload takes no form POST")


@router.put(SEGMENT)
async def receive_segment(
    request: Request, rt: RuntimeDep, upload_uuid: str, index: str
) -> Response:
    """One part of a segmented upload, at the URL its announcement named; 200 with its ETag."""
    number = _segment_index(index)
    token = request.query_params.get("token", "")
    await run_in_threadpool(_check_segment_token, rt, upload_uuid, token)
    async with spooled_body(request, rt.spool_dir) as part:
        etag = await run_in_threadpool(uploads.receive_segment, rt, upload_uuid, number, part)
    return Response(status_code=200, headers={"ETag": f'"{etag}"'})


def _segment_index(text: str) -> int:
    if not text.isdigit():
        raise NotFound("upload segment", text)
    return int(text)


def _check_segment_token(rt: Runtime, upload_uuid: str, token: str) -> None:
    expected = uploads.peek(rt, upload_uuid).extras.get(SEGMENT_TOKEN)
    if not isinstance(expected, str) or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden("the segment URL's token does not match this upload")


def _receive(rt: Runtime, upload_uuid: str, form: FormData, file: UploadFile) -> None:
    expected = uploads.peek(rt, upload_uuid).extras.get(POLICY)
    if not isinstance(expected, dict) or not _fields_match(expected, form):
        raise Forbidden("the form fields do not match this upload's policy")
    uploads.receive(rt, upload_uuid, file.file)


def _fields_match(expected: dict[str, str], form: FormData) -> bool:
    for name, value in expected.items():
        sent = form.get(name)
        if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), value.encode()):
            return False
    return True
