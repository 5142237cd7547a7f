"""An upload that was acknowledged survives the process being killed right after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from darkroom.config import Settings
from darkroom.core import variants
from darkroom.core.runtime import open_runtime
from darkroom.db.models import Image
from tests import images as samples
from tests.conftest import fresh_sqlite_database

CHILD = textwrap.dedent(
    """
    import io, os, sys, time
    from darkroom.config import Settings
    from darkroom.api import vocabulary
    from darkroom.core import albums, images, spaces
    from darkroom.core.access import Actor, Role, trusted_scope
    from darkroom.core.images import NewImage
    from darkroom.core.runtime import open_runtime

    rt = open_runtime(Settings(data_dir=sys.argv[1], database_url=sys.argv[2]))
    actor = Actor(principal_id=None, role=Role.ADMIN)
    with rt.transaction() as session:
        space = spaces.ensure(session, vocabulary.MOOV_ACCOUNT, "acct")
    scope = trusted_scope(space, actor)
    with rt.transaction() as session:
        album = albums.ensure(session, scope, vocabulary.MOOV_IMAGES)
    data = open(sys.argv[3], "rb").read()
    image = images.ingest(rt, scope, album, io.BytesIO(data), NewImage(name="kept.jpg"))
    print(image.id, flush=True)  # the acknowledgement
    time.sleep(60)  # killed here, with the engine and files still open
    """
)


def test_acknowledged_upload_survives_kill_9(tmp_path: Path, sqlite_template: Path) -> None:
    data = samples.jpeg(640, 480, seed=42)
    source = tmp_path / "upload.jpg"
    source.write_bytes(data)
    database = fresh_sqlite_database(tmp_path, sqlite_template)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path / "data"), database, str(source)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acknowledged = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    runtime = open_runtime(Settings(data_dir=tmp_path / "data", database_url=database))
    try:
        with runtime.transaction() as session:
            image = session.get_one(Image, acknowledged)
            assert image.name == "kept.jpg"
            original = variants.original(image.blob)
        with runtime.store.open(original.storage_key) as stored:
            assert stored.read() == data
    finally:
        runtime.close()
