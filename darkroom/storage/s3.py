"""A blob store in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...), through boto3.

Configuration, as :func:`~darkroom.storage.urls.open_store` reads it:

- ``DARKROOM_STORAGE_URL=s3://bucket/optional/prefix``: the bucket, and a folder inside it that
  holds every key (so several deployments can share one bucket). The URL never carries
  credentials or options.
- ``DARKROOM_S3_ENDPOINT_URL`` (e.g. ``http://minio:9000``): an S3-compatible service instead of
  AWS. Requests then use path-style addressing (``http://minio:9000/bucket/key``), which such
  services need; AWS itself gets its default (virtual-hosted) style. The endpoint is an
  environment setting rather than a ``?endpoint=`` in the URL so the URL only names where the
  blobs are, and the connection details sit with the credentials.
- ``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY`` (with ``AWS_SESSION_TOKEN`` for temporary
  credentials): when unset, boto3's usual chain (``~/.aws``, ``AWS_PROFILE``, instance or
  container roles) applies.
- ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the profile's region, else ``us-east-1``.
- ``DARKROOM_S3_CONNECT_TIMEOUT`` (seconds, default 1), ``DARKROOM_S3_READ_TIMEOUT`` (seconds
  without a byte from the store, default 5) and ``DARKROOM_S3_MAX_ATTEMPTS`` (tries of one call,
  default 2): short, so a request whose store is down answers 503 within seconds instead of
  holding its worker. A refused connection fails at once (under a second with the retry's
  backoff), an address that drops packets after about ``attempts * connect + 1`` s (3 s), a store
  that accepts and then hangs after ``attempts * read + 1`` s (11 s).

How the contract maps onto S3:

- ``put`` sends a body shorter than ``part_size`` in one PUT and a longer one as a multipart
  upload of ``part_size`` parts, at most ``max_concurrency`` of them in flight, so a put holds
  at most ``(max_concurrency + 1) * part_size`` bytes whatever the body's length. S3 shows an
  object only once its PUT (or CompleteMultipartUpload) succeeds, so readers see the old value
  or the whole new one. A put that fails aborts its multipart upload; one whose process dies
  leaves an incomplete upload that no reader or ``keys`` sees, and that a bucket lifecycle rule
  (``AbortIncompleteMultipartUpload``) should clear.
- S3 lets ``a`` and ``a/b`` coexist; the contract does not, so ``put`` first looks for a key at
  each folder above the new key (HEAD) and for keys below it (LIST). S3 has no transactions, so
  two racing puts of ``a`` and ``a/b`` can both land; darkroom's own keys never collide.
- ``open`` returns the streaming GET body; ``open_range`` sends one ranged GET; ``size`` and
  ``exists`` are HEADs; ``keys`` pages through ListObjectsV2 (``list_page_size`` per page).

Errors: every boto3 exception is translated in one place (:meth:`S3Store._translated`), by error
code or exception class and never by message text: a missing key becomes ``NotFound``; a store
out of reach (connection refused or dropped, connect or read timeout, past the retries) becomes
``Unavailable("blob store")``, which the doors answer 503 like a database outage, and so does a
store that answers but cannot serve (``SlowDown``, ``ServiceUnavailable``, ``InternalError`` or
any 5xx past boto3's retries); anything else (missing bucket, refused credentials) becomes
:class:`~darkroom.storage.base.StorageError` with the S3 error code. Building the store is the
exception: a store unreachable then is a ``StorageError``, so a misconfigured endpoint stops
start-up instead of serving 503s. A HEAD answers a
missing bucket with a bare 404, so the bucket is checked once, when the store is built. The
credentials need ``s3:ListBucket`` on the bucket besides ``s3:GetObject``, ``s3:PutObject``,
``s3:DeleteObject`` and ``s3:AbortMultipartUpload``: without it S3 answers a HEAD of an absent
key with 403, which reads as refused access instead of an absent key.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, cast

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    SSLError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from darkroom.errors import Conflict, Invalid, NotFound, Unavailable
from darkroom.storage.base import (
    DEFAULT_CHUNK_SIZE,
    Readable,
    StorageError,
    check_key,
    check_prefix,
    check_range,
    is_key,
)

ENDPOINT_ENV = "DARKROOM_S3_ENDPOINT_URL"
"""Environment variable naming an S3-compatible endpoint (unset: AWS S3)."""

CONNECT_TIMEOUT_ENV = "DARKROOM_S3_CONNECT_TIMEOUT"
READ_TIMEOUT_ENV = "DARKROOM_S3_READ_TIMEOUT"
MAX_ATTEMPTS_ENV = "DARKROOM_S3_MAX_ATTEMPTS"

DEFAULT_CONNECT_TIMEOUT_S = 1.0
"""Seconds to open a connection: a store on the same network answers in milliseconds."""

DEFAULT_READ_TIMEOUT_S = 5.0
"""Seconds without a byte from the store (not for a whole transfer: a long GET keeps going)."""

DEFAULT_MAX_ATTEMPTS = 2
"""Tries of one call (boto3's standard retries: connection errors, throttling, 5xx)."""

OUTAGE_SERVICE = "blob store"
"""``Unavailable.service`` of a store out of reach."""

DEFAULT_REGION = "us-east-1"

MIN_PART_SIZE = 5 * 1024 * 1024
"""S3's smallest allowed multipart part (except the last)."""

DEFAULT_PART_SIZE = 8 * 1024 * 1024
"""Bytes per multipart part, and the largest body sent as one PUT."""

DEFAULT_MAX_CONCURRENCY = 2
"""Parts of one multipart put uploaded at once."""

MAX_LIST_PAGE_SIZE = 1000
"""The most keys one ListObjectsV2 call returns (S3's cap)."""

S3Client = Any
"""A boto3 S3 client (``boto3.client("s3")``); untyped, since boto3 ships no type hints."""

_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

# Error codes, as S3 puts them in error bodies; a HEAD has no body, so botocore uses the status.
_KEY_MISSING = frozenset({"NoSuchKey", "NotFound", "404"})
_BUCKET_MISSING = frozenset({"NoSuchBucket"})
_DENIED = frozenset(
    {
        "403",
        "AccessDenied",
        "AllAccessDisabled",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
    }
)
_UNSATISFIABLE = frozenset({"InvalidRange", "416"})
# The store is there but cannot serve now (throttled, overloaded, failing inside), still so after
# boto3's retries: an outage to wait out, like one of the network, not a misconfiguration.
_OVERLOADED = frozenset(
    {"SlowDown", "ServiceUnavailable", "RequestTimeout", "InternalError", "503", "500"}
)


class _RangeNotSatisfiable(Exception):
    """A ranged GET starting at or past the end of an object (which therefore exists)."""


class S3Store:
    """A ``BlobStore`` over ``bucket`` in S3, every key stored under ``prefix``.

    ``client`` is a boto3 S3 client (:func:`make_client` builds one with the settings darkroom
    wants). Raises ``StorageError`` if the bucket is missing or out of reach, and
    ``ValueError`` for a prefix that is not a valid key.
    """

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        prefix: str = "",
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        part_size: int = DEFAULT_PART_SIZE,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        list_page_size: int = MAX_LIST_PAGE_SIZE,
    ) -> None:
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        if max_concurrency <= 0:
            raise ValueError("max_concurrency must be positive")
        if not 0 < list_page_size <= MAX_LIST_PAGE_SIZE:
            raise ValueError(f"list_page_size must be 1 to {MAX_LIST_PAGE_SIZE}")
        prefix = prefix.strip("/")
        if prefix:
            try:
                check_key(prefix)
            except Invalid:
                raise ValueError("S3 key prefix must be a valid blob key") from None
        self._client = client
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self._chunk_size = chunk_size
        self._part_size = part_size
        self._max_concurrency = max_concurrency
        self._list_page_size = list_page_size
        try:
            with self._translated():
                client.head_bucket(Bucket=bucket)
        except Unavailable as error:
            cause = type(error.__cause__).__name__
            raise StorageError(f"cannot reach the S3 endpoint ({cause})") from None

    def __repr__(self) -> str:
        return f"S3Store({self.bucket!r}, {self.prefix!r})"

    def put(self, key: str, stream: Readable) -> int:
        name = self._name(key)
        self._check_layout(key)
        source = _FullReads(stream)
        first = source.read(self._part_size)
        if len(first) < self._part_size:
            with self._translated(key):
                self._client.put_object(Bucket=self.bucket, Key=name, Body=first)
            return len(first)
        return self._put_multipart(key, first, source)

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        with self._translated(key):
            body = self._client.get_object(Bucket=self.bucket, Key=name)["Body"]
        return cast(BinaryIO, _ObjectReader(self, key, body))

    def open_range(self, key: str, start: int, end: int | None) -> Iterator[bytes]:
        name = self._name(key)
        check_range(start, end)
        if end is not None and end <= start:
            self.size(key)  # NotFound for an absent key, even for an empty range
            return iter(())
        last = "" if end is None else str(end - 1)
        try:
            with self._translated(key):
                response = self._client.get_object(
                    Bucket=self.bucket, Key=name, Range=f"bytes={start}-{last}"
                )
        except _RangeNotSatisfiable:
            return iter(())
        return self._chunks(key, response["Body"])

    def size(self, key: str) -> int:
        name = self._name(key)
        with self._translated(key):
            return int(self._client.head_object(Bucket=self.bucket, Key=name)["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        name = self._name(key)
        with self._translated(key):
            self._client.delete_object(Bucket=self.bucket, Key=name)

    def local_path(self, key: str) -> Path | None:
        return None  # objects are sent by streaming them, or by a presigned redirect

    def presigned_url(self, key: str, seconds: int) -> str | None:
        """A URL that GETs ``key`` without credentials for ``seconds`` (signed here, no request
        to the endpoint)."""
        params = {"Bucket": self.bucket, "Key": self._name(key)}
        url: str = self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=seconds
        )
        return url

    def keys(self, prefix: str = "") -> Iterator[str]:
        check_prefix(prefix)
        return self._list(prefix, self._list_page_size)

    def _name(self, key: str) -> str:
        """The object name of ``key`` in the bucket."""
        return self.prefix + check_key(key)

    def _check_layout(self, key: str) -> None:
        """Refuse a key below another key, or one that other keys are below (a "folder")."""
        end = key.find("/")
        while end != -1:
            if self.exists(key[:end]):
                raise Conflict(f"blob key {key!r} is under the existing key {key[:end]!r}", key=key)
            end = key.find("/", end + 1)
        for _ in self._list(key + "/", 1):
            raise Conflict(f"blob key {key!r} is a folder of other keys", key=key)

    def _list(self, prefix: str, page_size: int) -> Iterator[str]:
        request = {"Bucket": self.bucket, "Prefix": self.prefix + prefix, "MaxKeys": page_size}
        while True:
            with self._translated():
                page = self._client.list_objects_v2(**request)
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix) :]
                if is_key(key):  # skip foreign objects, such as "folder/" markers
                    yield key
            if not page.get("IsTruncated"):
                return
            request["ContinuationToken"] = page["NextContinuationToken"]

    def _chunks(self, key: str, body: Any) -> Iterator[bytes]:
        try:
            while True:
                with self._translated(key):
                    chunk = body.read(self._chunk_size)
                if not chunk:
                    return
                yield chunk
        finally:
            body.close()

    def _put_multipart(self, key: str, first: bytes, source: _FullReads) -> int:
        name = self._name(key)
        with self._translated(key):
            upload = self._client.create_multipart_upload(Bucket=self.bucket, Key=name)
        upload_id = upload["UploadId"]
        try:
            parts, written = self._upload_parts(key, upload_id, first, source)
            with self._translated(key):
                self._client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=name,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            with contextlib.suppress(BotoCoreError, ClientError):
                self._client.abort_multipart_upload(
                    Bucket=self.bucket, Key=name, UploadId=upload_id
                )
            raise
        return written

    def _upload_parts(
        self, key: str, upload_id: str, first: bytes, source: _FullReads
    ) -> tuple[list[dict[str, Any]], int]:
        """Upload ``first`` and the rest of ``source`` as parts; return the parts and the size."""
        name = self._name(key)

        def send(number: int, data: bytes) -> dict[str, Any]:
            response = self._client.upload_part(
                Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=data
            )
            return {"PartNumber": number, "ETag": response["ETag"]}

        parts: list[dict[str, Any]] = []
        in_flight: deque[Future[dict[str, Any]]] = deque()
        written, number, chunk = 0, 1, first
        pool = ThreadPoolExecutor(self._max_concurrency, thread_name_prefix="s3-part")
        try:
            while chunk:
                if len(in_flight) >= self._max_concurrency:
                    with self._translated(key):
                        parts.append(in_flight.popleft().result())
                in_flight.append(pool.submit(send, number, chunk))
                written += len(chunk)
                number += 1
                chunk = source.read(self._part_size)
            while in_flight:
                with self._translated(key):
                    parts.append(in_flight.popleft().result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return parts, written

    @contextlib.contextmanager
    def _translated(self, key: str | None = None) -> Iterator[None]:
        """Turn boto3's exceptions into darkroom's: the one place that knows S3's error codes.

        ``key`` names the blob the call is about; without one, the call is about the bucket.
        """
        try:
            yield
        except ClientError as error:
            self._raise_for(error, key)
        except BotoCoreError as error:
            raise _transport_error(error) from error

    def _raise_for(self, error: ClientError, key: str | None) -> NoReturn:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _KEY_MISSING and key is not None:
            raise NotFound("blob", key) from None
        if code in _UNSATISFIABLE and key is not None:
            raise _RangeNotSatisfiable from None
        if code in _BUCKET_MISSING or code in _KEY_MISSING:
            raise StorageError(f"S3 bucket {self.bucket!r} does not exist", code=code) from error
        if code in _OVERLOADED or _status(error) >= 500:
            raise Unavailable(OUTAGE_SERVICE) from error
        if code in _DENIED:
            raise StorageError(
                f"S3 refused access to bucket {self.bucket!r} (check the credentials)", code=code
            ) from error
        operation = error.operation_name or "request"
        raise StorageError(f"S3 {operation} failed with {code or 'no code'}", code=code) from error


def _status(error: ClientError) -> int:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status if isinstance(status, int) else 0


def _transport_error(error: BotoCoreError) -> StorageError | Unavailable:
    """The darkroom error for a failure before or outside an S3 answer.

    Out of reach, whatever the phase: a connection refused, dropped or timed out while
    connecting (``ConnectionError``), or lost or silent while waiting for or reading the answer
    (``HTTPClientError``: closed connection, read timeout, broken stream). A TLS failure is not
    an outage but a configuration error (a certificate the client does not trust).
    """
    if isinstance(error, NoCredentialsError | PartialCredentialsError):
        return StorageError(
            "no usable S3 credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    if isinstance(error, SSLError):
        return StorageError(f"TLS with the S3 endpoint failed ({type(error).__name__})")
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return Unavailable(OUTAGE_SERVICE)
    return StorageError(f"S3 client failed ({type(error).__name__})")


class _FullReads:
    """Reads from a ``Readable`` until ``size`` bytes or the end, whatever its short reads."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream

    def read(self, size: int) -> bytes:
        chunk = self._stream.read(size)
        if len(chunk) in (0, size):
            return chunk
        buffer = bytearray(chunk)
        while len(buffer) < size and (chunk := self._stream.read(size - len(buffer))):
            buffer += chunk
        return bytes(buffer)


class _ObjectReader(io.RawIOBase):
    """A GET's streaming body as a read-only binary file, with errors translated."""

    def __init__(self, store: S3Store, key: str, body: Any) -> None:
        self._store = store
        self._key = key
        self._body = body

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        if self.closed:
            raise ValueError("read from a closed S3 object")
        with self._store._translated(self._key):
            return bytes(self._body.read(None if size is None or size < 0 else size))

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer: Any, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


def make_client(
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    session_token: str | None = None,
    max_pool_connections: int = 32,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
    read_timeout: float = DEFAULT_READ_TIMEOUT_S,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> S3Client:
    """A boto3 S3 client as darkroom uses it: path-style for custom endpoints, short timeouts
    and few retries (see the module docstring for what they bound).

    Credentials and region left ``None`` come from boto3's usual chain (environment, ``~/.aws``,
    instance roles), the region falling back to ``us-east-1``. Checksums are only sent where S3
    requires them, since several S3-compatible services reject the newer checksum headers.
    """
    session = boto3.session.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        aws_session_token=session_token,
        region_name=region,
    )
    config = Config(
        s3={"addressing_style": "path" if endpoint_url else "auto"},
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_pool_connections=max_pool_connections,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        user_agent_extra="darkroom",
    )
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=session.region_name or DEFAULT_REGION,
        config=config,
    )


def from_url(rest: str, environ: Mapping[str, str]) -> S3Store:
    """The store an ``s3://`` URL names (``rest`` is what follows ``s3://``), set up from
    ``environ`` as the module docstring says.

    Raises ``ValueError`` (naming neither the URL nor any secret) for a bad URL or setting, and
    for a bucket that is missing or out of reach.
    """
    if any(mark in rest for mark in "@?#"):
        raise ValueError(
            "s3:// storage URL takes only a bucket and a prefix: credentials go in "
            f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the endpoint in {ENDPOINT_ENV}"
        )
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.fullmatch(bucket):
        raise ValueError("s3:// storage URL needs a valid bucket name (3-63 of a-z 0-9 . -)")
    endpoint = environ.get(ENDPOINT_ENV) or None
    if endpoint is not None and not re.fullmatch(r"https?://[^/@\s]+/?", endpoint):
        raise ValueError(f"{ENDPOINT_ENV} must be http(s)://host[:port], without credentials")
    access_key = environ.get("AWS_ACCESS_KEY_ID") or None
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY") or None
    if (access_key is None) != (secret_key is None):
        raise ValueError("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither")
    client = make_client(
        endpoint_url=endpoint,
        region=environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION"),
        access_key_id=access_key,
        secret_access_key=secret_key,
        session_token=environ.get("AWS_SESSION_TOKEN") or None,
        connect_timeout=_number(environ, CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT_S),
        read_timeout=_number(environ, READ_TIMEOUT_ENV, DEFAULT_READ_TIMEOUT_S),
        max_attempts=int(_number(environ, MAX_ATTEMPTS_ENV, DEFAULT_MAX_ATTEMPTS, whole=True)),
    )
    try:
        return S3Store(client, bucket, prefix)
    except StorageError as error:
        raise ValueError(f"S3 storage unusable: {error}") from None


def _number(environ: Mapping[str, str], name: str, default: float, *, whole: bool = False) -> float:
    """The positive number set in ``environ[name]`` (a whole one if ``whole``), else ``default``."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = 0
    if not value > 0:
        kind = "a whole number" if whole else "a number of seconds"
        raise ValueError(f"{name} must be {kind} above 0")
    return value
