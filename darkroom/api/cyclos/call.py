"""One request as the operations see it: who is calling, decoded path values, query, headers, the
uploaded file.

Operations are plain functions ``(Call) -> Response`` run in a worker thread (they use the
database, the blob store and libvips, which all block). The router identifies the caller once,
before the operation runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from starlette.datastructures import Headers, UploadFile

from darkroom.api.common.auth import READS
from darkroom.api.cyclos.auth import Caller
from darkroom.api.cyclos.errors import missing_parameter
from darkroom.api.cyclos.params import Query
from darkroom.core.bounds import check_text
from darkroom.core.policy import AlbumPolicy
from darkroom.core.runtime import Runtime
from darkroom.errors import Invalid, TooLarge

MAX_NAME = 255  # the width of images.name


@dataclass(frozen=True)
class Call:
    rt: Runtime
    caller: Caller
    method: str
    path: dict[str, str]
    query: Query
    headers: Headers
    client_address: str | None  # None: no peer address (a unix socket); guests are refused
    base_url: str
    upload: UploadFile | None = None

    @property
    def write(self) -> bool:
        """Whether the operation may write: a GET makes no space or album."""
        return self.method not in READS

    def image_file(self, policy: AlbumPolicy) -> UploadFile:
        """The multipart part ``image``, refused unread when it declares more bytes than an
        album of ``policy`` takes."""
        if self.upload is None:
            raise missing_parameter("image")
        limit = policy.byte_cap(self.rt.settings.max_upload_bytes)
        if self.upload.size is not None and self.upload.size > limit:
            raise TooLarge(f"the file is larger than {limit} bytes", limit=limit, field="file")
        return self.upload

    def image_name(self) -> str:
        """The ``name`` query value, else the uploaded file's base name (spec §4.1)."""
        given = self.query.one("name")
        if given is not None:
            if len(given) > MAX_NAME:
                raise Invalid(f"name is longer than {MAX_NAME} characters", field="name")
            return check_text(given, field="name", max_chars=MAX_NAME)
        filename = self.upload.filename if self.upload is not None else None
        # Browsers on Windows have sent full paths as the file name.
        name = PureWindowsPath(PurePosixPath(filename or "").name).name[:MAX_NAME]
        return check_text(name, field="name", max_chars=MAX_NAME)
