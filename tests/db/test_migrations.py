"""Migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from darkroom.core.runtime import Runtime
from darkroom.db import migrate
from darkroom.db.engine import make_engine
from darkroom.db.models import Base, Image


def test_migrated_schema_matches_models(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_is_a_no_op(runtime: Runtime) -> None:
    migrate.upgrade(runtime.engine)
    with runtime.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0010"
        )


def test_every_filter_and_sort_column_of_images_is_indexed(runtime: Runtime) -> None:
    indexed = {
        column
        for index in inspect(runtime.engine).get_indexes(Image.__tablename__)
        for column in index["column_names"]
    }
    wanted = {
        "space_id",
        "created_at",
        "updated_at",
        "taken_at",
        "log_date",
        "deleted_at",
        "private",
        "starred",
        "location_id",
        "album_id",
        "position",
        "blob_sha256",
        "expires_at",
        "uploader_id",
    }
    assert wanted <= indexed


def test_sqlite_runs_in_wal_mode_with_foreign_keys(runtime: Runtime) -> None:
    if runtime.engine.dialect.name != "sqlite":
        assert runtime.engine.dialect.name == "postgresql"
        return
    with runtime.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no schema at all, of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        server = request.getfixturevalue("postgres_url")
        name = f"darkroom_empty_{uuid.uuid4().hex[:12]}"
        admin = make_engine(server)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def test_upgrade_to_0003_names_the_one_album_of_a_type_and_keeps_categories_unnamed(
    empty_database: Engine,
) -> None:
    migrate.upgrade(empty_database, "0002")
    with empty_database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO spaces (id, kind, external_id, name, settings, created_at) VALUES "
                "(1, 'moov-account', 'a1', '', '{}', CURRENT_TIMESTAMP)"
            )
        )
        for album_id, kind in [(1, "moov-account"), (2, "moov-account"), (3, "procore-category")]:
            connection.execute(
                text(
                    "INSERT INTO albums (id, space_id, kind, name, private, position, single_slot,"
                    " dedupe, extras, created_at, updated_at, visible_to_guests) VALUES "
                    "(:id, 1, :kind, '', false, 0, false, false, '{}', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP, true)"
                ),
                {"id": album_id, "kind": kind},
            )
    migrate.upgrade(empty_database)
    with empty_database.connect() as connection:
        named = dict(connection.execute(text("SELECT id, external_id FROM albums")).all())
    assert named == {1: "", 2: None, 3: None}


def test_upgrade_to_0007_makes_global_managers_managers_of_the_spaces_they_hold_grants_on(
    empty_database: Engine,
) -> None:
    migrate.upgrade(empty_database, "0006")
    with empty_database.begin() as connection:
        for space_id, external_id in [(1, "a1"), (2, "a2")]:
            connection.execute(
                text(
                    "INSERT INTO spaces (id, kind, external_id, name, settings, created_at) VALUES "
                    "(:id, 'moov-account', :ext, '', '{}', CURRENT_TIMESTAMP)"
                ),
                {"id": space_id, "ext": external_id},
            )
        for principal_id, name, role in [(1, "max", "manager"), (2, "mia", "member")]:
            connection.execute(
                text(
                    "INSERT INTO principals (id, name, role, display_name, active, created_at) "
                    "VALUES (:id, :name, :role, :name, true, CURRENT_TIMESTAMP)"
                ),
                {"id": principal_id, "name": name, "role": role},
            )
        for grant_id, principal_id in [(1, 1), (2, 2)]:
            connection.execute(
                text(
                    "INSERT INTO grants (id, principal_id, space_id, created_at) "
                    "VALUES (:id, :principal, 1, CURRENT_TIMESTAMP)"
                ),
                {"id": grant_id, "principal": principal_id},
            )
    migrate.upgrade(empty_database)
    with empty_database.connect() as connection:
        roles = dict(connection.execute(text("SELECT name, role FROM principals")).all())
        grants = dict(connection.execute(text("SELECT principal_id, role FROM grants")).all())
    assert roles == {"max": "member", "mia": "member"}
    assert grants == {1: "manager", 2: "member"}


PHOTO_FACTS = {
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "placeholder",
}


def _blob_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("blobs")}


def test_upgrade_to_0008_adds_empty_photo_facts_to_existing_blobs(empty_database: Engine) -> None:
    migrate.upgrade(empty_database, "0007")
    with empty_database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO blobs (sha256, format, byte_size, width, height, frames, created_at) "
                "VALUES ('ab', 'jpeg', 10, 4, 3, 1, CURRENT_TIMESTAMP)"
            )
        )
    migrate.upgrade(empty_database, "0008")
    with empty_database.connect() as connection:
        row = connection.execute(text("SELECT * FROM blobs")).mappings().one()
    assert {name: row[name] for name in PHOTO_FACTS} == dict.fromkeys(PHOTO_FACTS)


def test_downgrade_from_0008_drops_the_photo_facts_and_keeps_the_blobs(
    empty_database: Engine,
) -> None:
    migrate.upgrade(empty_database, "0008")
    with empty_database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO blobs (sha256, format, byte_size, width, height, frames, created_at, "
                "camera_make, placeholder) VALUES "
                "('ab', 'jpeg', 10, 4, 3, 1, CURRENT_TIMESTAMP, 'Canon', 'AAAA')"
            )
        )
    migrate.downgrade(empty_database, "0007")
    assert not PHOTO_FACTS & _blob_columns(empty_database)
    with empty_database.connect() as connection:
        assert connection.execute(text("SELECT sha256 FROM blobs")).scalars().all() == ["ab"]


def test_upgrade_to_0009_leaves_existing_blobs_without_a_perceptual_hash(
    empty_database: Engine,
) -> None:
    migrate.upgrade(empty_database, "0008")
    with empty_database.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO blobs (sha256, format, byte_size, width, height, frames, created_at) "
                "VALUES ('ab', 'jpeg', 10, 4, 3, 1, CURRENT_TIMESTAMP)"
            )
        )
    migrate.upgrade(empty_database, "0009")
    with empty_database.connect() as connection:
        row = connection.execute(text("SELECT * FROM blobs")).mappings().one()
    assert row["sha256"] == "ab" and row["perceptual_hash"] is None


def test_downgrade_from_0009_drops_the_perceptual_hash(empty_database: Engine) -> None:
    migrate.upgrade(empty_database, "0009")
    migrate.downgrade(empty_database, "0008")
    assert "perceptual_hash" not in _blob_columns(empty_database)


def _tagged_image(engine: Engine) -> None:
    """An image (private, starred, trashed) tagged with one trade, written as 0009 knew them."""
    statements = [
        "INSERT INTO spaces (id, kind, external_id, name, settings, created_at) VALUES "
        "(1, 'procore-project', 'p1', '', '{}', CURRENT_TIMESTAMP)",
        "INSERT INTO albums (id, space_id, kind, name, private, position, single_slot, dedupe,"
        " extras, created_at, updated_at, visible_to_guests) VALUES (7, 1, 'procore-category',"
        " '', false, 0, false, false, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, true)",
        "INSERT INTO blobs (sha256, format, byte_size, width, height, frames, created_at) "
        "VALUES ('ab', 'jpeg', 10, 4, 3, 1, CURRENT_TIMESTAMP)",
        "INSERT INTO trades (id, space_id, name, active, created_at, updated_at) VALUES "
        "(3, 1, 'Concrete', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        "INSERT INTO images (id, uuid, public_id, key, space_id, album_id, position, blob_sha256,"
        " name, private, starred, width, height, created_at, updated_at, deleted_at, extras)"
        " VALUES (5, 'u5', 'p5', 'k5', 1, 7, 0, 'ab', '', true, true, 4, 3,"
        " '2024-01-02 03:04:05', '2024-01-02 03:04:05', '2024-02-01 00:00:00', '{}')",
        "INSERT INTO image_trades (image_id, trade_id, space_id) VALUES (5, 3, 1)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def _tag(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM image_trades")).mappings().one()
    return dict(row)


def test_upgrade_to_0010_copies_each_tagged_images_list_columns_into_its_tags(
    empty_database: Engine,
) -> None:
    migrate.upgrade(empty_database, "0009")
    _tagged_image(empty_database)
    migrate.upgrade(empty_database, "0010")
    tag = _tag(empty_database)
    assert (tag["album_id"], tag["private"], tag["starred"], tag["expires_at"]) == (7, 1, 1, None)
    assert str(tag["created_at"]).startswith("2024-01-02 03:04:05")
    assert str(tag["deleted_at"]).startswith("2024-02-01 00:00:00")


def test_downgrade_from_0010_drops_the_copies_and_triggers_and_keeps_the_tags(
    empty_database: Engine,
) -> None:
    migrate.upgrade(empty_database, "0010")
    _tagged_image(empty_database)
    migrate.downgrade(empty_database, "0009")
    columns = {column["name"] for column in inspect(empty_database).get_columns("image_trades")}
    assert columns == {"image_id", "trade_id", "space_id"}
    indexes = {index["name"] for index in inspect(empty_database).get_indexes("image_trades")}
    assert "ix_image_trades_trade_space_image" in indexes
    with empty_database.begin() as connection:  # no trigger is left to write the dropped columns
        connection.execute(text("UPDATE images SET private = false, deleted_at = NULL"))
    assert _tag(empty_database) == {"image_id": 5, "trade_id": 3, "space_id": 1}


def test_instances_migrating_at_once_both_succeed(empty_database: Engine) -> None:
    # Several instances start together and each migrates first (``darkroom serve``).
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: migrate.upgrade(empty_database), range(3)))
    with empty_database.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
