"""the one album of a type in a space is named '' instead of NULL

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:40:00

A unique constraint lets any number of NULLs through on PostgreSQL, so concurrent first uploads to
a new Moov account each made the account's album (and each kept its own copy of the same bytes).
The album that is the only one of its type in a space (``core.albums.ensure``) is now named ''
(``albums.ONLY``), which ``uq_albums_space_kind_external`` does hold to one. Albums a user makes
by name (Procore image categories) keep NULL. Where a race already made several, the oldest
becomes the one; the others keep NULL and their images stay listed with the space. And an album
named by an outside id (an advertisement's) is unique across spaces (``uq_albums_kind_named``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NAMED_BY_USERS = "procore-category"  # the one kind of albums users make by name (0003's code)


def upgrade() -> None:
    # The oldest of each (space, kind), chosen before any row changes (a subquery that is not
    # correlated is evaluated once, against the table as it was).
    op.execute(
        "UPDATE albums SET external_id = '' WHERE id IN ("
        "SELECT MIN(id) FROM albums WHERE external_id IS NULL AND deleted_at IS NULL "
        f"AND kind <> '{_NAMED_BY_USERS}' GROUP BY space_id, kind)"
    )

    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.create_index(
            "uq_albums_kind_named",
            ["kind", "external_id"],
            unique=True,
            sqlite_where=sa.text("external_id <> ''"),
            postgresql_where=sa.text("external_id <> ''"),
        )


def downgrade() -> None:
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.drop_index("uq_albums_kind_named")
    op.execute("UPDATE albums SET external_id = NULL WHERE external_id = ''")
