"""the client address a guest's temporary image came from, for per-address daily quotas

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 03:00:00

Guests are counted per client address, whatever key they send (``core/temporary.py``): a fresh
key per upload must not escape the quota. Existing rows have no address and count for nobody.

Expand only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images") as batch:
        batch.add_column(sa.Column("guest_address", sa.String(64), nullable=True))
    op.create_index("ix_images_guest_address", "images", ["guest_address", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_images_guest_address", table_name="images")
    with op.batch_alter_table("images") as batch:
        batch.drop_column("guest_address")
