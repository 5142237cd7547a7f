"""Scale-out: two darkroom server processes on one PostgreSQL database and one S3 bucket.

The cluster (conftest.py) is real processes over real HTTP: ``python -m darkroom serve`` twice,
each on its own loopback port and data folder, configured only through ``DARKROOM_*`` and
``AWS_*`` variables; the session's PostgreSQL server (tests/_postgres.py); and moto's S3 server
(tests/storage/_s3.py), which stands in for the S3 endpoint because no S3-compatible server
package installs on this machine (real deployments use MinIO or AWS S3). Requests are spread
over both instances; the test process provisions users, tokens and grants directly in the shared
database with core functions, and looks at what was stored there and in the bucket.

darkroom keeps no cache between requests yet, so "seen by the other instance" is checked with a
bound of zero: the very first request to the other instance after a change was acknowledged
sees it, with no waiting and no retry.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyvips
from sqlalchemy import func, select, text

from darkroom.api import vocabulary
from darkroom.clock import utcnow
from darkroom.core import accounts, gc, spaces
from darkroom.core.access import Role
from darkroom.core.blobs import blob_key
from darkroom.core.gc import BLOB_GRACE
from darkroom.db.models import Album, Blob, Image, Upload, Variant
from tests import images as samples
from tests._postgres import PostgresServer, stopped
from tests.api.cyclos.client import CyclosClient
from tests.cluster._cluster import ADMIN, PASSWORD, Cluster, Instance
from tests.storage._s3 import EmulatorProcess

RECOVERY_BOUND_S = 10.0  # how long the instances may take to answer again after the database
UNAVAILABLE = "the database cannot be reached; try again"
PROCORE_HEADERS = {
    "Accept": "application/json",
    "User-Agent": "OpenAPI-Generator/1.0.0/python",
    "Accept-Encoding": "identity",
}
_numbers = itertools.count(1)
_seeds = itertools.count(1000)


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_numbers)}"


def _path(url: str) -> str:
    """An absolute URL an instance handed out, as a path any instance answers."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _pixels(data: bytes) -> tuple[int, int, int, bytes]:
    image = pyvips.Image.new_from_buffer(data, "")
    return image.width, image.height, image.bands, image.write_to_memory()


# --- the three doors, provisioned in the shared database ----------------------------------------


def moov(cluster: Cluster, instance: Instance) -> httpx.Client:
    """The admin's Basic credentials (an admin's first write makes a Moov account)."""
    return cluster.client(instance, auth=ADMIN)


def moov_upload(client: httpx.Client, account: str, data: bytes) -> httpx.Response:
    files = {"image": ("photo.bin", data, "application/octet-stream")}
    return client.post(f"/accounts/{account}/images", files=files)


@dataclass
class ProcoreProject:
    """A company with one project, and users (each with an API token) granted the company."""

    cluster: Cluster
    company: int
    project: int
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, instance: Instance, who: str = "member") -> httpx.Client:
        headers = {
            **PROCORE_HEADERS,
            "Authorization": f"Bearer {self.tokens[who]}",
            "Procore-Company-Id": str(self.company),
        }
        return self.cluster.client(instance, headers=headers)

    @property
    def images(self) -> str:
        return f"/rest/v1.0/images?project_id={self.project}"

    def image(self, image_id: int, extra: str = "") -> str:
        return f"/rest/v1.0/images/{image_id}?project_id={self.project}{extra}"


def procore_project(cluster: Cluster, *users: str) -> ProcoreProject:
    number = next(_numbers)
    world = ProcoreProject(cluster, company=number, project=100_000 + number)
    with cluster.rt.transaction() as session:
        company = spaces.ensure(
            session, vocabulary.PROCORE_COMPANY, str(world.company), seeds=vocabulary.SEEDS
        )
        spaces.ensure(session, vocabulary.PROCORE_PROJECT, str(world.project), parent=company)
        for who in users or ("member",):
            principal = accounts.create_principal(session, f"{who}-{number}", role=Role.MEMBER)
            accounts.add_grant(session, principal, company)
            world.tokens[who] = accounts.issue_token(session, principal).token
    return world


def procore_upload(client: httpx.Client, world: ProcoreProject, data: bytes) -> httpx.Response:
    body = {"image_name": "site.jpg", "image": {"data": base64.b64encode(data).decode()}}
    return client.post(world.images, json=body)


def cyclos(cluster: Cluster, instance: Instance, user: str) -> CyclosClient:
    return CyclosClient(f"{instance.url}/api", username=user, password=PASSWORD)


# --- what every instance must still serve ---------------------------------------------------------


def assert_every_image_has_its_bytes(cluster: Cluster) -> None:
    """Every image row in the database (live, trashed or expired) still has its original bytes."""
    with cluster.rt.reading() as session:
        shas = set(session.scalars(select(Image.blob_sha256)))
    missing = [sha for sha in shas if not cluster.store.exists(blob_key(sha))]
    assert missing == []


def stored_shas(cluster: Cluster, prefix: str) -> dict[str, str]:
    """Stored keys under ``prefix`` (``blobs/``, ``mezzanines/``) → the blob sha they name."""
    found = {}
    for key in cluster.store.keys(prefix):
        name = key.rsplit("/", 1)[-1].split(".")[0]
        if len(name) == 64:
            found[key] = name
    return found


# --- 1. uploads through each door, read back from the other instance -----------------------------


def test_moov_upload_on_one_instance_is_read_back_from_the_other(cluster: Cluster) -> None:
    """Metadata the same (but for the link's host), and the public image the same pixels."""
    account = str(uuid.uuid4())
    for writer, reader in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        data = samples.png(64, 48, seed=next(_seeds))
        created = moov_upload(moov(cluster, writer), account, data)
        assert created.status_code == 201, created.text
        sent = created.json()

        read = moov(cluster, reader).get(f"/accounts/{account}/images/{sent['imageID']}")
        assert read.status_code == 200, read.text
        got = read.json()
        assert _path(got.pop("link")) == _path(sent.pop("link"))
        assert got == sent

        public = httpx.get(
            f"{reader.url}/images/{got['publicID']}", headers={"Accept": "image/png"}
        )
        assert public.status_code == 200
        assert _pixels(public.content) == _pixels(data)


def test_procore_upload_on_one_instance_is_read_back_from_the_other(cluster: Cluster) -> None:
    """The image JSON the same (but for URL hosts), and ``url`` the uploaded bytes."""
    world = procore_project(cluster)
    for writer, reader in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        data = samples.jpeg(80, 60, seed=next(_seeds))
        created = procore_upload(world.client(writer), world, data)
        assert created.status_code == 201, created.text
        sent = created.json()

        read = world.client(reader).get(world.image(sent["id"]))
        assert read.status_code == 200, read.text
        got = read.json()
        for name in ("url", "thumbnail_url"):
            assert _path(got.pop(name)) == _path(sent.pop(name))
        assert {k: _path(v) for k, v in got.pop("links").items()} == {
            k: _path(v) for k, v in sent.pop("links").items()
        }
        assert got == sent

        original = world.client(reader).get(_path(created.json()["url"]))
        assert original.status_code == 200
        assert original.content == data


def test_cyclos_upload_on_one_instance_is_read_back_from_the_other(cluster: Cluster) -> None:
    """The image view the same (but for URL hosts), and its content the uploaded bytes."""
    user = _unique("cyclist")
    cluster.add_user(user)
    for writer, reader in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        data = samples.png(40, 30, seed=next(_seeds))
        created = cyclos(cluster, writer, user).upload_user_image("self", ("me.png", data))
        assert created.status_code == 201, created.text
        image_id = created.text

        view = cyclos(cluster, reader, user).view_image(image_id)
        assert view.status_code == 200, view.text
        written = cyclos(cluster, writer, user).view_image(image_id).json()
        got = view.json()
        assert _path(got.pop("url")) == _path(written.pop("url"))
        assert got == written
        assert (got["id"], got["width"], got["height"]) == (image_id, 40, 30)

        content = cyclos(cluster, reader, user).get_image_content(image_id)
        assert content.status_code == 200
        assert content.content == data


# --- 2. concurrent identical uploads to a new account ---------------------------------------------


CONCURRENT_UPLOADS = 100


def test_concurrent_identical_uploads_to_a_new_account_make_one_image(cluster: Cluster) -> None:
    """100 identical Moov uploads at once to an account never written before, half on each
    instance: one 201, 99 409 naming that image, and one space, one album, one image stored.

    (If this fails with two albums, the cause is an album whose ``external_id`` is NULL escaping
    its unique constraint on PostgreSQL, being fixed in core/albums.py.)
    """
    account = str(uuid.uuid4())
    with cluster.rt.reading() as session:
        assert spaces.find(session, vocabulary.MOOV_ACCOUNT, account) is None
    for instance in cluster.instances:  # each checks the admin's password once (scrypt), now
        assert moov(cluster, instance).get(f"/accounts/{uuid.uuid4()}/images").json() == []
    data = samples.jpeg(96, 64, seed=next(_seeds))

    async def upload_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=CONCURRENT_UPLOADS)
        clients = [
            httpx.AsyncClient(base_url=i.url, auth=ADMIN, timeout=60, limits=limits)
            for i in cluster.instances
        ]
        files = {"image": ("same.jpg", data, "image/jpeg")}
        try:
            return await asyncio.gather(
                *(
                    clients[n % len(clients)].post(f"/accounts/{account}/images", files=files)
                    for n in range(CONCURRENT_UPLOADS)
                )
            )
        finally:
            for client in clients:
                await client.aclose()

    answers = asyncio.run(upload_all())

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: CONCURRENT_UPLOADS - 1}, [
        answer.text for answer in answers if answer.status_code not in (201, 409)
    ][:3]
    (winner,) = (answer.json() for answer in answers if answer.status_code == 201)
    assert {a.json()["imageID"] for a in answers if a.status_code == 409} == {winner["imageID"]}
    with cluster.rt.reading() as session:
        space = spaces.find(session, vocabulary.MOOV_ACCOUNT, account)
        assert space is not None
        albums = session.scalars(select(Album).where(Album.space_id == space.id)).all()
        stored = session.scalars(select(Image.uuid).where(Image.space_id == space.id)).all()
    assert [album.kind for album in albums] == [vocabulary.MOOV_IMAGES.kind]
    assert stored == [winner["imageID"]]


# --- 3. one variant, asked for on both instances at once ------------------------------------------


SAME_TIME_REQUESTS = 8  # per variant: half on each instance


def test_same_uncached_variant_on_both_instances_is_rendered_into_one_copy(
    cluster: Cluster,
) -> None:
    """``/images/{publicID}?size=123x45`` asked at once on both instances: every answer the same
    correct bytes (a 60x45 JPEG of a 640x480 one), and one variant row and one stored copy."""
    account = str(uuid.uuid4())
    created = moov_upload(moov(cluster, cluster.a), account, samples.jpeg(640, 480, seed=7))
    assert created.status_code == 201, created.text
    public_id = created.json()["publicID"]
    with cluster.rt.reading() as session:
        sha = session.scalar(select(Image.blob_sha256).where(Image.public_id == public_id))
        assert sha is not None
        assert session.scalar(select(func.count()).where(Variant.blob_sha256 == sha)) == 0

    async def ask_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.get(f"{cluster.instances[n % 2].url}/images/{public_id}?size=123x45")
                    for n in range(SAME_TIME_REQUESTS)
                )
            )

    answers = asyncio.run(ask_all())
    later = httpx.get(f"{cluster.b.url}/images/{public_id}?size=123x45")  # from the cache

    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in [*answers, later]}) == 1
    assert len({a.headers["etag"] for a in [*answers, later]}) == 1
    rendered = pyvips.Image.new_from_buffer(later.content, "")
    assert (rendered.width, rendered.height) == (60, 45)
    assert later.headers["content-type"] == "image/jpeg"
    with cluster.rt.reading() as session:
        rows = session.scalars(select(Variant).where(Variant.blob_sha256 == sha)).all()
    assert len(rows) == 1
    copies = list(cluster.store.keys(f"variants/{sha[:2]}/{sha}/"))
    assert copies == [rows[0].storage_key]
    with cluster.store.open(copies[0]) as stored:
        assert stored.read() == later.content


# --- 4. changes on one instance, seen by the other at once ----------------------------------------


def test_moov_delete_on_one_instance_is_seen_by_the_other_at_once(cluster: Cluster) -> None:
    """Deleted on a after b served it: b's very next metadata, public image and list miss it."""
    account = str(uuid.uuid4())
    created = moov_upload(moov(cluster, cluster.a), account, samples.png(seed=next(_seeds)))
    image = created.json()
    reader = moov(cluster, cluster.b)
    metadata = f"/accounts/{account}/images/{image['imageID']}"
    public = f"/images/{image['publicID']}"
    assert reader.get(metadata).status_code == 200
    assert reader.get(public).status_code == 200

    assert moov(cluster, cluster.a).delete(metadata).status_code == 204

    assert reader.get(metadata).status_code == 404
    assert reader.get(public).status_code == 404
    assert reader.get(f"/accounts/{account}/images").json() == []


def test_procore_trash_on_one_instance_is_seen_by_the_other_at_once(cluster: Cluster) -> None:
    """Into the recycle bin on a: gone from b's list, show and bytes, in b's bin; restored on b:
    back on a."""
    world = procore_project(cluster)
    a, b = world.client(cluster.a), world.client(cluster.b)
    created = procore_upload(a, world, samples.jpeg(seed=next(_seeds))).json()
    original = _path(created["url"])
    assert b.get(original).status_code == 200

    assert a.delete(world.image(created["id"])).status_code == 200

    assert b.get(world.image(created["id"])).status_code == 404
    assert b.get(original).status_code == 404
    assert [i["id"] for i in b.get(world.images).json()] == []
    binned = b.get(world.images + "&filters%5Binclude_deleted%5D=only").json()
    assert [i["id"] for i in binned] == [created["id"]]

    assert b.patch(_path(created["links"]["retrieve"])).status_code == 200

    assert a.get(world.image(created["id"])).status_code == 200
    assert a.get(original).status_code == 200


def test_procore_private_change_on_one_instance_is_seen_by_the_other_at_once(
    cluster: Cluster,
) -> None:
    """Made private on a by its uploader: hidden from a colleague on b; public again on b: the
    colleague sees it on a."""
    world = procore_project(cluster, "member", "colleague")
    member_a, member_b = world.client(cluster.a), world.client(cluster.b)
    colleague_a = world.client(cluster.a, "colleague")
    colleague_b = world.client(cluster.b, "colleague")
    created = procore_upload(member_a, world, samples.jpeg(seed=next(_seeds))).json()
    assert colleague_b.get(world.image(created["id"])).status_code == 200

    made_private = member_a.patch(world.image(created["id"]), json={"image": {"private": True}})
    assert made_private.json()["private"] is True

    assert colleague_b.get(world.image(created["id"])).status_code == 404
    assert colleague_b.get(world.images).json() == []

    made_public = member_b.patch(world.image(created["id"]), json={"image": {"private": False}})
    assert made_public.json()["private"] is False

    assert colleague_a.get(world.image(created["id"])).json()["private"] is False


# --- 5. gc started on two instances at once -------------------------------------------------------


GC_LOCK_WAIT_S = 30.0


def _waiting_on_job_locks(cluster: Cluster) -> int:
    with cluster.rt.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query ILIKE '%job_locks%'"
                )
            ).scalar_one()
        )


def test_gc_started_on_two_instances_at_once_collects_once(cluster: Cluster) -> None:
    """Two ``darkroom gc`` processes on the shared database and bucket: one collects (it removes
    bytes planted under a blob key without a row), the other reports "skipped"; afterwards every
    image row still has its bytes, and images just uploaded read back byte for byte.

    "At once" is made exact: the test holds an exclusive lock on ``job_locks`` until both
    processes wait on it (seen in ``pg_stat_activity``), so both go for the gc lock together.
    """
    world = procore_project(cluster)
    kept = {}
    for instance in cluster.instances:
        data = samples.jpeg(seed=next(_seeds))
        created = procore_upload(world.client(instance), world, data)
        assert created.status_code == 201
        kept[_path(created.json()["url"])] = data
    stray_bytes = uuid.uuid4().bytes
    stray_key = blob_key(hashlib.sha256(stray_bytes).hexdigest())
    cluster.store.put(stray_key, io.BytesIO(stray_bytes))

    with cluster.rt.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE job_locks IN ACCESS EXCLUSIVE MODE"))
        runs = [cluster.cli("gc"), cluster.cli("gc")]
        deadline = time.monotonic() + GC_LOCK_WAIT_S
        while _waiting_on_job_locks(cluster) < len(runs):
            assert all(run.poll() is None for run in runs), [run.communicate() for run in runs]
            assert time.monotonic() < deadline, "the gc processes never reached the gc lock"
            time.sleep(0.02)
        blocker.rollback()  # both go for the gc lock now
    outputs = [run.communicate(timeout=GC_LOCK_WAIT_S) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    skipped = [out for out, _ in outputs if out == "another instance is collecting; skipped\n"]
    collected = [out for out, _ in outputs if out.startswith("removed ")]
    assert (len(skipped), len(collected)) == (1, 1), outputs
    stray = re.search(r"(\d+) stray keys", collected[0])
    assert stray is not None and int(stray.group(1)) >= 1, collected
    assert not cluster.store.exists(stray_key)
    assert_every_image_has_its_bytes(cluster)
    for path, data in kept.items():
        assert world.client(cluster.b).get(path).content == data


# --- 7. the database restarted under load ---------------------------------------------------------


@dataclass
class Load:
    """Requests sent in a loop from threads until stopped, every answer (or failure) kept."""

    calls: list[Callable[[], httpx.Response]]
    seen: list[tuple[float, str, int]] = field(default_factory=list)  # (when, call, status)
    failures: list[str] = field(default_factory=list)
    uploaded: list[tuple[str, bytes]] = field(default_factory=list)  # (url path, bytes)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, threads: int = 2) -> None:
        for n in range(threads):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self, offset: int) -> None:
        for n in itertools.count(offset):
            if self._stop.is_set():
                return
            call = self.calls[n % len(self.calls)]
            try:
                answer = call()
            except httpx.HTTPError as error:
                self.failures.append(f"{getattr(call, '__name__', call)}: {error!r}")
                continue
            self.seen.append((time.monotonic(), getattr(call, "__name__", "?"), answer.status_code))

    def wait_for(self, predicate: Callable[[tuple[float, str, int]], bool], count: int) -> None:
        deadline = time.monotonic() + RECOVERY_BOUND_S
        while sum(1 for item in list(self.seen) if predicate(item)) < count:
            assert time.monotonic() < deadline, Counter(status for _, _, status in self.seen)
            time.sleep(0.02)


def _assert_503(answer: httpx.Response, body: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "1"
    assert answer.json() == body


def test_database_restarted_under_load_answers_503_then_recovers(
    cluster: Cluster, postgres_instance: PostgresServer
) -> None:
    """PostgreSQL stopped (``pg_ctl stop -m fast``) and started again while both instances take
    reads and uploads through every door: while it is down every door answers 503 with
    ``Retry-After: 1`` in its own error shape (Moov ``{"error"}``, Procore ``{"error",
    "message"}``, Cyclos ``{"kind", "exceptionType", "exceptionMessage"}``), never a 500 nor a
    dropped connection; within RECOVERY_BOUND_S of the restart every door answers 200 again on
    both instances, which were not restarted; every upload acknowledged meanwhile reads back."""
    account = str(uuid.uuid4())
    moov_image = moov_upload(moov(cluster, cluster.a), account, samples.png(seed=next(_seeds)))
    moov_id = moov_image.json()["imageID"]
    world = procore_project(cluster)
    procore_id = procore_upload(world.client(cluster.a), world, samples.jpeg(seed=1)).json()["id"]
    user = _unique("cyclist")
    cluster.add_user(user)
    cyclos_id = (
        cyclos(cluster, cluster.a, user)
        .upload_user_image("self", ("me.png", samples.png(seed=2)))
        .text
    )
    pids = [instance.pid for instance in cluster.instances]

    def reads(instance: Instance) -> dict[str, Callable[[], httpx.Response]]:
        moov_client, procore_client = moov(cluster, instance), world.client(instance)
        return {
            "moov": lambda: moov_client.get(f"/accounts/{account}/images/{moov_id}"),
            "procore": lambda: procore_client.get(world.image(procore_id)),
            "cyclos": lambda: cyclos(cluster, instance, user).view_image(cyclos_id),
        }

    doors = {instance.name: reads(instance) for instance in cluster.instances}
    load = Load([call for calls in doors.values() for call in calls.values()])
    seeds = itertools.count(10_000)
    for instance in cluster.instances:
        procore_client = world.client(instance)

        def upload(client: httpx.Client = procore_client) -> httpx.Response:
            data = samples.jpeg(seed=next(seeds))
            answer = procore_upload(client, world, data)
            if answer.status_code == 201:
                load.uploaded.append((_path(answer.json()["url"]), data))
            return answer

        load.calls.append(upload)
    load.start()
    try:
        load.wait_for(lambda seen: seen[2] in (200, 201), 10)
        with stopped(postgres_instance):
            stopped_at = time.monotonic()
            for calls in doors.values():
                message = {"error": UNAVAILABLE}
                _assert_503(calls["moov"](), message)
                _assert_503(calls["procore"](), {**message, "message": UNAVAILABLE})
                _assert_503(
                    calls["cyclos"](),
                    {
                        "kind": "general",
                        "exceptionType": "Unavailable",
                        "exceptionMessage": UNAVAILABLE,
                    },
                )
            load.wait_for(lambda seen: seen[2] == 503 and seen[0] > stopped_at, 10)
        started_at = time.monotonic()
        for calls in doors.values():
            for name, call in calls.items():
                while (status := call().status_code) != 200:
                    assert status == 503, (name, status)
                    assert time.monotonic() - started_at < RECOVERY_BOUND_S, name
                    time.sleep(0.02)
        load.wait_for(lambda seen: seen[2] == 201 and seen[0] > started_at, 2)
    finally:
        load.stop()

    assert load.failures == []
    assert {status for _, _, status in load.seen} <= {200, 201, 503}
    assert [instance.pid for instance in cluster.instances] == pids
    assert all(instance.alive() for instance in cluster.instances)
    for path, data in load.uploaded:
        assert world.client(cluster.b).get(path).content == data


# --- 6. one instance killed in the middle of a stream of uploads ----------------------------------


STREAM = 24  # uploads, alternating between the instances
KILL_AFTER = 4  # acknowledged uploads of the victim before it is killed
IN_FLIGHT = 6  # uploads sent at a time


def test_instance_killed_mid_stream_loses_no_acknowledged_upload(cluster: Cluster) -> None:
    """Procore uploads stream to both instances (6 at a time) and b gets SIGKILL after its 4th
    201, with uploads in flight: every upload either instance acknowledged reads back byte for
    byte from a, before and after ``darkroom gc``.

    Orphans: an upload the kill cut off may leave a blob row without an image (its row is
    written before its bytes, and the image after both). After gc no stored bytes lack a blob
    row (gc removes such keys), every image row has its bytes, and the blob rows nothing refers
    to are all younger than gc's grace period, so a later gc removes them: collecting them at
    once (grace 0) removes only those and keeps every acknowledged upload readable.
    """
    world = procore_project(cluster)
    victim, survivor = cluster.b, cluster.a
    acknowledged: list[tuple[Instance, str, bytes]] = []  # (instance, url path, bytes)
    refused: list[tuple[Instance, str]] = []
    victim_acks = threading.Semaphore(0)
    clients = {instance.name: world.client(instance) for instance in cluster.instances}

    def send(n: int) -> None:
        instance = cluster.instances[n % 2]
        data = samples.jpeg(seed=20_000 + n)
        try:
            answer = procore_upload(clients[instance.name], world, data)
        except httpx.HTTPError as error:
            refused.append((instance, repr(error)))
            return
        if answer.status_code != 201:
            refused.append((instance, f"{answer.status_code} {answer.text[:200]}"))
            return
        acknowledged.append((instance, _path(answer.json()["url"]), data))
        if instance is victim:
            victim_acks.release()

    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        futures = [pool.submit(send, n) for n in range(STREAM)]
        for _ in range(KILL_AFTER):
            assert victim_acks.acquire(timeout=30)
        victim.kill()
        for future in futures:
            future.result()

    assert sum(1 for instance, _, _ in acknowledged if instance is victim) >= KILL_AFTER
    assert refused and {instance.name for instance, _ in refused} == {victim.name}, refused
    assert len(acknowledged) + len(refused) == STREAM

    def assert_acknowledged_readable() -> None:
        reader = world.client(survivor)
        for _, path, data in acknowledged:
            answer = reader.get(path)
            assert (answer.status_code, answer.content == data) == (200, True), path

    assert_acknowledged_readable()

    run = cluster.cli("gc")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert out.startswith("removed "), out

    assert_acknowledged_readable()
    assert_every_image_has_its_bytes(cluster)
    with cluster.rt.reading() as session:
        rows = set(session.scalars(select(Blob.sha256)))
        referenced = set(session.scalars(select(Image.blob_sha256))) | set(
            session.scalars(select(Upload.blob_sha256).where(Upload.blob_sha256.is_not(None)))
        )
        unreferenced_ages = [
            utcnow() - created
            for sha, created in session.execute(select(Blob.sha256, Blob.created_at))
            if sha not in referenced
        ]
    assert set(stored_shas(cluster, "blobs/").values()) <= rows
    assert set(stored_shas(cluster, "mezzanines/").values()) <= rows
    assert all(age < BLOB_GRACE for age in unreferenced_ages)

    report = gc.collect(cluster.rt, blob_grace=timedelta(0))
    assert report.blobs == len(unreferenced_ages)
    assert_acknowledged_readable()
    assert_every_image_has_its_bytes(cluster)


# --- 8. the blob store stopped and started again --------------------------------------------------


STORE_UNAVAILABLE = "the blob store cannot be reached; try again"


def _until(status: int, call: Callable[[], httpx.Response], what: str) -> httpx.Response:
    """``call()`` again until it answers ``status``, for at most RECOVERY_BOUND_S."""
    deadline = time.monotonic() + RECOVERY_BOUND_S
    while (answer := call()).status_code != status:
        assert time.monotonic() < deadline, (what, answer.status_code, answer.text[:200])
        time.sleep(0.05)
    return answer


def test_blob_store_down_answers_503_in_every_door_then_recovers(
    cluster: Cluster, s3_process: EmulatorProcess
) -> None:
    """The S3 endpoint's process killed (its port refuses connections) and started again: while
    it is down, bytes neither instance has rendered before and uploads answer 503 with
    ``Retry-After: 1`` in each door's error shape (a Moov public image, a Procore image file, a
    Cyclos image content, a Moov upload), metadata still answers, and ``/readyz`` says the store
    is not ready while the database is; once the store is back the same requests succeed on both
    instances, which were not restarted, with the right bytes."""
    account = str(uuid.uuid4())
    admin = {instance.name: moov(cluster, instance) for instance in cluster.instances}
    created = moov_upload(admin[cluster.a.name], account, samples.jpeg(320, 240, seed=next(_seeds)))
    public_id = created.json()["publicID"]
    world = procore_project(cluster)
    procore_data = samples.jpeg(seed=next(_seeds))
    procore_image = procore_upload(world.client(cluster.a), world, procore_data).json()
    procore_file = _path(procore_image["url"])
    user = _unique("cyclist")
    cluster.add_user(user)
    cyclos_id = (
        cyclos(cluster, cluster.a, user)
        .upload_user_image("self", ("me.png", samples.png(40, 30, seed=next(_seeds))))
        .text
    )
    pids = [instance.pid for instance in cluster.instances]

    def requests(instance: Instance, n: int) -> dict[str, Callable[[], httpx.Response]]:
        """Every door's request on ``instance``; the sizes are the n-th instance's own."""
        procore_client = world.client(instance)

        def upload() -> httpx.Response:
            data = samples.jpeg(seed=next(_seeds))
            return moov_upload(admin[instance.name], account, data)

        return {
            "moov": lambda: httpx.get(f"{instance.url}/images/{public_id}?size={100 + n}x{75 + n}"),
            "procore": lambda: procore_client.get(procore_file),
            "cyclos": lambda: cyclos(cluster, instance, user).get_image_content(
                cyclos_id, width=20 + 2 * n
            ),
            "upload": upload,
        }

    doors = {i.name: requests(i, n) for n, i in enumerate(cluster.instances)}
    moov_error = {"error": STORE_UNAVAILABLE}
    with s3_process.stopped():
        for calls in doors.values():
            _assert_503(calls["moov"](), moov_error)
            _assert_503(calls["procore"](), {**moov_error, "message": STORE_UNAVAILABLE})
            _assert_503(
                calls["cyclos"](),
                {
                    "kind": "general",
                    "exceptionType": "Unavailable",
                    "exceptionMessage": STORE_UNAVAILABLE,
                },
            )
            _assert_503(calls["upload"](), moov_error)
            shown = world.client(cluster.a).get(world.image(procore_image["id"]))
            assert shown.status_code == 200  # metadata needs only the database
        for instance in cluster.instances:
            ready = _until(503, lambda i=instance: httpx.get(f"{i.url}/readyz"), instance.name)
            assert ready.json()["checks"] == {"database": "ok", "storage": "error: Unavailable"}

    for n, instance in enumerate(cluster.instances):
        _until(200, lambda i=instance: httpx.get(f"{i.url}/readyz"), instance.name)
        calls = doors[instance.name]
        variant = _until(200, calls["moov"], "moov")
        assert pyvips.Image.new_from_buffer(variant.content, "").width == 100 + n
        assert _until(200, calls["procore"], "procore").content == procore_data
        content = _until(200, calls["cyclos"], "cyclos")
        assert pyvips.Image.new_from_buffer(content.content, "").width == 20 + 2 * n
        _until(201, calls["upload"], "upload")
    assert [instance.pid for instance in cluster.instances] == pids
