"""what the EXIF says about the camera and the exposure, and the placeholder of each blob

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:00:00

All nullable: blobs stored before this revision have none of them until ``darkroom backfill``
reads them from the stored bytes (a blob whose placeholder is NULL has not been backfilled).

Expand only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("camera_make", sa.String(128)),
    ("camera_model", sa.String(128)),
    ("lens", sa.String(128)),
    ("exposure_time", sa.Float()),
    ("f_number", sa.Float()),
    ("iso", sa.Integer()),
    ("focal_length", sa.Float()),
    ("placeholder", sa.String(64)),
)


def upgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
