"""Named locks in the database (``job_locks``), so one instance at a time runs a periodic job.

A lock is a row: taking it is an insert that the primary key refuses while another holder has
it. A holder that dies leaves its row behind until ``expires_at``; after that the next taker
clears it. Releasing deletes only our own row, never one a later holder took after ours expired.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from darkroom.clock import utcnow
from darkroom.db.models import JobLock

if TYPE_CHECKING:  # the runtime holds an evictor, which takes locks: no import at run time
    from darkroom.core.runtime import Runtime

DEFAULT_TTL = timedelta(minutes=30)


def acquire(
    rt: Runtime, name: str, now: datetime | None = None, *, ttl: timedelta = DEFAULT_TTL
) -> str | None:
    """Take the lock ``name``; the holder id to release it with, or None if someone holds it."""
    now = now or utcnow()
    holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:128]
    with rt.transaction() as session:
        session.execute(delete(JobLock).where(JobLock.name == name, JobLock.expires_at <= now))
    try:
        with rt.transaction() as session:
            session.add(JobLock(name=name, holder=holder, expires_at=now + ttl))
    except IntegrityError:
        return None
    return holder


def release(rt: Runtime, name: str, holder: str) -> None:
    """Release our lock, but not one another instance took after ours expired mid-run."""
    with rt.transaction() as session:
        session.execute(delete(JobLock).where(JobLock.name == name, JobLock.holder == holder))
