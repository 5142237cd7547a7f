"""Reading form bodies: Starlette's parser, with its refusals as darkroom's ``Invalid``."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from darkroom.errors import Invalid

# Starlette's own defaults, for the limits a door does not set.
MAX_FILES = 1000
MAX_FIELDS = 1000
MAX_PART_BYTES = 1024 * 1024


async def read_form(
    request: Request,
    *,
    max_files: int = MAX_FILES,
    max_fields: int = MAX_FIELDS,
    max_part_bytes: int = MAX_PART_BYTES,
) -> FormData:
    """The request's form (file parts spool to disk). A body Starlette cannot parse, or one with
    more parts than allowed, is ``Invalid``; each door answers it its own way."""
    try:
        return await request.form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_bytes
        )
    except HTTPException as error:
        raise Invalid(f"malformed form body: {error.detail}") from None
