"""What `darkroom serve` prepares before its workers start (darkroom/serving.py); the processes
themselves are tested in tests/test_serve.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from darkroom.config import Settings
from darkroom.serving import MULTIPROC_DIR_ENV, export, share_metrics


@pytest.fixture(autouse=True)
def environment() -> Iterator[None]:
    """Whatever these tests put in os.environ is taken out again afterwards."""
    saved = dict(os.environ)
    for name in (MULTIPROC_DIR_ENV, "DARKROOM_PORT", "DARKROOM_DATA_DIR", "DARKROOM_WORKERS"):
        os.environ.pop(name, None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_flags_are_exported_under_their_setting_names_and_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    export({"port": 8123, "data_dir": Path("relative"), "workers": 3})

    assert os.environ["DARKROOM_PORT"] == "8123"
    assert os.environ["DARKROOM_DATA_DIR"] == str(tmp_path / "relative")
    settings = Settings()
    assert (settings.port, settings.data_dir, settings.workers) == (8123, tmp_path / "relative", 3)


def test_several_workers_share_an_emptied_metrics_folder_in_the_data_dir(tmp_path: Path) -> None:
    folder = tmp_path / "run" / "metrics"
    folder.mkdir(parents=True)
    (folder / "counter_4242.db").write_bytes(b"a stopped run's numbers")
    (folder / "notes.txt").write_text("not prometheus_client's")

    shared = share_metrics(Settings(data_dir=tmp_path, workers=2))

    assert shared == folder
    assert os.environ[MULTIPROC_DIR_ENV] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_one_worker_keeps_its_metrics_in_memory(tmp_path: Path) -> None:
    assert share_metrics(Settings(data_dir=tmp_path, workers=1)) is None
    assert MULTIPROC_DIR_ENV not in os.environ
    assert not (tmp_path / "run").exists()


def test_a_folder_the_operator_chose_is_used_and_emptied_even_for_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "prometheus"
    chosen.mkdir()
    (chosen / "gauge_liveall_4242.db").write_bytes(b"stale")
    monkeypatch.setenv(MULTIPROC_DIR_ENV, str(chosen))

    assert share_metrics(Settings(data_dir=tmp_path / "data", workers=1)) == chosen
    assert list(chosen.iterdir()) == []
