"""The layers import only downward: doors → core → db, media, storage → errors.

Read from the source with ``ast``, so a violation fails here even when nothing runs the line
(imports inside functions and under ``TYPE_CHECKING`` count too).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import darkroom

PACKAGE = Path(darkroom.__file__).parent


def _modules(folder: str) -> Iterator[Path]:
    root = PACKAGE / folder
    yield from (root.rglob("*.py") if root.is_dir() else [root])


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _violations(folder: str, allowed: tuple[str, ...], *, scope: str = "darkroom") -> list[str]:
    """``scope`` imports made in ``folder`` that are not under one of ``allowed``."""
    found = []
    for path in _modules(folder):
        for name in _imports(path):
            inside = name == scope or name.startswith(scope + ".")
            if inside and not any(name == a or name.startswith(a + ".") for a in allowed):
                found.append(f"{path.relative_to(PACKAGE)}: {name}")
    return sorted(set(found))


def _forbidden(folder: str, *banned: str) -> list[str]:
    found = []
    for path in _modules(folder):
        for name in _imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                found.append(f"{path.relative_to(PACKAGE)}: {name}")
    return sorted(set(found))


def test_core_imports_no_web_framework_and_no_door() -> None:
    banned = ("fastapi", "starlette", "darkroom.api", "darkroom.app", "darkroom.cli")
    assert _forbidden("core", *banned) == []


@pytest.mark.parametrize(
    ("folder", "allowed"),
    [
        ("media", ("darkroom.media", "darkroom.errors")),
        ("storage", ("darkroom.storage", "darkroom.errors")),
        ("db", ("darkroom.db", "darkroom.errors", "darkroom.clock")),
        ("errors.py", ()),
        ("clock.py", ()),
    ],
)
def test_lower_layers_import_nothing_above_them(folder: str, allowed: tuple[str, ...]) -> None:
    assert _violations(folder, allowed) == []


def test_doors_know_no_sql() -> None:
    assert _forbidden("api", "sqlalchemy", "darkroom.db") == []


def test_storage_interface_imports_none_of_its_backends() -> None:
    backends = ("darkroom.storage.local", "darkroom.storage.memory", "darkroom.storage.s3")
    assert _forbidden("storage/base.py", *backends) == []
