"""The gallery: darkroom's page in the browser, plain HTML, CSS and JavaScript modules served
from this package (no build step), speaking only darkroom's own API (``/v1``); and the
interactive API docs (``/docs``) with Swagger UI's files served from this machine.

``install(app)`` adds both; it serves ``/`` and ``/gallery/...`` and nothing a door owns.
"""

from __future__ import annotations

from fastapi import FastAPI

from darkroom.web import docs, gallery


def install(app: FastAPI) -> None:
    """Serve the gallery at ``/`` and the offline API docs at ``/docs``."""
    gallery.install(app)
    docs.install(app)


__all__ = ["install"]
