"""the image list's indexes and statistics for PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:10:00

``ix_images_space_created`` also holds ``location_id``: PostgreSQL pages a location subtree by
walking the project newest first and testing each entry's location in the index, instead of
sorting the whole subtree (SQLite keeps its plan through ``ix_images_location``).

On PostgreSQL only, extended statistics tell the planner that a location belongs to one space
(``dependencies`` on ``space_id, location_id``); without them it multiplies the two selectivities
and takes a building's 10,000 images for 1,000. ``ANALYZE`` (or autovacuum) fills them.

Expand only: the index keeps its name and serves every query it served before.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_LISTED = ["deleted_at", "expires_at", "private", "uploader_id", "starred"]
_BEFORE = ["space_id", "created_at", "id", *_LISTED]
_STATISTICS = "st_images_space_location"


def upgrade() -> None:
    op.drop_index("ix_images_space_created", table_name="images")
    op.create_index("ix_images_space_created", "images", [*_BEFORE, "location_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE STATISTICS {_STATISTICS} (dependencies) ON space_id, location_id FROM images"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {_STATISTICS}")
    op.drop_index("ix_images_space_created", table_name="images")
    op.create_index("ix_images_space_created", "images", _BEFORE)
