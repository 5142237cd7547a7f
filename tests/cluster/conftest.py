"""The cluster every test of this package shares: started once, checked before each test.

One PostgreSQL server (the session's, tests/_postgres.py), one S3 endpoint and two darkroom
server processes. moto's S3 server (tests/storage/_s3.py) stands in for the S3 endpoint because
no S3-compatible server package (MinIO, Garage, SeaweedFS) installs on this machine; darkroom
reaches it over HTTP with boto3 exactly as it would reach MinIO.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from darkroom.config import Settings
from darkroom.core.runtime import open_runtime
from darkroom.storage.s3 import S3Store
from tests.cluster._cluster import Cluster, Instance, instance_env
from tests.conftest import fresh_postgres_database
from tests.storage._s3 import ACCESS_KEY_ID, EMULATOR, SECRET_ACCESS_KEY

PREFIX = "cluster"
INSTANCES = 2


@pytest.fixture(scope="package")
def _cluster(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str,
) -> Iterator[Cluster]:
    request.config.add_cleanup(EMULATOR.stop)  # started on first use, stopped when pytest ends
    folder = tmp_path_factory.mktemp("cluster")
    database_url = fresh_postgres_database(postgres_url)
    client = EMULATOR.client()
    bucket = EMULATOR.new_bucket(client)
    env = instance_env(
        database_url=database_url,
        bucket=bucket,
        prefix=PREFIX,
        endpoint=EMULATOR.endpoint(),
        key_id=ACCESS_KEY_ID,
        secret=SECRET_ACCESS_KEY,
    )
    store = S3Store(client, bucket, PREFIX)
    rt = open_runtime(
        Settings(data_dir=folder / "tester", database_url=database_url, storage_url="memory://"),
        store=store,
    )
    instances = [
        Instance(name=f"darkroom-{letter}", env=env, folder=folder) for letter in "ab"[:INSTANCES]
    ]
    cluster = Cluster(instances=instances, env=env, rt=rt, store=store, folder=folder)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        rt.close()


@pytest.fixture
def cluster(_cluster: Cluster) -> Cluster:
    """The package's cluster, with every instance running (a test may have killed one)."""
    _cluster.ensure_running()
    return _cluster
