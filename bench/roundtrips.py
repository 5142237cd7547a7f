"""What one request asks of the shared database and object store, per operation of each door.

On two cores, two darkroom instances mostly show overhead. What decides how darkroom scales on
more machines is what each request costs the parts all instances share, so this counts them:
SQL statements sent (each one a round trip), transactions committed, and blob-store calls by kind.
It runs one darkroom on a throwaway PostgreSQL server (``tests/_postgres.py``) and moto's S3
server (``tests/storage/_s3.py``: no S3-compatible server package installs here), speaks real
HTTP to it, and repeats each operation until its counts are steady (the first call of an
operation may fill caches: a variant render, a password check).

    .venv/bin/python bench/roundtrips.py

Prints one row per operation: statements, commits, store calls (get/put/exists/...).
"""

from __future__ import annotations

import base64
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from darkroom.api import vocabulary
from darkroom.app import create_app
from darkroom.config import Settings
from darkroom.core import accounts, spaces
from darkroom.core.access import Role
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.db import migrate
from darkroom.storage import BlobStore
from tests import images as samples
from tests._postgres import temporary_postgres
from tests.live import serve
from tests.storage._s3 import EMULATOR

PASSWORD = "bench-password"
MOOV_ACCOUNT = "bench-account"
COMPANY, PROJECT = "1", "10"
STEADY_AFTER = 3  # calls of an operation before its counts are read


class CountingStore:
    """A blob store that counts the calls made to the one it wraps."""

    def __init__(self, inner: BlobStore) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return target(*args, **kwargs)

        return counted


@dataclass
class Meter:
    statements: int = 0
    commits: int = 0

    def reset(self, store: CountingStore) -> None:
        self.statements = self.commits = 0
        store.calls.clear()


@contextmanager
def darkroom(url: str, folder: Path) -> Iterator[tuple[str, Runtime, Meter, CountingStore]]:
    settings = Settings(data_dir=folder, database_url=url, storage_url="memory://")
    store = CountingStore(EMULATOR.store())
    rt = open_runtime(settings, store=store)  # type: ignore[arg-type]
    migrate.upgrade(rt.engine)
    meter = Meter()

    @event.listens_for(rt.engine, "before_cursor_execute")
    def _statement(*_: Any) -> None:
        meter.statements += 1

    @event.listens_for(rt.engine, "commit")
    def _commit(*_: Any) -> None:
        meter.commits += 1

    try:
        with serve(create_app(runtime=rt)) as base:
            yield base, rt, meter, store
    finally:
        rt.close()


def provision(rt: Runtime) -> str:
    """An admin with a password (Moov, Cyclos) and a token (Procore); company 1, project 10."""
    with rt.transaction() as session:
        admin = accounts.create_principal(session, "root", password=PASSWORD, role=Role.ADMIN)
        company = spaces.ensure(
            session, vocabulary.PROCORE_COMPANY, COMPANY, seeds=vocabulary.SEEDS
        )
        spaces.ensure(session, vocabulary.PROCORE_PROJECT, PROJECT, parent=company)
        return accounts.issue_token(session, admin).token


def operations(base: str, token: str) -> list[tuple[str, Callable[[], httpx.Response]]]:
    moov = httpx.Client(base_url=base, auth=("root", PASSWORD), timeout=30)
    procore = httpx.Client(
        base_url=base,
        headers={"Authorization": f"Bearer {token}", "Procore-Company-Id": COMPANY},
        timeout=30,
    )
    cyclos = httpx.Client(base_url=f"{base}/api", auth=("root", PASSWORD), timeout=30)
    seeds = iter(range(1, 10_000))

    def moov_upload() -> httpx.Response:
        data = samples.jpeg(640, 480, seed=next(seeds))
        return moov.post(f"/accounts/{MOOV_ACCOUNT}/images", files={"image": ("a.jpg", data)})

    first = moov_upload().json()
    public = f"/images/{first['publicID']}"
    etag = moov.get(public, params={"size": "200x200"}).headers["etag"]
    sizes = iter(range(20, 2000))

    def procore_create() -> httpx.Response:
        data = base64.b64encode(samples.jpeg(320, 240, seed=next(seeds))).decode()
        body = {"project_id": int(PROJECT), "image": {"data": data}}
        return procore.post(f"/rest/v1.0/images?project_id={PROJECT}", json=body)

    shown = procore_create().json()

    def cyclos_upload() -> httpx.Response:
        data = samples.jpeg(320, 240, seed=next(seeds))
        return cyclos.post("/self/images", files={"image": ("a.jpg", data, "image/jpeg")})

    cyclos_upload()
    viewed = cyclos.get("/self/images").json()[0]

    return [
        ("moov upload (POST image)", moov_upload),
        ("moov list (GET images)", lambda: moov.get(f"/accounts/{MOOV_ACCOUNT}/images")),
        ("moov get one", lambda: moov.get(f"/accounts/{MOOV_ACCOUNT}/images/{first['imageID']}")),
        ("moov public, cached variant", lambda: moov.get(public, params={"size": "200x200"})),
        (
            "moov public, 304",
            lambda: moov.get(public, params={"size": "200x200"}, headers={"If-None-Match": etag}),
        ),
        (
            "moov public, uncached variant",
            lambda: moov.get(public, params={"size": f"{next(sizes)}x{next(sizes)}"}),
        ),
        ("procore create (base64 JSON)", procore_create),
        (
            "procore list (page of 100)",
            lambda: procore.get(f"/rest/v1.0/images?project_id={PROJECT}"),
        ),
        (
            "procore show",
            lambda: procore.get(f"/rest/v1.0/images/{shown['id']}?project_id={PROJECT}"),
        ),
        ("procore original (url)", lambda: httpx.get(shown["url"])),
        ("cyclos upload (profile)", cyclos_upload),
        ("cyclos list (GET self/images)", lambda: cyclos.get("/self/images")),
        ("cyclos content (original)", lambda: cyclos.get(f"/images/{viewed['id']}/content")),
    ]


def main() -> None:
    rows: list[tuple[str, int, int, str]] = []
    with (
        temporary_postgres(database="darkroom_bench") as url,
        tempfile.TemporaryDirectory(prefix="darkroom-bench-") as folder,
        darkroom(url, Path(folder)) as (base, rt, meter, store),
    ):
        for name, call in operations(base, provision(rt)):
            for _ in range(STEADY_AFTER):
                assert call().status_code < 400, name
            meter.reset(store)
            answer = call()
            assert answer.status_code < 400, (name, answer.status_code, answer.text[:200])
            calls = ", ".join(f"{k} {v}" for k, v in sorted(store.calls.items())) or "none"
            rows.append((name, meter.statements, meter.commits, calls))
    EMULATOR.stop()
    width = max(len(row[0]) for row in rows)
    print(f"{'operation':{width}}  statements  transactions  store calls")
    for name, statements, commits, calls in rows:
        print(f"{name:{width}}  {statements:10}  {commits:12}  {calls}")


if __name__ == "__main__":
    main()
