"""the perceptual hash of each blob, for near-duplicates

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:45:00

A 64-bit dHash (media._dhash) stored as a signed BIGINT (two's complement), so that PostgreSQL's
int8 holds every hash. Nullable: blobs stored before this revision have none until
``darkroom backfill`` makes it (a blob whose hash is NULL has not been backfilled).

Expand only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("perceptual_hash", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.drop_column("perceptual_hash")
