"""Latency of a filtered page of 100 images through core.query.find_images, on SQLite or PostgreSQL.

Fills a fresh SQLite database (under bench/.work/list/, removed afterwards), or with ``--postgres``
a database on a throwaway PostgreSQL server (tests/_postgres.py), with N image rows
spread over 10 Procore projects of one company, inserted directly with SQLAlchemy core bulk
inserts and sharing one blob row (list latency depends on rows, not bytes). Per project: 20
albums, a location tree of 5 buildings x 10 floors, and images tagged with 0-2 of 30 trades,
created over the year 2024, 10% starred, 5% private, half of them placed at a floor.

Then, as a member of the company (so the private-image rule applies), it times pages of 100 in
one project through ``find_images``, as every door's list does (the count and the page, made
into records with their blob, album, location, uploader and trades), each query shape with a
different month / trade / building per run:

  created+starred   created_at within one month AND starred, newest first (Procore's default)
  trade             filters[trade_ids]=<one trade>, newest first
  location subtree  filters[location_id]=<a building> with include_sublocations, newest first

and prints p50/p95 per shape. Goal: p95 <= 15 ms on SQLite, <= 10 ms on PostgreSQL. A fourth
line, "100 ids", pages 100 images named by id: on PostgreSQL its SQL is 100 primary-key lookups,
so it is the floor (transaction, driver and records) that every shape pays on this machine. (SQLite
reads the project's index for ``id IN (...)`` instead, so there it is no floor.)

With ``--analyze`` it runs ANALYZE after filling, so the planner knows how selective each index is
(darkroom does not run it itself on SQLite); on PostgreSQL VACUUM ANALYZE, which is what
autovacuum does to a table after a bulk insert (since PostgreSQL 13 also to insert-only tables),
and which marks the pages all-visible so index-only scans need no table reads.

With ``--keep FOLDER`` (PostgreSQL only) the server's data stays in FOLDER after the run and the
next run with the same FOLDER starts that server again and skips the fill (about 330 s for
1,000,000 rows), migrating it to the current schema first: A/B runs on one filled database.
Each shape's line also gives the client's CPU per page (``time.process_time``, p50).

    .venv/bin/python bench/list.py [--images N] [--runs R] [--analyze] [--postgres] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from darkroom.config import Settings
from darkroom.core.access import Actor, Role, Scope, trusted_scope
from darkroom.core.query import ImageQuery, find_images
from darkroom.core.runtime import Runtime, open_runtime
from darkroom.core.values import SortKey, TimeRange
from darkroom.db import migrate
from darkroom.db.models import (
    Album,
    Blob,
    Image,
    ImageTrade,
    Location,
    Principal,
    Space,
    Trade,
)
from tests import _postgres
from tests._postgres import temporary_postgres

WORK = Path(__file__).resolve().parent / ".work"
PROJECTS = 10
ALBUMS_PER_PROJECT = 20
BUILDINGS, FLOORS = 5, 10
TRADES = 30
BATCH = 20_000
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
SHA = "0" * 64
NEWEST_FIRST = (SortKey("created_at", descending=True),)


def fill(engine: Engine, images: int, seed: int = 1) -> None:
    """Reference rows, then ``images`` images (+ their trade tags) in bulk, one transaction."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(insert(Principal), [{"id": 1, "name": "bench", "role": "member"}])
        conn.execute(insert(Space), [{"id": 1, "kind": "procore-company", "external_id": "1"}])
        conn.execute(
            insert(Space),
            [
                {"id": 1 + p, "kind": "procore-project", "external_id": str(p), "parent_id": 1}
                for p in range(1, PROJECTS + 1)
            ],
        )
        conn.execute(
            insert(Blob),
            [{"sha256": SHA, "format": "jpeg", "byte_size": 1000, "width": 64, "height": 48}],
        )
        conn.execute(insert(Trade), [{"space_id": 1, "name": f"T{t}"} for t in range(TRADES)])
        albums = _albums(conn)
        floors = _locations(conn)
        for rows, tags in _image_batches(images, albums, floors, rng):
            conn.execute(insert(Image), rows)
            conn.execute(insert(ImageTrade), tags)


def _albums(conn: Any) -> dict[int, list[int]]:
    rows = [
        {"space_id": 1 + p, "kind": "procore-category", "name": f"A{a}", "position": a}
        for p in range(1, PROJECTS + 1)
        for a in range(ALBUMS_PER_PROJECT)
    ]
    conn.execute(insert(Album), rows)
    found: dict[int, list[int]] = {}
    for album_id, space_id in conn.execute(
        Album.__table__.select().with_only_columns(Album.id, Album.space_id)
    ):
        found.setdefault(space_id, []).append(album_id)
    return found


def _locations(conn: Any) -> dict[int, list[int]]:
    """Per project space id, the ids of its floors (each under one of the buildings)."""
    floors: dict[int, list[int]] = {}
    for p in range(1, PROJECTS + 1):
        space_id = 1 + p
        for b in range(BUILDINGS):
            building = conn.execute(
                insert(Location).returning(Location.id),
                [{"space_id": space_id, "node_name": f"B{b}", "path": f"B{b}"}],
            ).scalar_one()
            rows = [
                {
                    "space_id": space_id,
                    "parent_id": building,
                    "node_name": f"F{f}",
                    "path": f"B{b} > F{f}",
                }
                for f in range(FLOORS)
            ]
            conn.execute(insert(Location), rows)
            floors.setdefault(space_id, [])
        floors[space_id] = [
            row[0]
            for row in conn.execute(
                Location.__table__.select()
                .with_only_columns(Location.id)
                .where(Location.space_id == space_id, Location.parent_id.is_not(None))
            )
        ]
    return floors


def _image_batches(
    count: int, albums: dict[int, list[int]], floors: dict[int, list[int]], rng: random.Random
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, int]]]]:
    seconds_in_year = 366 * 24 * 3600
    for start in range(0, count, BATCH):
        rows: list[dict[str, Any]] = []
        tags: list[dict[str, int]] = []
        for n in range(start + 1, min(start + BATCH, count) + 1):
            space_id = 2 + n % PROJECTS
            created = YEAR_START + timedelta(seconds=rng.randrange(seconds_in_year))
            rows.append(
                {
                    "id": n,
                    "uuid": f"{n:036d}",
                    "public_id": f"p{n:031d}",
                    "key": f"k{n:031d}.jpg",
                    "space_id": space_id,
                    "album_id": rng.choice(albums[space_id]),
                    "position": n,
                    "blob_sha256": SHA,
                    "name": f"img{n}.jpg",
                    "private": rng.random() < 0.05,
                    "starred": rng.random() < 0.10,
                    "width": 64,
                    "height": 48,
                    "location_id": rng.choice(floors[space_id]) if rng.random() < 0.5 else None,
                    "uploader_id": 1,
                    "created_at": created,
                    "updated_at": created,
                    "extras": {},
                }
            )
            tags += [
                {"image_id": n, "trade_id": t, "space_id": space_id}
                for t in rng.sample(range(1, TRADES + 1), rng.choice((0, 1, 1, 2)))
            ]
        yield rows, tags


def timed(run: Callable[[int], int], runs: int) -> tuple[float, float, float, int]:
    """p50 and p95 of wall time in ms over ``runs`` calls (after 5 warm-up calls), p50 of the
    client's CPU time in ms (what Python and the driver spend, whatever the server does), and the
    last page size."""
    for i in range(5):
        run(i)
    samples, cpu = [], []
    size = 0
    for i in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        size = run(i)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1]
    return statistics.median(samples), p95, statistics.median(cpu), size


def shapes(rt: Runtime, scope: Scope) -> dict[str, Callable[[int], int]]:
    with rt.transaction() as session:
        buildings = [
            row.id
            for row in session.query(Location.id).where(
                Location.space_id == scope.space_id, Location.parent_id.is_(None)
            )
        ]

    def page(query: ImageQuery) -> int:
        return len(find_images(rt, scope, query).items)

    with rt.transaction() as session:
        some = list(
            session.scalars(
                select(Image.id).where(Image.space_id == scope.space_id).order_by(Image.id)
            )
        )

    def month(i: int) -> TimeRange:
        start = datetime(2024, 1 + i % 12, 1, tzinfo=UTC)
        return TimeRange(start, (start + timedelta(days=32)).replace(day=1))

    return {
        "created+starred": lambda i: page(
            ImageQuery(created=month(i), starred=True, sort=NEWEST_FIRST)
        ),
        "trade": lambda i: page(ImageQuery(trade_ids=[1 + i % TRADES], sort=NEWEST_FIRST)),
        "location subtree": lambda i: page(
            ImageQuery(
                location_ids=[buildings[i % len(buildings)]],
                include_sublocations=True,
                sort=NEWEST_FIRST,
            )
        ),
        "100 ids": lambda i: page(ImageQuery(ids=some[i * 100 : (i + 1) * 100], sort=NEWEST_FIRST)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=1_000_000, help="rows (default 1000000)")
    parser.add_argument("--runs", type=int, default=200, help="timed pages per shape")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE after filling")
    parser.add_argument(
        "--postgres", action="store_true", help="on a throwaway PostgreSQL server, not SQLite"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="FOLDER",
        help="with --postgres: keep the filled server in FOLDER, reuse it when it is there",
    )
    args = parser.parse_args()
    if args.keep and not args.postgres:
        parser.error("--keep needs --postgres")
    folder = WORK / "list"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with ExitStack() as stack:
        if args.keep:
            url = stack.enter_context(kept_postgres(args.keep.resolve(), "darkroom_list"))
        elif args.postgres:
            url = stack.enter_context(temporary_postgres(database="darkroom_list"))
        else:
            url = f"sqlite:///{folder / f'list-{args.images}.db'}"
        run(folder, url, args)
    shutil.rmtree(folder)  # a million rows take about 400 MB


@contextmanager
def kept_postgres(folder: Path, database: str) -> Iterator[str]:
    """A PostgreSQL server whose data lives in ``folder``: made there the first time (as
    ``tests._postgres`` makes its throwaway ones), started again on later runs, stopped (not
    removed) at the end."""
    bin_dir = _postgres.find_postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL not found; run scripts/ensure-postgres")
    prefix = ("runuser", "-u", _postgres.SERVICE_USER, "--") if os.geteuid() == 0 else ()
    data_dir, socket_dir, log_file = folder / "data", folder / "sock", folder / "server.log"
    port = 5499  # names the socket file only: the server listens on no TCP port
    if not data_dir.exists():
        socket_dir.mkdir(parents=True)
        if prefix:
            for path in (folder, socket_dir):
                shutil.chown(path, user=_postgres.SERVICE_USER, group=_postgres.SERVICE_USER)
        initdb = [str(bin_dir / "initdb"), "--pgdata", str(data_dir), "--username", "postgres"]
        initdb += ["--auth", "trust", "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync"]
        _postgres._run([*prefix, *initdb], cwd=folder, log_file=log_file)
        with (data_dir / "postgresql.conf").open("a") as conf:
            conf.write(_postgres._SETTINGS.format(port=port, socket_dir=socket_dir))
    server = _postgres.PostgresServer("", socket_dir, port, 0, log_file, data_dir, bin_dir, prefix)
    _postgres.start(server)
    try:
        with psycopg.connect(
            host=str(socket_dir), port=port, user="postgres", autocommit=True
        ) as c:
            if not c.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone():
                c.execute(f"CREATE DATABASE {database}")
        yield f"postgresql+psycopg://postgres@/{database}?host={socket_dir}&port={port}"
    finally:
        _postgres.stop(server)


def vacuum_until_all_visible(engine: Engine, tries: int = 5) -> None:
    """``VACUUM ANALYZE``, again until the list's tables are all-visible (index-only scans need
    it). A VACUUM run while an autovacuum ANALYZE that began during the fill still holds its
    snapshot cannot mark the pages filled after that snapshot: one run left ``images`` with no
    page all-visible, and the location count read the table instead of its index (27 ms)."""
    query = "SELECT sum(relallvisible)::float / greatest(sum(relpages), 1) FROM pg_class"
    query += " WHERE relname IN ('images', 'image_trades')"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for attempt in range(tries):
            conn.exec_driver_sql("VACUUM ANALYZE")
            visible = conn.exec_driver_sql(query).scalar() or 0.0
            if visible >= 0.99:
                # The pages VACUUM dirtied written now, not by a checkpoint during the first shape.
                conn.exec_driver_sql("CHECKPOINT")
                return
            print(f"vacuum   {visible:.0%} of the pages all-visible after VACUUM {attempt + 1}")
            time.sleep(2)


def run(folder: Path, url: str, args: argparse.Namespace) -> None:
    rt = open_runtime(Settings(data_dir=folder, database_url=url))
    migrate.upgrade(rt.engine)
    with rt.engine.connect() as conn:
        there = conn.exec_driver_sql("SELECT count(*) FROM images").scalar() or 0
    if there == 0:
        t0 = time.perf_counter()
        fill(rt.engine, args.images)
        print(f"filled   {args.images} images in {time.perf_counter() - t0:.0f} s")
    elif there != args.images:
        raise SystemExit(f"{args.keep} holds {there} images, not {args.images}")
    else:
        print(f"reused   the {there} images in {args.keep}")
    if args.analyze:
        if args.postgres:  # VACUUM runs outside a transaction
            vacuum_until_all_visible(rt.engine)
        else:
            with rt.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"analyze  ran {'VACUUM ANALYZE' if args.postgres else 'ANALYZE'} after filling")
    with rt.engine.connect() as conn:
        database = conn.exec_driver_sql(
            "SELECT version()" if args.postgres else "SELECT 'SQLite ' || sqlite_version()"
        ).scalar()
    print(f"machine  {platform.machine()}, Python {platform.python_version()}, {database}")
    with rt.transaction() as session:
        project = session.get_one(Space, 2)
    scope = trusted_scope(project, Actor(principal_id=1, role=Role.MEMBER))
    print(
        f"\n{'query (page of 100)':<20} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>7} {'rows':>5}"
        f"  ({args.runs} runs)"
    )
    goal = 10 if args.postgres else 15
    for name, run in shapes(rt, scope).items():
        p50, p95, cpu, size = timed(run, args.runs)
        verdict = f"ok (goal {goal} ms)" if p95 <= goal else f"OVER the {goal} ms goal"
        if name == "100 ids":  # on SQLite not a floor: it plans `id IN (...)` through the project
            verdict = "floor: transaction, driver and records" if args.postgres else "reference"
        print(f"{name:<20} {p50:>8.1f} {p95:>8.1f} {cpu:>7.1f} {size:>5}  {verdict}")
    rt.close()


if __name__ == "__main__":
    main()
