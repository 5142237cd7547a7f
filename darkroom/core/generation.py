"""When cached resolutions must be dropped: one number that moves whenever what a capability
delivers may have changed.

Delivery caches what a capability resolves to (``core/resolutions.py``) so that a cache hit asks
the database nothing. A change that could make such an answer wrong (an image deleted, trashed,
restored, moved or given new bytes; an album's privacy; a space, grant or user removed) moves:

- **the database's counter** (``change_counter.value``), in the same transaction as the change,
  so the new number is visible exactly when the change is;
- **this instance's counter**, a number in a small shared file (``<data_dir>/run/generation``)
  that every worker process of the instance maps into memory. The process that committed the
  change raises it right after the commit, so the next request, in any worker, sees it.

Every process polls the database's counter (every ``POLL_SECONDS``) and raises the instance's
when it moved, which is how other instances learn of a change: within ``POLL_SECONDS`` plus one
query (the documented bound is 1 s; docs/operations.md). A cache compares the instance's number
with the one it was filled at, and starts over when they differ. Reading it is a memory read.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import struct
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from darkroom.db.models import Album, Blob, Grant, Image, Principal, Space

POLL_SECONDS = 0.5

# Image columns a delivery depends on: which bytes, whether it is in the trash, where it lives
# and who may see it. Edits of words, stars and order leave cached resolutions right.
DELIVERY_COLUMNS = frozenset(
    {
        "blob_sha256",
        "deleted_at",
        "album_id",
        "space_id",
        "public_id",
        "key",
        "private",
        "uploader_id",
        "guest_key",
        "expires_at",
    }
)
ALBUM_COSMETIC_COLUMNS = frozenset({"name", "position"})
WATCHED = (Image, Album, Space, Grant, Principal, Blob)
WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)

_BUMP = text("UPDATE change_counter SET value = value + 1 WHERE id = 1")
_READ = text("SELECT value FROM change_counter WHERE id = 1")
_CHANGED = "darkroom_delivery_changed"  # a flag in Session.info for the transaction under way
_FORMAT = struct.Struct("<Q")

logger = logging.getLogger(__name__)


class Generation:
    """The instance's counter (module docstring), and the thread that follows the database's."""

    def __init__(self, path: Path, engine: Engine, *, poll_seconds: float = POLL_SECONDS) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self._fd).st_size < _FORMAT.size:
            os.ftruncate(self._fd, _FORMAT.size)
        self._map = mmap.mmap(self._fd, _FORMAT.size)
        self._engine = engine
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self._start_guard = threading.Lock()
        self._seen_in_database: int | None = None

    def current(self) -> int:
        """The instance's number now; starts the poller on first use (only processes that cache
        resolutions need it)."""
        if self._poller is None and self._poll_seconds:
            self._start_polling()
        return int(_FORMAT.unpack_from(self._map)[0])

    def advance(self) -> None:
        """Raise the instance's number: something cached may be wrong now."""
        fcntl.flock(self._fd, fcntl.LOCK_EX)  # workers of an instance advance one at a time
        try:
            _FORMAT.pack_into(self._map, 0, (_FORMAT.unpack_from(self._map)[0] + 1) % 2**64)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def poll_once(self) -> None:
        """Compare the database's counter with the one seen last; advance when it moved."""
        with self._engine.connect() as connection:
            value = connection.execute(_READ).scalar()
        if value is None:
            return  # a database made without migrations has no counter row
        if self._seen_in_database is not None and value != self._seen_in_database:
            self.advance()
        self._seen_in_database = int(value)

    def close(self) -> None:
        self._stop.set()
        if self._poller is not None and self._poller.is_alive():
            self._poller.join(timeout=5)
        self._map.close()
        os.close(self._fd)

    def _start_polling(self) -> None:
        with self._start_guard:
            if self._poller is not None:
                return
            self._poller = threading.Thread(
                target=self._poll, name="darkroom-generation", daemon=True
            )
            self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # an outage: keep serving what is cached, retry
                logger.debug("change counter not read: %s", error)
            self._stop.wait(self._poll_seconds)


def watch(sessions: sessionmaker[Session], generation: Generation) -> None:
    """Count, in ``generation`` and in the database, every transaction of ``sessions`` that
    changes what a capability delivers."""

    @event.listens_for(sessions, "after_flush")
    def flushed(session: Session, _context: Any) -> None:
        # Inside after_flush the lists still say what the flush did.
        removed = any(isinstance(obj, WATCHED) for obj in session.deleted)
        if removed or any(_changed(obj) for obj in session.dirty):
            _mark(session)

    @event.listens_for(sessions, "do_orm_execute")
    def executed(state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete) and _statement_table(state) in WATCHED_TABLES:
            _mark(state.session)

    @event.listens_for(sessions, "after_commit")
    def committed(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            generation.advance()

    @event.listens_for(sessions, "after_rollback")
    def rolled_back(session: Session) -> None:
        session.info.pop(_CHANGED, None)


def _mark(session: Session) -> None:
    """Count the transaction under way once, in the database's counter."""
    if not session.info.get(_CHANGED):
        session.info[_CHANGED] = True
        session.connection().execute(_BUMP)


def _changed(obj: object) -> bool:
    """Whether an update of ``obj`` changes what a capability delivers (a removal of any watched
    row always does)."""
    if isinstance(obj, Image):
        return bool(_changed_columns(obj) & DELIVERY_COLUMNS)
    if isinstance(obj, Album):
        return bool(_changed_columns(obj) - ALBUM_COSMETIC_COLUMNS)
    if isinstance(obj, Principal):
        return bool(_changed_columns(obj) & {"active", "role"})
    # Ingest touches blob rows and nothing of theirs is cached; spaces and grants decide access.
    return isinstance(obj, Space | Grant)


def _changed_columns(obj: object) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _statement_table(state: ORMExecuteState) -> str | None:
    table = getattr(state.statement, "table", None)
    return getattr(table, "name", None)
