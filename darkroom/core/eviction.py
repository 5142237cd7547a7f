"""The variant cache's byte budget: stored variants are kept within
``DARKROOM_VARIANT_CACHE_BYTES``, and the least recently used are evicted first.

Two things make that work without a database write per request:

- **Uses are noted in memory** (``note_use``, a set insert) and written in batches, one
  ``UPDATE variants SET last_used_at = ... WHERE id IN (...)`` every ``FLUSH_EVERY`` seconds and
  when the runtime closes. A use is dated when its batch is written, so the order of eviction is
  exact to within ``FLUSH_EVERY``.
- **The stored total is an estimate**: the last ``SUM(byte_size)`` plus what this process has
  stored since (``note_stored``), summed again every ``RECOUNT_EVERY`` seconds while this
  process stores variants, since other instances store too. When the estimate passes the budget
  the total is summed for real and, if it is over, variants are evicted down to ``LOW_WATER`` of
  the budget, oldest ``last_used_at`` first: each batch's rows are deleted first, then their
  stored objects (a request that finds a row whose object is gone renders it again).

Eviction runs in a background thread, since a pass may delete thousands of objects, which takes
seconds on S3 (``background=False`` runs it in the thread that stored the variant, for tests
and one-off commands). One pass runs at a time in a process and, through the job lock
``variant-eviction``, one at a time across instances: an instance that finds the lock taken
skips its pass. Only rows of the ``variants`` table are ever evicted; originals and mezzanines
are named by ``blobs`` rows and are never touched here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, update

from darkroom.clock import monotonic, utcnow
from darkroom.core import joblocks, metrics
from darkroom.db.models import Variant

if TYPE_CHECKING:
    from darkroom.core.runtime import Runtime

FLUSH_EVERY = 5.0  # seconds between batched writes of noted uses
THREAD_NAME = "darkroom-variant-cache"  # the thread that writes them and evicts
RECOUNT_EVERY = 5.0  # seconds between sums of the stored total while this process stores (other
# workers and instances store too: a short interval keeps their overshoot small)
LOW_WATER = 0.9  # an eviction pass stops at this share of the budget
VARIANTS_PREFIX = "variants/"  # where variants' own bytes are stored
BATCH = 500  # rows per delete and ids per update
# Variants with bytes of their own. An original without location metadata is its own scrubbed
# copy: that row names the original's key, which is never evicted (nor counted).
_OWN_COPY = Variant.storage_key.startswith(VARIANTS_PREFIX)
MAX_NOTED = 100_000  # uses kept in memory at most (only a long database outage gets there)
LOCK_NAME = "variant-eviction"
LOCK_TTL = timedelta(minutes=5)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvictionReport:
    """What one pass did: ``skipped`` when another instance held the lock; ``stored_bytes``
    is the total after the pass (None when skipped)."""

    skipped: bool = False
    evicted: int = 0
    freed_bytes: int = 0
    stored_bytes: int | None = None


class Evictor:
    """Keeps one runtime's variants within ``budget`` bytes (0: no bound, uses still noted)."""

    def __init__(
        self,
        rt: Runtime,
        budget: int,
        *,
        background: bool = True,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.rt = rt
        self.budget = budget
        self.background = background
        self._clock = clock
        self._guard = threading.Lock()  # the fields below
        self._noted: set[int] = set()
        self._summed: int | None = None  # the last SUM(byte_size); None: not summed yet
        self._summed_at = 0.0
        self._pending = 0  # bytes this process stored since that sum began
        self._pass = threading.Lock()  # one eviction pass at a time in this process
        self._wake = threading.Event()
        self._worker: threading.Thread | None = None
        self._closed = False

    # --- what requests tell it (no I/O) -------------------------------------------------------

    def note_use(self, variant_id: int) -> None:
        """A request was answered with this stored variant."""
        if variant_id in self._noted:  # noted since the last batch (a read needs no lock)
            return
        with self._guard:
            if len(self._noted) < MAX_NOTED:
                self._noted.add(variant_id)
            crowded = len(self._noted) >= MAX_NOTED // 2
        if not self.background:
            if crowded:
                self.flush()
            return
        self._start()
        if crowded:
            self._wake.set()

    def note_stored(self, byte_size: int) -> None:
        """A new variant of ``byte_size`` bytes was stored (its row committed)."""
        with self._guard:
            self._pending += byte_size
            estimate = self._estimate()
            if estimate is not None:
                metrics.VARIANT_CACHE_BYTES.set(estimate)
            over = self.budget > 0 and (estimate is None or estimate > self.budget)
        if not self.background:
            if over:
                self.evict()
            return
        self._start()
        if over:
            self._wake.set()

    # --- the work (the background thread calls these; tests and the CLI may too) --------------

    def flush(self) -> int:
        """Write the noted uses now; how many variants were touched. Kept for the next flush
        when the database fails."""
        with self._guard:
            ids, self._noted = sorted(self._noted), set()
        if not ids:
            return 0
        now = utcnow()
        try:
            with self.rt.transaction() as session:
                for start in range(0, len(ids), BATCH):
                    chunk = ids[start : start + BATCH]
                    session.execute(
                        update(Variant).where(Variant.id.in_(chunk)).values(last_used_at=now)
                    )
        except BaseException:
            with self._guard:
                self._noted.update(ids[: MAX_NOTED - len(self._noted)])
            raise
        return len(ids)

    def stored_bytes(self) -> int:
        """``SUM(byte_size)`` of every stored variant, the base of the new estimate."""
        with self._guard:
            # Rows committed before this point are in the sum; stores noted from now on are
            # counted on top of it, even if the sum sees them too (too high is safe: it only
            # makes the next check come sooner).
            self._pending = 0
        with self.rt.reading() as session:
            stored = select(func.coalesce(func.sum(Variant.byte_size), 0)).where(_OWN_COPY)
            total = int(session.scalar(stored) or 0)
        with self._guard:
            self._summed, self._summed_at = total, self._clock()
            metrics.VARIANT_CACHE_BYTES.set(total + self._pending)
        return total

    def _estimate(self) -> int | None:
        """The stored total as far as this process knows (call holding ``_guard``)."""
        return None if self._summed is None else self._summed + self._pending

    def evict(self) -> EvictionReport:
        """One pass: when the stored total is over the budget, evict the least recently used
        down to ``LOW_WATER`` of it. Waits for a pass of this process in progress; skipped when
        another instance is evicting."""
        with self._pass:
            self.flush()  # uses noted so far count before victims are chosen
            total = self.stored_bytes()
            if self.budget <= 0 or total <= self.budget:
                return EvictionReport(stored_bytes=total)
            holder = joblocks.acquire(self.rt, LOCK_NAME, ttl=LOCK_TTL)
            if holder is None:
                return EvictionReport(skipped=True)
            try:
                return self._evict_to(int(self.budget * LOW_WATER))
            finally:
                joblocks.release(self.rt, LOCK_NAME, holder)

    def _evict_to(self, target: int) -> EvictionReport:
        total = self.stored_bytes()  # again, under the lock: another instance may have evicted
        evicted = freed = 0
        while total > target:
            with self.rt.reading() as session:
                oldest = session.execute(
                    select(Variant.id, Variant.byte_size)
                    .where(_OWN_COPY)
                    .order_by(Variant.last_used_at, Variant.id)
                    .limit(BATCH)
                ).all()
            if not oldest:
                break
            chosen, planned = [], 0
            for variant_id, byte_size in oldest:
                if total - planned <= target:
                    break
                chosen.append(variant_id)
                planned += byte_size
            with self.rt.transaction() as session:
                gone = session.execute(
                    delete(Variant)
                    .where(Variant.id.in_(chosen))
                    .returning(Variant.storage_key, Variant.byte_size)
                ).all()
            for row in gone:
                self._delete_object(row.storage_key)
            evicted += len(gone)
            freed += sum(row.byte_size for row in gone)
            metrics.VARIANT_EVICTIONS.inc(len(gone))
            metrics.VARIANT_EVICTED_BYTES.inc(sum(row.byte_size for row in gone))
            # Rows deleted meanwhile by someone else (a blob released) are in neither count:
            # when all the chosen ones vanished, sum again and choose from the new oldest.
            total = total - sum(row.byte_size for row in gone) if gone else self.stored_bytes()
        total = self.stored_bytes()
        return EvictionReport(evicted=evicted, freed_bytes=freed, stored_bytes=total)

    def _delete_object(self, key: str) -> None:
        if not key.startswith(VARIANTS_PREFIX):
            return  # an original's key (see _OWN_COPY): chosen by no query here, kept anyway
        try:
            self.rt.store.delete(key)
        except OSError:
            # The row is gone, so the bytes are unreachable; only their space is lost.
            logger.warning("evicted variant %s: its stored object could not be deleted", key)

    # --- the background thread ----------------------------------------------------------------

    def _start(self) -> None:
        if self._worker is not None or self._closed or not self.background:
            return
        with self._guard:
            if self._worker is None and not self._closed:
                self._worker = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
                self._worker.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(FLUSH_EVERY)
            self._wake.clear()
            if self._closed:
                return
            try:
                self._tick()
            except Exception:  # a database or store outage: try again next time
                logger.warning("variant cache upkeep failed; retrying", exc_info=True)

    def _tick(self) -> None:
        self.flush()
        with self._guard:
            estimate = self._estimate()
            recount = self._pending > 0 and self._clock() - self._summed_at >= RECOUNT_EVERY
            due = self.budget > 0 and (estimate is None or estimate > self.budget or recount)
        if due:
            self.evict()

    def close(self) -> None:
        """Stop the thread and write the uses noted so far (a failure is logged, not raised)."""
        self._closed = True
        self._wake.set()
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.join(timeout=30)
        try:
            self.flush()
        except Exception:
            logger.warning("variant uses could not be written at close", exc_info=True)
