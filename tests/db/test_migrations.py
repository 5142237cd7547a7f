"""Migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from darkroom.core.runtime import Runtime
from darkroom.db import migrate
from darkroom.db.models import Base, Image


def test_migrated_schema_matches_models(runtime: Runtime) -> None:
    with runtime.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_is_a_no_op(runtime: Runtime) -> None:
    migrate.upgrade(runtime.engine)
    with runtime.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
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
