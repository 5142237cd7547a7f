from __future__ import annotations

import ast
from pathlib import Path

import pytest
import pyvips

import darkroom
import darkroom.media
from darkroom.errors import Invalid
from darkroom.media._vips import vips_errors


def test_vips_errors_maps_pyvips_error_to_invalid() -> None:
    with pytest.raises(Invalid) as caught, vips_errors():
        raise pyvips.Error("vips_image_new: bad")
    assert caught.value.field == "image"
    assert isinstance(caught.value.__cause__, pyvips.Error)


def test_vips_errors_maps_a_real_libvips_failure_to_invalid() -> None:
    with pytest.raises(Invalid), vips_errors():
        pyvips.Image.jpegload_buffer(b"\xff\xd8\xff\xe0 definitely not a jpeg")


def test_vips_errors_lets_other_exceptions_through() -> None:
    with pytest.raises(KeyError), vips_errors():
        raise KeyError("x")


def test_vips_untrusted_svg_loader_is_blocked() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    with pytest.raises(pyvips.Error):
        pyvips.Image.svgload_buffer(svg)


def test_media_package_exports_every_public_name() -> None:
    for name in darkroom.media.__all__:
        assert hasattr(darkroom.media, name), name


def test_only_media_package_imports_pyvips() -> None:
    package = Path(next(iter(darkroom.__path__)))
    offenders = []
    for source in package.rglob("*.py"):
        if source.is_relative_to(package / "media"):
            continue
        for node in ast.walk(ast.parse(source.read_text())):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "pyvips" for name in names):
                offenders.append(str(source.relative_to(package)))
    assert offenders == []
