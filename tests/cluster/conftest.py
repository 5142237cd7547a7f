"""The cluster every test of this package shares: started once, checked before each test.

One PostgreSQL server (the session's, tests/_postgres.py), one S3 endpoint and two darkroom
server processes. moto's S3 server (tests/storage/_s3.py) stands in for the S3 endpoint because
no S3-compatible server package (MinIO, Garage, SeaweedFS) installs on this machine; darkroom
reaches it over HTTP with boto3 exactly as it would reach MinIO.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster._cluster import Cluster, build_cluster
from tests.conftest import fresh_postgres_database
from tests.storage._s3 import EMULATOR

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
    cluster = build_cluster(
        folder,
        database_url=database_url,
        client=EMULATOR.client(),
        endpoint=EMULATOR.endpoint(),
        prefix=PREFIX,
        names=[f"darkroom-{letter}" for letter in "ab"[:INSTANCES]],
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        cluster.rt.close()


@pytest.fixture
def cluster(_cluster: Cluster) -> Cluster:
    """The package's cluster, with every instance running (a test may have killed one)."""
    _cluster.ensure_running()
    return _cluster
