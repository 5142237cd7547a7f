"""Transactions: writers queue on one lock; readers do not wait for them."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from darkroom.core.runtime import Runtime
from darkroom.db.models import Principal


def test_reading_transaction_runs_while_a_writer_holds_the_lock(runtime: Runtime) -> None:
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with runtime.transaction() as session:
            session.add(Principal(name="writer", role="member", display_name="w"))
            session.flush()
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with runtime.reading() as session:
            assert session.scalar(text("SELECT count(*) FROM principals")) == 0
        # Not queued behind the writer (the busy timeout is 30 s): answered while it still holds.
        assert time.monotonic() - started < 5
        assert thread.is_alive()
    finally:
        release.set()
        thread.join()
