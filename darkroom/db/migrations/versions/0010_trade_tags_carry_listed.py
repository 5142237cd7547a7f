"""trade tags carry what the image list reads of their image, kept in step by triggers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:40:00

An exact count of a trade filter needs each tagged image's visibility, which lived on ``images``
only: one index probe of ``images`` per tag (3,300 for one trade of a 100,000-image project,
13.5 ms of SQL on PostgreSQL at 1,000,000 images). Each tag now carries a copy of its image's
``album_id``, ``created_at``, ``deleted_at``, ``expires_at``, ``private``, ``uploader_id``,
``starred`` and ``location_id`` (it already carried ``space_id``), and
``ix_image_trades_listed`` holds them all after ``(trade_id, space_id, created_at, image_id)``:
a trade's count and its newest-first page read one range of that index (core/trade_list.py).

Triggers keep the copies in step, so no write path can forget them (the ORM, bulk ``UPDATE``s
such as trashing an album's images, and other instances alike): a tag written takes its image's
values; an image whose copied columns change passes them to its tags. A deleted image's tags go
with it (``ON DELETE CASCADE``). The copies are nullable because SQLite's triggers can only fill
a row after it is inserted.

``ix_image_trades_trade_space_image`` goes: the new index starts with the same columns and holds
``image_id`` too, so every plan that read it reads the new one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The image columns each tag copies, in this order everywhere below.
_COPIED = [
    "space_id",
    "album_id",
    "created_at",
    "deleted_at",
    "expires_at",
    "private",
    "uploader_id",
    "starred",
    "location_id",
]
_ADDED = {
    "album_id": sa.Integer,
    "created_at": sa.DateTime,
    "deleted_at": sa.DateTime,
    "expires_at": sa.DateTime,
    "private": sa.Boolean,
    "uploader_id": sa.Integer,
    "starred": sa.Boolean,
    "location_id": sa.Integer,
}
# The range a trade's count and page read, newest first, then the columns the filters test.
_LISTED = [
    "trade_id",
    "space_id",
    "created_at",
    "image_id",
    "deleted_at",
    "expires_at",
    "private",
    "uploader_id",
    "starred",
    "album_id",
    "location_id",
]
_OLD_INDEX = ("ix_image_trades_trade_space_image", ["trade_id", "space_id", "image_id"])

_COLUMNS = ", ".join(_COPIED)
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _COPIED)
_CHANGED_SQLITE = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _COPIED)  # IS NOT: null-safe
_FROM_NEW = ", ".join(f"{c} = NEW.{c}" for c in _COPIED)

_POSTGRESQL = [
    # A tag written takes its image's values, whatever the writer put there.
    f"""
    CREATE FUNCTION image_trades_copy_image() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        SELECT {_COLUMNS} INTO {", ".join(f"NEW.{c}" for c in _COPIED)}
        FROM images WHERE id = NEW.image_id;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER tr_image_trades_copy_image BEFORE INSERT OR UPDATE ON image_trades
    FOR EACH ROW EXECUTE FUNCTION image_trades_copy_image()
    """,
    # An image whose copied columns change passes them to its tags.
    f"""
    CREATE FUNCTION images_to_trade_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE image_trades SET {_FROM_NEW} WHERE image_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    f"""
    CREATE TRIGGER tr_images_to_trade_tags AFTER UPDATE OF {_COLUMNS} ON images
    FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION images_to_trade_tags()
    """,
]
_POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS tr_images_to_trade_tags ON images",
    "DROP FUNCTION IF EXISTS images_to_trade_tags()",
    "DROP TRIGGER IF EXISTS tr_image_trades_copy_image ON image_trades",
    "DROP FUNCTION IF EXISTS image_trades_copy_image()",
]

# SQLite's triggers cannot change NEW, so a tag is filled in just after it is written (its key
# is (image_id, trade_id)); SQLite runs no trigger from its own UPDATE (recursive_triggers off).
_FROM_IMAGE = f"({_COLUMNS}) = (SELECT {_COLUMNS} FROM images WHERE images.id = NEW.image_id)"
_SQLITE = [
    f"""
    CREATE TRIGGER tr_image_trades_copy_image AFTER INSERT ON image_trades
    BEGIN
        UPDATE image_trades SET {_FROM_IMAGE}
        WHERE image_id = NEW.image_id AND trade_id = NEW.trade_id;
    END
    """,
    f"""
    CREATE TRIGGER tr_image_trades_copy_image_on_update AFTER UPDATE ON image_trades
    BEGIN
        UPDATE image_trades SET {_FROM_IMAGE}
        WHERE image_id = NEW.image_id AND trade_id = NEW.trade_id;
    END
    """,
    f"""
    CREATE TRIGGER tr_images_to_trade_tags AFTER UPDATE OF {_COLUMNS} ON images
    WHEN {_CHANGED_SQLITE}
    BEGIN
        UPDATE image_trades SET {_FROM_NEW} WHERE image_id = NEW.id;
    END
    """,
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tr_images_to_trade_tags",
    "DROP TRIGGER IF EXISTS tr_image_trades_copy_image_on_update",
    "DROP TRIGGER IF EXISTS tr_image_trades_copy_image",
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("image_trades") as batch:
        for name, kind in _ADDED.items():
            batch.add_column(sa.Column(name, kind(), nullable=True))
    if postgresql:
        sets = ", ".join(f"{c} = images.{c}" for c in _COPIED)
        op.execute(f"UPDATE image_trades SET {sets} FROM images WHERE images.id = image_id")
    else:
        op.execute(
            f"UPDATE image_trades SET ({_COLUMNS}) = "
            f"(SELECT {_COLUMNS} FROM images WHERE images.id = image_trades.image_id)"
        )
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)
    op.create_index("ix_image_trades_listed", "image_trades", _LISTED)
    op.drop_index(_OLD_INDEX[0], table_name="image_trades")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL_DOWN if postgresql else _SQLITE_DOWN:
        op.execute(statement)
    op.create_index(_OLD_INDEX[0], "image_trades", _OLD_INDEX[1])
    op.drop_index("ix_image_trades_listed", table_name="image_trades")
    with op.batch_alter_table("image_trades") as batch:
        for name in reversed(_ADDED):
            batch.drop_column(name)
