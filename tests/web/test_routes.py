"""The gallery's files and the offline API docs, over real HTTP: what a browser is sent before
any script runs (the browser tests in tests/browser cover what the scripts then do)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import darkroom

# Any absolute URL to another machine in a page (href/src/url(...) or a script string).
EXTERNAL = re.compile(r"""(?:https?:)?//(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}""", re.I)
REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30, base_url=server) as c:
        yield c


def test_root_serves_the_gallery_shell_as_html(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/gallery/js/app.js">' in response.text
    assert response.headers["cache-control"] == "no-cache"


def test_gallery_shell_allows_only_its_own_origin(client: httpx.Client) -> None:
    policy = client.get("/").headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy


def test_gallery_shell_references_only_files_darkroom_serves(client: httpx.Client) -> None:
    page = client.get("/").text
    references = [r for r in REFERENCE.findall(page) if not r.startswith(("data:", "#"))]
    assert references, "the shell links its stylesheet and script"
    for reference in references:
        assert reference.startswith("/"), reference
        assert client.get(reference).status_code == 200, reference


@pytest.mark.parametrize(
    "module", ["app.js", "api.js", "grid.js", "state.js", "thumbhash.js", "upload.js", "viewer.js"]
)
def test_gallery_modules_are_served_as_javascript(client: httpx.Client, module: str) -> None:
    response = client.get(f"/gallery/js/{module}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert not EXTERNAL.search(response.text)


def test_gallery_stylesheet_loads_no_font_or_image_from_elsewhere(client: httpx.Client) -> None:
    response = client.get("/gallery/gallery.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert not EXTERNAL.search(response.text)
    assert "@import" not in response.text


def test_gallery_asset_outside_the_folder_is_not_found(client: httpx.Client) -> None:
    assert client.get("/gallery/../__init__.py").status_code == 404
    assert client.get("/gallery/nothing.js").status_code == 404


def test_docs_page_references_no_external_url(client: httpx.Client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert not EXTERNAL.search(response.text), EXTERNAL.search(response.text)


def test_docs_page_assets_are_served_by_darkroom(client: httpx.Client) -> None:
    page = client.get("/docs").text
    references = REFERENCE.findall(page)
    assert any(r.endswith("swagger-ui-bundle.js") for r in references)
    assert any(r.endswith("swagger-ui.css") for r in references)
    for reference in references:
        response = client.get(reference)
        assert response.status_code == 200, reference
        assert int(response.headers["content-length"]) > 0


def test_docs_page_turns_the_online_validator_off(client: httpx.Client) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


@pytest.mark.parametrize("document", ["/openapi.json", "/v1/openapi.json"])
def test_docs_page_offers_each_openapi_document_darkroom_serves(
    client: httpx.Client, document: str
) -> None:
    assert f'"url": "{document}"' in client.get("/docs").text
    answer = client.get(document)
    assert answer.status_code == 200
    assert answer.json()["openapi"].startswith("3.")


def test_redoc_page_from_a_cdn_is_gone(client: httpx.Client) -> None:
    assert client.get("/redoc").status_code == 404


def test_gallery_routes_are_not_in_the_openapi_document(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert "/docs" not in paths


def test_every_gallery_file_is_shipped_with_the_package() -> None:
    # pyproject's package-data names the gallery's files by pattern; a file no pattern names
    # would be served from a checkout but missing from an installed darkroom.
    package = Path(darkroom.__file__).parent
    project = tomllib.loads((package.parent / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["darkroom"]
    static = [p for p in (package / "web" / "static").rglob("*") if p.is_file()]
    assert static
    unshipped = [
        str(p.relative_to(package))
        for p in static
        if not any(p.relative_to(package).match(pattern) for pattern in patterns)
    ]
    assert unshipped == []
