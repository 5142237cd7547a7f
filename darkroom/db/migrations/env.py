"""Alembic environment: runs against the connection handed in by darkroom.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from darkroom.db.models import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `darkroom migrate`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
