"""The long-lived resources a darkroom process works with, built once from Settings."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from darkroom.config import Settings
from darkroom.core import metrics
from darkroom.core.eviction import Evictor
from darkroom.core.generation import Generation, watch
from darkroom.core.hot import HotBytes
from darkroom.core.lru import LRU
from darkroom.core.ratelimit import RenderLimiter
from darkroom.core.resolutions import Resolutions
from darkroom.core.signing import Signer
from darkroom.core.stored_specs import StoredSpecs
from darkroom.core.throttle import LoginThrottle
from darkroom.db.engine import READ_ONLY, make_engine, make_sessionmaker, transaction
from darkroom.media import Limits
from darkroom.storage import BlobStore, open_store

if TYPE_CHECKING:
    from darkroom.core.variants import Delivery, Plan

T = TypeVar("T")

PLANS_REMEMBERED = 100_000


class SingleFlight:
    """Runs one computation per key at a time in this process; late callers wait for the first."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    def run(self, key: str, compute: Callable[[], T]) -> T:
        with self._guard:
            lock, waiters = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, waiters + 1)
        try:
            with lock:
                return compute()
        finally:
            with self._guard:
                lock, waiters = self._locks[key]
                if waiters == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, waiters - 1)


@dataclass
class Runtime:
    """Engine, sessions, blob store and the bounds on CPU work, shared by every request.

    Built from ``settings`` too: ``render_limiter`` (renders per anonymous client address) and
    ``evictor`` (the variant cache's byte budget and its batched use times).
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    store: BlobStore
    limits: Limits
    spool_dir: Path
    render_slots: threading.BoundedSemaphore
    generation: Generation
    resolutions: Resolutions
    hot: HotBytes
    # Per (blob, ask): the plan; per ETag: where a variant's bytes are (core/delivery.py).
    plans: LRU[Hashable, Plan] = field(default_factory=lambda: LRU(PLANS_REMEMBERED))
    known_variants: LRU[str, Delivery] = field(default_factory=lambda: LRU(PLANS_REMEMBERED))
    flights: SingleFlight = field(default_factory=SingleFlight)
    pool_watch: metrics.PoolWatch | None = None
    render_limiter: RenderLimiter = field(init=False)
    evictor: Evictor = field(init=False)
    signer: Signer = field(init=False)  # signed, expiring links (core/signing.py)
    login_throttle: LoginThrottle = field(init=False)  # failed logins (core/throttle.py)
    stored_specs: StoredSpecs = field(init=False)  # refusals from memory (core/stored_specs.py)

    def __post_init__(self) -> None:
        self.signer = Signer.from_settings(self.settings.signing_keys, self.settings.data_dir)
        self.render_limiter = RenderLimiter(self.settings.render_rate, self.settings.render_burst)
        self.login_throttle = LoginThrottle(
            free=self.settings.login_free_failures,
            base=self.settings.login_backoff_seconds,
            cap=max(self.settings.login_backoff_max_seconds, self.settings.login_backoff_seconds),
        )
        self.evictor = Evictor(self, self.settings.variant_cache_bytes)
        self.stored_specs = StoredSpecs()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads. On SQLite it takes no write lock, so lookups on hot
        paths (public image delivery) are not queued behind uploads. Writing in it is a bug."""
        with (
            Session(
                self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
            ) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def peeking(self) -> Iterator[Connection]:
        """A read-only transaction on a bare connection, without an ORM session: for lookups of
        a row on hot paths (is this variant stored?), at a fraction of a session's cost."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                yield connection

    def ping(self) -> None:
        """Ask the database for ``SELECT 1``; whatever the driver raises on failure propagates
        (readiness probes report it)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @contextmanager
    def cpu_slot(self, work: str = "render") -> Iterator[None]:
        """Bounds concurrent decoding and encoding to the core count, so memory stays bounded.

        ``work`` (``render``, ``ingest``) labels the time spent waiting for the slot.
        """
        with metrics.queued_for_cpu(work):
            self.render_slots.acquire()
        try:
            with metrics.CPU_SLOTS_IN_USE.track_inprogress():
                yield
        finally:
            self.render_slots.release()

    def close(self) -> None:
        self.generation.close()
        self.evictor.close()  # writes the variant uses noted since the last batch
        if self.pool_watch is not None:
            self.pool_watch.close()
            self.pool_watch = None
        self.engine.dispose()


def open_runtime(settings: Settings, *, store: BlobStore | None = None) -> Runtime:
    engine = make_engine(settings.database_url)
    spool_dir = settings.data_dir / "spool"
    spool_dir.mkdir(parents=True, exist_ok=True)
    sessions = make_sessionmaker(engine)
    generation = Generation(
        settings.data_dir / "run" / "generation", engine, poll_seconds=settings.change_poll_seconds
    )
    watch(sessions, generation)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        store=store if store is not None else open_store(settings.storage_url),
        limits=Limits(
            max_pixels=settings.max_pixels,
            max_side=settings.max_side,
            max_frames=settings.max_frames,
        ),
        spool_dir=spool_dir,
        render_slots=threading.BoundedSemaphore(settings.render_concurrency),
        generation=generation,
        resolutions=Resolutions(generation),
        hot=HotBytes(settings.memory_cache_bytes),
        pool_watch=metrics.PoolWatch(engine),
    )
