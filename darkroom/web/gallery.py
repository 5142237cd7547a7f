"""The gallery's routes: its page at ``/`` and its static files under ``/gallery/``.

The page is one HTML shell; everything else is a module under ``static/js`` that talks to
``/v1``. Nothing is rendered on the server, so the shell may be cached like the assets, but it
is revalidated on every load (``no-cache``) so a new darkroom shows its new gallery at once.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PREFIX = "/gallery"

# The shell may run only darkroom's own scripts and styles and show only its own images
# (blob: and data: for previews of files about to be uploaded and for placeholders).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def install(app: FastAPI) -> None:
    """Add ``GET /`` (the shell) and mount ``/gallery`` (its CSS and JavaScript modules)."""

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(
            STATIC / "index.html",
            media_type="text/html; charset=utf-8",
            headers={
                "Cache-Control": "no-cache",
                "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
            },
        )

    app.mount(PREFIX, StaticFiles(directory=STATIC, check_dir=True), name="gallery")
