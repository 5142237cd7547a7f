"""S3Store specifics: multipart puts, paging, prefixes, error translation and open_store.

The endpoint is moto's S3 emulator over HTTP on a loopback port (see ``_s3.py``): it stands
in for a real S3-compatible service, none of which can run on this machine. The contract every
backend shares is in ``test_contract.py``, which runs against S3 too.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from darkroom.errors import NotFound, Unavailable
from darkroom.storage import S3Store, StorageError, open_store
from darkroom.storage.s3 import (
    CONNECT_TIMEOUT_ENV,
    ENDPOINT_ENV,
    MAX_ATTEMPTS_ENV,
    MIN_PART_SIZE,
    READ_TIMEOUT_ENV,
    S3Client,
    make_client,
)
from tests.live import free_port
from tests.storage._s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Emulator

PART = MIN_PART_SIZE
PATTERN = bytes(range(251))  # a prime length, so no two parts hold the same bytes
ENV = {"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY}


def pattern(start: int, stop: int) -> bytes:
    """Bytes ``[start, stop)`` of the endless stream ``PATTERN * ∞``."""
    offset = start % len(PATTERN)
    repeats = (offset + stop - start) // len(PATTERN) + 1
    return (PATTERN * repeats)[offset : offset + stop - start]


class Generated:
    """``total`` bytes of ``pattern``, made as they are read, never all at once."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.handed_out = 0

    def read(self, size: int = -1, /) -> bytes:
        stop = self.total if size < 0 else min(self.total, self.handed_out + size)
        chunk = pattern(self.handed_out, stop)
        self.handed_out = stop
        return chunk


class Calls:
    """The S3 operations a client sends, by name, in order (a botocore event hook)."""

    def __init__(self, client: S3Client) -> None:
        self.names: list[str] = []
        self._lock = threading.Lock()
        self._client = client

    def _record(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.names.append(model.name)

    def __enter__(self) -> Calls:
        self._client.meta.events.register("before-call.s3", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        self._client.meta.events.unregister("before-call.s3", self._record)

    def count(self, name: str) -> int:
        with self._lock:
            return self.names.count(name)


@pytest.fixture
def s3(s3_emulator: Emulator) -> Emulator:
    return s3_emulator


@pytest.fixture
def calls(s3: Emulator) -> Iterator[Calls]:
    with Calls(s3.client()) as recorded:
        yield recorded


# put


def test_s3_put_large_stream_goes_multipart_without_reading_ahead(
    s3: Emulator, calls: Calls
) -> None:
    store = s3.store(part_size=PART, max_concurrency=2)
    finished = 0
    most_ahead = 0  # the most bytes read from the stream but not yet in a finished part

    class Watched(Generated):
        def read(self, size: int = -1, /) -> bytes:
            nonlocal most_ahead
            chunk = super().read(size)
            most_ahead = max(most_ahead, self.handed_out - finished * PART)
            return chunk

    def part_finished(**_: Any) -> None:
        nonlocal finished
        finished += 1

    stream = Watched(20_000_000)  # 3 full parts and a short one
    s3.client().meta.events.register("after-call.s3.UploadPart", part_finished)
    try:
        written = store.put("blobs/big", stream)
    finally:
        s3.client().meta.events.unregister("after-call.s3.UploadPart", part_finished)

    assert written == stream.total == store.size("blobs/big")
    assert calls.count("PutObject") == 0
    assert calls.count("CreateMultipartUpload") == calls.count("CompleteMultipartUpload") == 1
    assert calls.count("UploadPart") == finished == 4
    # At most max_concurrency parts in flight plus the one being read: 15 of 20 MB.
    assert 2 * PART < most_ahead <= 3 * PART < stream.total
    head = s3.client().head_object(Bucket=store.bucket, Key="blobs/big")
    assert head["ETag"].endswith('-4"')  # S3's mark of an object assembled from 4 parts
    across = b"".join(store.open_range("blobs/big", PART - 100, PART + 100))
    assert across == pattern(PART - 100, PART + 100)
    assert b"".join(store.open_range("blobs/big", stream.total - 7, None)) == pattern(
        stream.total - 7, stream.total
    )


@pytest.mark.parametrize(
    ("size", "puts", "parts"), [(0, 1, 0), (PART - 1, 1, 0), (PART, 0, 1), (PART + 1, 0, 2)]
)
def test_s3_put_sizes_around_part_size_choose_put_or_multipart(
    s3: Emulator, calls: Calls, size: int, puts: int, parts: int
) -> None:
    store = s3.store(part_size=PART)

    assert store.put("blobs/k", Generated(size)) == size

    assert (calls.count("PutObject"), calls.count("UploadPart")) == (puts, parts)
    assert store.size("blobs/k") == size
    tail = b"".join(store.open_range("blobs/k", max(0, size - 3), None))
    assert tail == pattern(max(0, size - 3), size)


class FailsAfter:
    """A stream that hands out ``good`` bytes of ``pattern``, then fails like a dropped upload."""

    def __init__(self, good: int) -> None:
        self._inner = Generated(good)

    def read(self, size: int = -1, /) -> bytes:
        chunk = self._inner.read(size)
        if not chunk:
            raise ConnectionResetError("client went away")
        return chunk


def test_s3_put_stream_failing_during_multipart_aborts_upload_and_keeps_old_value(
    s3: Emulator, calls: Calls
) -> None:
    store = s3.store(part_size=PART)
    store.put("blobs/k", io.BytesIO(b"old value"))

    with pytest.raises(ConnectionResetError):
        store.put("blobs/k", FailsAfter(2 * PART + 10))

    assert calls.count("AbortMultipartUpload") == 1
    assert "Uploads" not in s3.client().list_multipart_uploads(Bucket=store.bucket)
    with store.open("blobs/k") as file:
        assert file.read() == b"old value"


# open


def test_s3_open_reads_in_pieces_and_closes(s3: Emulator) -> None:
    store = s3.store()
    store.put("k", io.BytesIO(b"0123456789"))

    with store.open("k") as file:
        assert file.readable()
        assert file.read(4) == b"0123"
        assert file.read(0) == b""
        assert file.read() == b"456789"
        assert file.read() == b""

    assert file.closed
    with pytest.raises(ValueError):
        file.read()


def test_s3_open_works_as_buffered_text_source(s3: Emulator) -> None:
    store = s3.store()
    store.put("k", io.BytesIO(b"line one\nline two\n"))

    raw = cast(io.RawIOBase, store.open("k"))  # a raw binary file, as BufferedReader wants

    with io.TextIOWrapper(io.BufferedReader(raw), encoding="ascii") as text:
        assert text.readlines() == ["line one\n", "line two\n"]


# keys


def test_s3_keys_over_several_pages_lists_each_key_once(s3: Emulator, calls: Calls) -> None:
    store = s3.store(list_page_size=7)
    expected = sorted(f"blobs/{n:02d}" for n in range(30))
    for key in expected:
        s3.client().put_object(Bucket=store.bucket, Key=key, Body=b"x")
    before = calls.count("ListObjectsV2")

    listed = list(store.keys("blobs/"))

    assert sorted(listed) == expected
    assert calls.count("ListObjectsV2") - before == 5  # 7 + 7 + 7 + 7 + 2


def test_s3_keys_beyond_1000_objects_follow_the_continuation_token(
    s3: Emulator, calls: Calls
) -> None:
    store = s3.store()  # S3's own page size: at most 1000 keys per answer
    client = s3.client()
    expected = {f"blobs/{n:04d}" for n in range(1001)}
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: client.put_object(Bucket=store.bucket, Key=key), expected))

    assert set(store.keys()) == expected
    assert calls.count("ListObjectsV2") == 2


def test_s3_keys_foreign_objects_are_not_listed(s3: Emulator) -> None:
    store = s3.store("deploy")
    for name in ["deploy/blobs/", "deploy/.hidden", "deploy/a b", "deploy/blobs/ok", "other/x"]:
        s3.client().put_object(Bucket=store.bucket, Key=name, Body=b"x")

    assert list(store.keys()) == ["blobs/ok"]


# prefixes


def test_s3_stores_with_different_prefixes_in_one_bucket_are_isolated(s3: Emulator) -> None:
    client = s3.client()
    bucket = s3.new_bucket()
    first, second = S3Store(client, bucket, "tenant"), S3Store(client, bucket, "tenant-b")
    whole = S3Store(client, bucket)
    first.put("blobs/k", io.BytesIO(b"first"))
    second.put("blobs/k", io.BytesIO(b"second"))
    second.put("blobs/only-b", io.BytesIO(b"b"))

    assert sorted(first.keys()) == ["blobs/k"]
    assert sorted(second.keys("blobs/")) == ["blobs/k", "blobs/only-b"]
    assert not first.exists("blobs/only-b")
    assert sorted(whole.keys()) == ["tenant-b/blobs/k", "tenant-b/blobs/only-b", "tenant/blobs/k"]

    first.delete("blobs/k")

    with second.open("blobs/k") as file:
        assert file.read() == b"second"
    with pytest.raises(NotFound):
        first.size("blobs/k")


def test_s3_store_prefix_slashes_are_trimmed(s3: Emulator) -> None:
    store = S3Store(s3.client(), s3.new_bucket(), "/deploy/one/")

    store.put("k", io.BytesIO(b"v"))

    assert store.prefix == "deploy/one/"
    assert s3.client().get_object(Bucket=store.bucket, Key="deploy/one/k")["Body"].read() == b"v"


@pytest.mark.parametrize("prefix", ["../up", "a//b", ".hidden", "a b"])
def test_s3_store_invalid_prefix_raises_value_error(s3: Emulator, prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        S3Store(s3.client(), s3.new_bucket(), prefix)


# errors


def test_s3_store_missing_bucket_raises_storage_error_when_built(s3: Emulator) -> None:
    with pytest.raises(StorageError, match="'no-such-bucket' does not exist") as caught:
        S3Store(s3.client(), "no-such-bucket")

    assert isinstance(caught.value, OSError)


def test_s3_store_bucket_deleted_later_raises_storage_error_on_use(s3: Emulator) -> None:
    store = s3.store()
    s3.client().delete_bucket(Bucket=store.bucket)

    with pytest.raises(StorageError, match="does not exist") as caught:
        list(store.keys())
    assert caught.value.code == "NoSuchBucket"
    with pytest.raises(StorageError, match="does not exist"):
        store.put("k", io.BytesIO(b"v"))


@pytest.fixture(scope="module")
def offline_client() -> S3Client:
    """A client whose calls are answered by botocore's Stubber, never sent."""
    return make_client(
        endpoint_url="http://127.0.0.1:9",
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
    )


# (operation, S3 error code, HTTP status, expected error, expected StorageError code or None)
ERROR_CASES = [
    ("size", "404", 404, NotFound, None),
    ("open", "NoSuchKey", 404, NotFound, None),
    ("open_range", "NoSuchKey", 404, NotFound, None),
    ("open", "NoSuchBucket", 404, StorageError, "NoSuchBucket"),
    ("keys", "NoSuchBucket", 404, StorageError, "NoSuchBucket"),
    ("size", "403", 403, StorageError, "403"),
    ("open", "AccessDenied", 403, StorageError, "AccessDenied"),
    ("delete", "InvalidAccessKeyId", 403, StorageError, "InvalidAccessKeyId"),
    ("keys", "SignatureDoesNotMatch", 403, StorageError, "SignatureDoesNotMatch"),
    ("open", "ExpiredToken", 400, StorageError, "ExpiredToken"),
    ("open", "InternalError", 500, Unavailable, None),
    ("delete", "SlowDown", 503, Unavailable, None),
    ("size", "503", 503, Unavailable, None),
    ("keys", "SomeServerFailure", 502, Unavailable, None),
    ("keys", "SomeCodeNoOneHasSeenYet", 400, StorageError, "SomeCodeNoOneHasSeenYet"),
]

STUBBED: dict[str, tuple[str, Any]] = {
    "size": ("head_object", lambda store: store.size("k")),
    "open": ("get_object", lambda store: store.open("k")),
    "open_range": ("get_object", lambda store: store.open_range("k", 2, None)),
    "delete": ("delete_object", lambda store: store.delete("k")),
    "keys": ("list_objects_v2", lambda store: list(store.keys())),
}


@pytest.mark.parametrize(("method", "code", "status", "expected", "storage_code"), ERROR_CASES)
def test_s3_client_error_is_translated_by_code(
    offline_client: S3Client,
    method: str,
    code: str,
    status: int,
    expected: type[Exception],
    storage_code: str | None,
) -> None:
    operation, call = STUBBED[method]
    with Stubber(offline_client) as stub:
        stub.add_response("head_bucket", {})
        store = S3Store(offline_client, "bucket")
        stub.add_client_error(
            operation,
            service_error_code=code,
            service_message=ENV["AWS_SECRET_ACCESS_KEY"],
            http_status_code=status,
        )

        with pytest.raises(expected) as caught:
            call(store)

    if isinstance(caught.value, NotFound):
        assert caught.value.key == "k"
    elif isinstance(caught.value, Unavailable):
        assert caught.value.service == "blob store"  # answered 503, like a network outage
    else:
        assert isinstance(caught.value, StorageError)
        assert caught.value.code == storage_code
        assert "secret" not in str(caught.value)  # the server's message text is not repeated


def test_s3_unreachable_endpoint_raises_storage_error(unused_port: int) -> None:
    client = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"
    ).client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{unused_port}",
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=1),
    )

    with pytest.raises(StorageError, match="cannot reach the S3 endpoint"):
        S3Store(client, "bucket")


STORE_CALLS: dict[str, Any] = {
    **{name: call for name, (_, call) in STUBBED.items()},
    "exists": lambda store: store.exists("k"),
    "put": lambda store: store.put("blobs/k", io.BytesIO(b"v")),
}


@pytest.mark.parametrize("method", sorted(STORE_CALLS))
def test_s3_endpoint_down_after_start_raises_unavailable(unused_port: int, method: str) -> None:
    """A store built while its endpoint answered (the one HEAD of the bucket is answered by
    botocore's Stubber), used once nothing listens there: every call is an outage, with
    darkroom's default timeouts and retries, and nothing names the endpoint or a secret."""
    client = make_client(
        endpoint_url=f"http://127.0.0.1:{unused_port}",
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
    )
    with Stubber(client) as stub:
        stub.add_response("head_bucket", {})
        store = S3Store(client, "bucket")

    with pytest.raises(Unavailable) as caught:
        STORE_CALLS[method](store)

    assert caught.value.service == "blob store"
    assert caught.value.message == "the blob store cannot be reached; try again"


def test_s3_no_credentials_anywhere_raises_storage_error(
    s3: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    with pytest.raises(StorageError, match="no usable S3 credentials"):
        S3Store(make_client(endpoint_url=s3.endpoint()), "bucket")


@pytest.fixture
def unused_port() -> int:
    return free_port()


# open_store


def test_open_store_s3_url_uses_endpoint_credentials_and_region_from_environment(
    s3: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = s3.new_bucket()
    monkeypatch.setenv(ENDPOINT_ENV, s3.endpoint())
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    store = open_store(f"s3://{bucket}/deploy/one")
    store.put("blobs/k", io.BytesIO(b"v"))

    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix) == (bucket, "deploy/one/")
    raw = s3.client().get_object(Bucket=bucket, Key="deploy/one/blobs/k")
    assert raw["Body"].read() == b"v"
    meta = store._client.meta
    assert meta.region_name == "eu-west-1"
    assert meta.config.s3["addressing_style"] == "path"
    assert meta.endpoint_url == s3.endpoint()


def test_open_store_s3_url_with_explicit_environ_falls_back_to_default_region(
    s3: Emulator,
) -> None:
    bucket = s3.new_bucket()
    environ = {ENDPOINT_ENV: s3.endpoint(), "AWS_DEFAULT_REGION": "eu-central-1", **ENV}

    store = open_store(f"s3://{bucket}", environ=environ)

    assert isinstance(store, S3Store)
    assert store.prefix == ""
    assert store._client.meta.region_name == "eu-central-1"
    assert list(store.keys()) == []


def test_open_store_s3_timeouts_and_attempts_come_from_environment(s3: Emulator) -> None:
    environ = {
        ENDPOINT_ENV: s3.endpoint(),
        CONNECT_TIMEOUT_ENV: "0.5",
        READ_TIMEOUT_ENV: "30",
        MAX_ATTEMPTS_ENV: "4",
        **ENV,
    }

    store = open_store(f"s3://{s3.new_bucket()}", environ=environ)

    assert isinstance(store, S3Store)
    config = store._client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (0.5, 30.0)
    assert config.retries["total_max_attempts"] == 4


def test_open_store_s3_without_timeout_settings_uses_short_defaults(s3: Emulator) -> None:
    store = open_store(f"s3://{s3.new_bucket()}", environ={ENDPOINT_ENV: s3.endpoint(), **ENV})

    assert isinstance(store, S3Store)
    config = store._client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.0, 5.0)
    assert config.retries["total_max_attempts"] == 2


def test_open_store_s3_url_of_missing_bucket_raises_value_error(s3: Emulator) -> None:
    environ = {ENDPOINT_ENV: s3.endpoint(), **ENV}

    with pytest.raises(ValueError, match="does not exist") as caught:
        open_store("s3://no-such-bucket/x", environ=environ)

    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "s3://",
        "s3:///prefix",
        "s3://ab",
        "s3://Upper-Case",
        "s3://key:secret@bucket/x",
        "s3://bucket?endpoint=http://secret-host:9000",
        "s3://bucket/x#secret",
        "s3://bucket/../secret",
    ],
)
def test_open_store_bad_s3_url_raises_value_error_without_secrets(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        open_store(url, environ={ENDPOINT_ENV: "http://127.0.0.1:9", **ENV})

    assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "environ",
    [
        {ENDPOINT_ENV: "ftp://host:21"},
        {ENDPOINT_ENV: "http://user:secret@host:9000"},
        {ENDPOINT_ENV: "host:9000"},
        {"AWS_ACCESS_KEY_ID": "id-without-secret"},
        {"AWS_SECRET_ACCESS_KEY": "secret-without-id"},
        {CONNECT_TIMEOUT_ENV: "0"},
        {READ_TIMEOUT_ENV: "soon"},
        {MAX_ATTEMPTS_ENV: "1.5"},
        {MAX_ATTEMPTS_ENV: "-1"},
    ],
)
def test_open_store_bad_s3_settings_raise_value_error_without_secrets(
    environ: dict[str, str],
) -> None:
    with pytest.raises(ValueError) as caught:
        open_store("s3://bucket", environ=environ)

    assert "secret" not in str(caught.value)
