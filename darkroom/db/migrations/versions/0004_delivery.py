"""variants know when they were last used; one change counter for cached resolutions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:10:00

The variant cache keeps within a byte budget by evicting the least recently used variants
(``variants.last_used_at``, indexed). Instances cache what a capability resolves to and drop it
when ``change_counter.value`` moves; the one row starts at 0. Expand only: instances of the
previous release keep working against it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_used_at", sa.DateTime(), nullable=False, server_default=sa.func.now())
        )
        batch_op.create_index("ix_variants_last_used_at", ["last_used_at"])
    op.execute("UPDATE variants SET last_used_at = created_at")
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_counter")),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])


def downgrade() -> None:
    op.drop_table("change_counter")
    with op.batch_alter_table("variants", schema=None) as batch_op:
        batch_op.drop_index("ix_variants_last_used_at")
        batch_op.drop_column("last_used_at")
