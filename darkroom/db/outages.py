"""Which database errors mean "the database cannot be reached right now", as opposed to a bug.

The HTTP layer answers those 503 (``darkroom.errors.Unavailable``) instead of 500; every other
error still surfaces as it is. The engine recovers by itself once the database is back: the pool
pings a connection before handing it out (``pool_pre_ping``) and replaces dead ones, and a
connection lost mid-statement invalidates the pool.

- ``OperationalError``: the driver could not connect, the server went away or shut down, a
  statement was cancelled or deadlocked (psycopg's and sqlite3's own classification);
- ``InterfaceError``: the connection is closed or unusable;
- any ``DBAPIError`` with ``connection_invalidated``: SQLAlchemy saw the connection die;
- ``sqlalchemy.exc.TimeoutError``: no pooled connection became free in time (overload).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from darkroom.errors import Unavailable

CAUSES: tuple[type[Exception], ...] = (DBAPIError, PoolTimeout)
"""The exception classes among which outages are found (``unavailable`` tells which are)."""


def unavailable(error: BaseException) -> Unavailable | None:
    """The ``Unavailable`` that ``error`` stands for, or None when it is no outage."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        return Unavailable("database")
    return None
