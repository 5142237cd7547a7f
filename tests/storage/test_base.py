"""open_store URLs and the key rules every backend shares."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from darkroom.errors import Invalid
from darkroom.storage import LocalStore, MemoryStore, check_key, open_store
from darkroom.storage.base import check_prefix


def test_open_store_absolute_file_url_returns_local_store(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path / 'blobs'}")

    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "blobs").resolve()
    assert (tmp_path / "blobs" / ".tmp").is_dir()


def test_open_store_relative_file_url_resolves_against_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    store = open_store("file://data/blobs")

    assert isinstance(store, LocalStore)
    assert store.root == (tmp_path / "data" / "blobs").resolve()


def test_open_store_memory_url_returns_fresh_memory_store() -> None:
    first = open_store("memory://")
    first.put("k", io.BytesIO(b"v"))

    second = open_store("memory://")

    assert isinstance(second, MemoryStore)
    assert list(second.keys()) == []


@pytest.mark.parametrize("url", ["gs://key:secret@bucket/prefix", "HTTP://bucket", "http://x/y"])
def test_open_store_unknown_scheme_raises_value_error_naming_scheme_only(url: str) -> None:
    with pytest.raises(ValueError, match="scheme") as caught:
        open_store(url)

    scheme = url.split("://")[0].lower()
    assert repr(scheme) in str(caught.value)
    assert "secret" not in str(caught.value)
    assert "bucket" not in str(caught.value)


@pytest.mark.parametrize("url", ["", "/var/lib/darkroom", "file:/x", "not a url://x"])
def test_open_store_malformed_url_raises_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="malformed"):
        open_store(url)


@pytest.mark.parametrize("url", ["file://", "memory://name"])
def test_open_store_bad_path_for_scheme_raises_value_error(url: str) -> None:
    with pytest.raises(ValueError):
        open_store(url)


def test_check_key_valid_key_returns_it() -> None:
    assert check_key("variants/ab/w1.jpg") == "variants/ab/w1.jpg"


def test_check_key_invalid_key_names_field() -> None:
    with pytest.raises(Invalid) as caught:
        check_key("../x")

    assert caught.value.field == "key"


@pytest.mark.parametrize("prefix", ["", "b", "blobs/", "blobs/ab", "blobs/ab/.", "variants/x."])
def test_check_prefix_possible_prefix_returns_it(prefix: str) -> None:
    assert check_prefix(prefix) == prefix


@pytest.mark.parametrize("prefix", ["/", "//", "../x", ".tmp/", "a b", "x" * 1025])
def test_check_prefix_impossible_prefix_raises_invalid(prefix: str) -> None:
    with pytest.raises(Invalid):
        check_prefix(prefix)
