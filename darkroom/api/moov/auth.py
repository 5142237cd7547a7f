"""HTTP Basic with darkroom credentials on every account route, then the account's scope.

An admin's first write to an account creates its space (a first read sees an empty account); a
principal without a grant gets 403 on an existing account and 404 on an unknown one (M9).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from darkroom.api.common.auth import READS, basic_actor
from darkroom.api.common.deps import RuntimeDep
from darkroom.api.common.rate_limits import client_address
from darkroom.api.moov.parse import path_id
from darkroom.api.vocabulary import MOOV_ACCOUNT
from darkroom.core import access
from darkroom.core.access import Scope
from darkroom.errors import Unauthorized


def account_scope(account_id: str, request: Request, rt: RuntimeDep) -> Scope:
    """The scope of Moov account ``account_id`` for the Basic credentials of ``request``.

    A sync dependency, so FastAPI runs it (password hashing, database) in the thread pool, and
    before the endpoint reads any body: unauthenticated uploads are refused unread.
    """
    actor = basic_actor(rt, request.headers.get("authorization"), client_address(request))
    if actor is None:
        raise Unauthorized("HTTP Basic credentials are required")
    account = path_id(account_id, "account")
    return access.enter(rt, actor, MOOV_ACCOUNT, account, write=request.method not in READS)


AccountScope = Annotated[Scope, Depends(account_scope)]
