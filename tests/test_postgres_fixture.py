"""The throwaway PostgreSQL server (tests/_postgres.py) and scripts/ensure-postgres."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import sqlalchemy

from tests import _postgres
from tests._postgres import find_postgres_bin, postgres_server, temporary_postgres

REPO = Path(__file__).resolve().parent.parent
needs_postgres = pytest.mark.skipif(
    find_postgres_bin() is None, reason="PostgreSQL not installed; run scripts/ensure-postgres"
)


def _socket(url: str) -> tuple[Path, int]:
    query = parse_qs(urlsplit(url).query)
    return Path(query["host"][0]), int(query["port"][0])


def _is_running(pid: int) -> bool:
    """Whether ``pid`` is alive; a zombie waiting for its parent to reap it counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: fall back to signal 0
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in {"Z", "X"}


@needs_postgres
@pytest.mark.postgres
def test_temporary_postgres_answers_sql_and_is_gone_after_exit() -> None:
    with temporary_postgres() as url:
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            version = connection.execute(sqlalchemy.text("select version()")).scalar_one()
        engine.dispose()
        socket_dir, port = _socket(url)
        assert socket_dir.is_dir()

    assert version.startswith("PostgreSQL ")
    assert not socket_dir.parent.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host=str(socket_dir), port=port, user="postgres", connect_timeout=2)


@needs_postgres
@pytest.mark.postgres
def test_postgres_server_with_database_creates_it_and_stops_postmaster() -> None:
    with postgres_server(database="darkroom_test") as server:
        engine = sqlalchemy.create_engine(server.url)
        with engine.connect() as connection:
            name = connection.execute(sqlalchemy.text("select current_database()")).scalar_one()
        engine.dispose()
        assert _is_running(server.pid)

    assert name == "darkroom_test"
    assert not _is_running(server.pid)


@needs_postgres
@pytest.mark.postgres
def test_postgres_server_on_error_in_block_still_stops_and_cleans_up() -> None:
    with pytest.raises(ZeroDivisionError), postgres_server() as server:
        1 / 0  # noqa: B018

    assert not _is_running(server.pid)
    assert not server.socket_dir.parent.exists()


def test_wait_until_ready_without_server_raises_with_log_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_postgres, "START_TIMEOUT", 0.2)
    log_file = tmp_path / "server.log"
    log_file.write_text("FATAL:  something went wrong\n")

    with pytest.raises(RuntimeError, match="did not accept connections") as caught:
        _postgres._wait_until_ready(tmp_path, 5432, log_file)
    assert "FATAL:  something went wrong" in str(caught.value)


def test_find_postgres_bin_picks_newest_version(tmp_path: Path) -> None:
    for version in ["9.6", "15", "16", "notaversion"]:
        (tmp_path / version / "bin").mkdir(parents=True)
        (tmp_path / version / "bin" / "initdb").touch()

    assert find_postgres_bin(tmp_path) == tmp_path / "16" / "bin"


# --- scripts/ensure-postgres --------------------------------------------------------------------

SCRIPT = REPO / "scripts" / "ensure-postgres"

# Stand-ins for the system tools, so the install path runs without touching the machine.
_STUBS = {
    "apt-get": """#!/bin/sh
echo "apt-get $*" >> "$CALLS"
if [ "$1" = install ]; then
  mkdir -p "$POSTGRES_LIB_DIR/15/bin" && touch "$POSTGRES_LIB_DIR/15/bin/initdb"
fi
""",
    "pg_lsclusters": """#!/bin/sh
echo "14 old 5433 online postgres /var/lib/postgresql/14/old /dev/null"
if [ -e "$POSTGRES_LIB_DIR/15/bin/initdb" ]; then
  echo "15 main 5432 online postgres /var/lib/postgresql/15/main /dev/null"
fi
""",
    "pg_ctlcluster": """#!/bin/sh
echo "pg_ctlcluster $*" >> "$CALLS"
""",
    "service": """#!/bin/sh
echo "service $*" >> "$CALLS"
""",
}


def _run_script(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    for name, body in _STUBS.items():
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    calls = tmp_path / "calls"
    calls.touch()
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "POSTGRES_LIB_DIR": str(tmp_path / "lib"),
        "CALLS": str(calls),
    }
    result = subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    return result, calls.read_text().splitlines()


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path would call sudo")
def test_ensure_postgres_when_missing_installs_and_stops_only_new_cluster(tmp_path: Path) -> None:
    result, calls = _run_script(tmp_path)

    assert result.returncode == 0, result.stderr
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y -qq --no-install-recommends postgresql",
        "pg_ctlcluster 15 main stop",
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="the install path would call sudo")
def test_ensure_postgres_when_installed_does_nothing(tmp_path: Path) -> None:
    _run_script(tmp_path)

    result, calls = _run_script(tmp_path)

    assert result.returncode == 0, result.stderr
    assert len(calls) == 3  # only the first run's calls
