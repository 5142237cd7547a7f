"""The cluster every test of this package shares: started once, checked before each test.

One PostgreSQL server (the session's, tests/_postgres.py), one S3 endpoint and two darkroom
server processes. moto's S3 server (tests/storage/_s3.py) stands in for the S3 endpoint because
no S3-compatible server package (MinIO, Garage, SeaweedFS) installs on this machine; darkroom
reaches it over HTTP with boto3 exactly as it would reach MinIO. It runs in a process of its own
(``EmulatorProcess``), so a test can take the store down and bring it back.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cluster._cluster import Cluster, build_cluster
from tests.conftest import fresh_postgres_database
from tests.storage._s3 import EmulatorProcess

PREFIX = "cluster"
INSTANCES = 2


@pytest.fixture(scope="package")
def s3_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """The cluster's S3 endpoint (see ``EmulatorProcess.stopped`` for taking it down)."""
    s3 = EmulatorProcess(tmp_path_factory.mktemp("s3") / "moto.log")
    s3.start()
    try:
        yield s3
    finally:
        s3.stop()


@pytest.fixture(scope="package")
def _cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str, s3_process: EmulatorProcess
) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("cluster")
    database_url = fresh_postgres_database(postgres_url)
    cluster = build_cluster(
        folder,
        database_url=database_url,
        client=s3_process.client(),
        endpoint=s3_process.endpoint,
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
