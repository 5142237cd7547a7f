"""album policies on the album row; core kinds for personal spaces and temporary images

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:30:00

Every rule that differs between albums (byte cap, accepted formats, visibility to guests, next to
dedupe, size and single slot) becomes a column of the album, so core reads it from the album
instead of a door passing it in. Existing albums get the policy their kind had in code. The two
kinds core itself knows are renamed to core words: the spaces of users (``personal``) and the
albums of temporary images (``temporary``). Companies that have no trade yet get "General", which
used to be made on their first read.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MIB = 1024 * 1024
# The album kinds as the vendor doors define them (darkroom.api.vocabulary), frozen as they were
# when this revision was written: a migration must not change when the code does.
_CYCLOS_FORMATS = "gif,jpeg,png,webp"
_POLICIES = {
    "moov-account": (16 * MIB, "jpeg,png,webp", True),
    "cyclos-profile": (16 * MIB, _CYCLOS_FORMATS, True),
    "cyclos-ad": (16 * MIB, _CYCLOS_FORMATS, True),
    "cyclos-contact-info": (16 * MIB, _CYCLOS_FORMATS, True),
    "cyclos-custom": (16 * MIB, _CYCLOS_FORMATS, False),
    "temporary": (16 * MIB, _CYCLOS_FORMATS, False),
}


def upgrade() -> None:
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_bytes", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("formats", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("visible_to_guests", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.alter_column("visible_to_guests", server_default=None)

    op.execute("UPDATE spaces SET kind = 'personal' WHERE kind = 'cyclos-user'")
    op.execute("UPDATE albums SET kind = 'temporary' WHERE kind = 'cyclos-temp'")
    albums = sa.table(
        "albums",
        sa.column("kind", sa.String),
        sa.column("max_bytes", sa.BigInteger),
        sa.column("formats", sa.String),
        sa.column("visible_to_guests", sa.Boolean),
    )
    for kind, (max_bytes, formats, visible) in _POLICIES.items():
        op.execute(
            albums.update()
            .where(albums.c.kind == kind)
            .values(max_bytes=max_bytes, formats=formats, visible_to_guests=visible)
        )
    op.execute(
        "INSERT INTO trades (space_id, name, active, created_at, updated_at) "
        "SELECT s.id, 'General', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM spaces s "
        "WHERE s.kind = 'procore-company' "
        "AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.space_id = s.id)"
    )


def downgrade() -> None:
    op.execute("UPDATE albums SET kind = 'cyclos-temp' WHERE kind = 'temporary'")
    op.execute("UPDATE spaces SET kind = 'cyclos-user' WHERE kind = 'personal'")
    with op.batch_alter_table("albums", schema=None) as batch_op:
        batch_op.drop_column("visible_to_guests")
        batch_op.drop_column("formats")
        batch_op.drop_column("max_bytes")
