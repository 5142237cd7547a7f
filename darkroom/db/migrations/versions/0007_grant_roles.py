"""roles belong to grants

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00

Each grant gets a role in its space: ``viewer``, ``member`` (the default, what every grant meant
for members) or ``manager``. The server-wide role keeps only ``admin``.

What installations meant is kept: a global manager managed every space they could enter, so their
grants become manager grants, and their global role becomes ``member``. (They no longer manage
spaces they hold no grant on, such as other Cyclos users' personal spaces: that was the bug.)
The downgrade gives the global ``manager`` role back to whoever holds a manager grant.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("grants") as batch:
        batch.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="member"))
    op.execute(
        "UPDATE grants SET role = 'manager' "
        "WHERE principal_id IN (SELECT id FROM principals WHERE role = 'manager')"
    )
    op.execute("UPDATE principals SET role = 'member' WHERE role = 'manager'")


def downgrade() -> None:
    op.execute(
        "UPDATE principals SET role = 'manager' WHERE role = 'member' "
        "AND id IN (SELECT principal_id FROM grants WHERE role = 'manager')"
    )
    with op.batch_alter_table("grants") as batch:
        batch.drop_column("role")
