"""The Moov Images front door (``/accounts/{accountID}/images``, ``/images/{publicID}``).

Spec: shared/specs/moov.md. Modules: ``routes`` (endpoints), ``parse`` (requests into values),
``service`` (core calls per operation), ``wire`` (JSON shapes), ``errors`` (domain errors as Moov
bodies), ``auth`` (Basic credentials into an account scope), ``middleware`` and ``versions``
(``X-Moov-Version`` and ``x-request-id`` on every response of the door).
"""

from __future__ import annotations

from fastapi import FastAPI

from darkroom.api.common.doors import Door, DoorRegistry
from darkroom.api.common.lane import LaneRoute
from darkroom.api.moov import errors, routes
from darkroom.api.moov.middleware import MoovHeadersMiddleware
from darkroom.api.vocabulary import MOOV_REQUEST_BYTES

NAME = "moov"
PREFIXES = ("/accounts", "/images")


def install(app: FastAPI, doors: DoorRegistry) -> None:
    """Mount the Moov routes and register the door's error bodies and body cap."""
    doors.add(
        Door(
            name=NAME,
            prefixes=PREFIXES,
            render_error=errors.render_error,
            max_body_bytes=MOOV_REQUEST_BYTES,
            lanes=(LaneRoute(routes.PUBLIC, routes.public_wanted, reads=routes.PUBLIC_READS),),
        )
    )
    app.include_router(routes.router)
    app.add_middleware(
        MoovHeadersMiddleware, applies_to=lambda path: doors.door_for(path).name == NAME
    )
