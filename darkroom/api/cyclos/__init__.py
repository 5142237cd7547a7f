"""The Cyclos Images front door (``/api/...``): spec ``cyclos.md``, decisions C1-C10.

- ``routing``: the raw-path router and the one endpoint everything under ``/api`` goes through,
  which identifies the caller once per request;
- ``auth``: Basic, Session-Token and Access-Client-Token, alone or together;
- ``refs``: users, advertisements and contact infos named in paths; ``params``: query values;
- ``entities``: advertisements, contact infos and temp-image attachment, as core's albums named
  by an outside id (also what the CLI and the admin endpoint provision);
- ``user_images``, ``ad_images``, ``contact_images``, ``temp``, ``single_images``, ``logins``:
  the operations, each a function of a ``Call``;
- ``wire``: the JSON shapes, from core records; ``errors``: the error bodies.
"""

from __future__ import annotations

from fastapi import FastAPI

from darkroom.api.common.doors import Door, DoorRegistry
from darkroom.api.cyclos import errors, routing

# Every method reaches the router, so unknown ones get a Cyclos 404 body, not FastAPI's 405.
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def install(app: FastAPI, doors: DoorRegistry) -> None:
    """Mount the Cyclos routes and register the door's error bodies and body cap."""
    doors.add(
        Door(
            name="cyclos",
            prefixes=(routing.PREFIX,),
            render_error=errors.render,
            max_body_bytes=errors.MAX_UPLOAD_BYTES,
        )
    )
    app.add_api_route(
        f"{routing.PREFIX}/{{rest:path}}",
        routing.dispatch,
        methods=METHODS,
        include_in_schema=False,
    )
