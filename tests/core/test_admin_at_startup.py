"""``DARKROOM_ADMIN_USER`` on instances starting together: one creates the user, none fails.

Every instance runs ``accounts.ensure_admin`` in its lifespan. On PostgreSQL two of them on a new
database both find no user and both insert; the second insert waits on the unique index for the
first transaction and then violates it. Here that is made exact: the second runs while the
first's insert is still uncommitted, and the first commits only once the second waits for it.
(SQLite serializes writers with ``BEGIN IMMEDIATE``, so the race cannot happen there.)
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from darkroom.core import accounts
from darkroom.core.access import Role
from darkroom.db.engine import make_engine, make_sessionmaker, transaction
from darkroom.db.models import Principal
from tests.conftest import fresh_postgres_database

WAIT_S = 20.0


@pytest.mark.postgres
def test_ensure_admin_racing_another_instance_finds_its_user(postgres_url: str) -> None:
    engine = make_engine(fresh_postgres_database(postgres_url))
    sessions = make_sessionmaker(engine)
    second: dict[str, object] = {}

    def other_instance() -> None:
        try:
            with transaction(sessions) as session:
                second["id"] = accounts.ensure_admin(session, "root", "pw").id
        except Exception as error:  # reported by the assertion below
            second["error"] = error

    try:
        with transaction(sessions) as first:
            created = accounts.ensure_admin(first, "root", "pw")
            thread = threading.Thread(target=other_instance)
            thread.start()
            deadline = time.monotonic() + WAIT_S
            with engine.connect() as probe:
                while not probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database()"
                    )
                ).scalar_one():
                    assert thread.is_alive() and time.monotonic() < deadline, second
                    time.sleep(0.01)
                    probe.rollback()
        thread.join(WAIT_S)

        assert second == {"id": created.id}
        with transaction(sessions) as session:
            users = session.scalars(select(Principal).where(Principal.name == "root")).all()
            assert [(user.id, user.role) for user in users] == [(created.id, Role.ADMIN)]
    finally:
        engine.dispose()
