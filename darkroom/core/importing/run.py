"""An import: each file's album, sidecar and hash, then the same ingest as the doors, in parallel.

Resumable by content: a file whose bytes are already in its album under the same name is
"already present", so a rerun after Ctrl-C or a kill finishes the rest. Each image is written in
one transaction with all its metadata, so nothing half-imported is ever visible.
"""

from __future__ import annotations

import hashlib
import threading
import time
import zipfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from sqlalchemy import select

from darkroom.core import accounts, blobs, images, locations, spaces
from darkroom.core.access import Scope, SpaceRole, trusted_scope
from darkroom.core.images import Identity, NewImage
from darkroom.core.importing.albums import Destination, Target, resolve
from darkroom.core.importing.metadata import (
    XMP_SCAN_BYTES,
    Described,
    describe,
    with_embedded_xmp,
)
from darkroom.core.importing.outcomes import Outcome, Result, Summary, reason_of, refusal
from darkroom.core.importing.sources import Entry
from darkroom.core.liveness import live_rows
from darkroom.core.policy import AlbumPolicy
from darkroom.core.runtime import Runtime
from darkroom.core.sidecar import Sidecar
from darkroom.db.models import Image, Trade
from darkroom.errors import (
    DarkroomError,
    Duplicate,
)

HASH_CHUNK = 1024 * 1024
IN_FLIGHT_PER_WORKER = 4  # files read ahead per worker: enough to keep them busy, few in memory


def import_files(
    rt: Runtime,
    target: Target,
    found: Iterable[Entry],
    *,
    dry_run: bool = False,
    workers: int | None = None,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
) -> Summary:
    """Import every entry of ``found`` into ``target``; ``on_outcome`` hears of each file as it
    ends (in the calling thread). A KeyboardInterrupt lets the files being written finish, then
    propagates: what was acknowledged stays, a rerun does the rest."""
    importer = _Importer(rt, target, dry_run=dry_run)
    summary = Summary()
    started = time.perf_counter()
    pool_size = workers or rt.settings.render_concurrency
    pending: deque[Future[Outcome]] = deque()
    with ThreadPoolExecutor(pool_size, thread_name_prefix="import") as pool:
        try:
            for entry, ordinal in _numbered(found, target):
                pending.append(pool.submit(importer.one, entry, ordinal))
                if len(pending) >= pool_size * IN_FLIGHT_PER_WORKER:
                    _drain(pending, summary, on_outcome, all_of_them=False)
            _drain(pending, summary, on_outcome, all_of_them=True)
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            summary.seconds = time.perf_counter() - started
    return summary


def _numbered(found: Iterable[Entry], target: Target) -> Iterator[tuple[Entry, int]]:
    """Each entry with its place among the files bound for the same album (walk order)."""
    seen: Counter[str] = Counter()
    for entry in found:
        group = target.album_name(entry)
        seen[group] += 1
        yield entry, seen[group]


def _drain(
    pending: deque[Future[Outcome]],
    summary: Summary,
    on_outcome: Callable[[Outcome], None],
    *,
    all_of_them: bool,
) -> None:
    while pending:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in [f for f in pending if f in done]:
            pending.remove(future)
            outcome = future.result()
            summary.add(outcome)
            on_outcome(outcome)
        if not all_of_them:
            return


class _Importer:
    def __init__(self, rt: Runtime, target: Target, *, dry_run: bool) -> None:
        self.rt = rt
        self.target = target
        self.dry_run = dry_run
        self._lock = threading.Lock()  # albums, locations and trades are made once each
        self._albums: dict[tuple[object, ...], Destination] = {}
        self._locations: dict[tuple[str, ...], int] = {}
        self._scopes: dict[str, Scope] = {}
        self._claimed: set[tuple[int | None, str, str]] = set()

    def one(self, entry: Entry, ordinal: int) -> Outcome:
        try:
            return self._import(entry, ordinal)
        except Duplicate as duplicate:
            message = f"the same bytes are image {duplicate.existing_id}"
            return Outcome(entry.path, entry.size, Result.PRESENT, message=message)
        except DarkroomError as error:
            return refusal(entry, reason_of(error), error.message)
        except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as error:
            return refusal(entry, "unreadable", str(error) or type(error).__name__)

    def _import(self, entry: Entry, ordinal: int) -> Outcome:
        sha256, head = _hash(entry)
        described = with_embedded_xmp(describe(entry), head)
        restored = described.restored if self.target.album is None else None
        album = self._album(entry, restored)
        key = (None if album.row is None else album.row.id, sha256, described.name)
        with self._lock:
            claimed_before = key in self._claimed
            self._claimed.add(key)
        if claimed_before or self._present(album, sha256, described.name):
            return Outcome(entry.path, entry.size, Result.PRESENT)
        policy = AlbumPolicy.of(album.row) if album.row is not None else self._policy(restored)
        if self.dry_run:
            with entry.open() as stream:
                blobs.inspect(self.rt, stream, formats=policy.formats, max_bytes=policy.max_bytes)
            return Outcome(entry.path, entry.size, Result.WOULD_IMPORT)
        assert album.row is not None
        position = restored.position if restored is not None else album.base_position + ordinal
        new = self._new_image(described, restored, position)
        with entry.open() as stream:
            image = images.ingest(self.rt, self._scope_of(restored), album.row, stream, new)
        return Outcome(entry.path, entry.size, Result.IMPORTED, image_id=image.id)

    # --- albums ---------------------------------------------------------------------------------

    def _album(self, entry: Entry, restored: Sidecar | None) -> Destination:
        facts = restored.album if restored is not None else None
        name = self.target.album_name(entry)
        key: tuple[object, ...] = ("named", name) if facts is None else ("facts", facts)
        with self._lock:
            known = self._albums.get(key)
            if known is None:
                known = self._albums[key] = resolve(
                    self.rt, self.target, name, facts, make=not self.dry_run
                )
        return known

    def _policy(self, restored: Sidecar | None) -> AlbumPolicy:
        """The rules of an album a dry run would make."""
        if restored is not None:
            return restored.album.album_type().policy
        return self.target.album_type.policy

    def _present(self, album: Destination, sha256: str, name: str) -> bool:
        if album.row is None:
            return False
        with self.rt.reading() as session:
            found = session.scalar(
                select(Image.id)
                .where(
                    Image.album_id == album.row.id,
                    Image.blob_sha256 == sha256,
                    Image.name == name,
                    live_rows(),
                )
                .limit(1)
            )
        return found is not None

    # --- what the new image carries -------------------------------------------------------------

    def _new_image(self, described: Described, restored: Sidecar | None, position: int) -> NewImage:
        if restored is None:
            return NewImage(
                name=described.name,
                description=described.description,
                private=spaces.private_by_default(self.target.scope.space),
                taken_at=described.taken_at,
                gps_lat=described.gps_lat,
                gps_long=described.gps_long,
                position=position,
            )
        return NewImage(
            name=restored.name,
            description=restored.description,
            alt_text=restored.alt_text,
            private=restored.private,
            starred=restored.starred,
            log_date=restored.log_date,
            taken_at=restored.taken_at,
            gps_lat=restored.gps_lat,
            gps_long=restored.gps_long,
            location_id=self._location(restored.location),
            trade_ids=self._trades(restored.trades),
            extras=dict(restored.extras),
            identity=self._identity(restored),
            position=position,
        )

    def _location(self, tiers: tuple[str, ...] | None) -> int | None:
        if not tiers:
            return None
        with self._lock:
            known = self._locations.get(tiers)
            if known is None:
                with self.rt.transaction() as session:
                    node, _ = locations.find_or_create_path(session, self.target.scope, tiers)
                    known = self._locations[tiers] = node.id
        return known

    def _trades(self, names: tuple[str, ...]) -> list[int]:
        """The ids of the trades named, in the space or the one above it that keeps them (a
        project's company), made there if missing."""
        if not names:
            return []
        scope = self.target.scope
        with self._lock, self.rt.transaction() as session:
            chain = [scope.space_id, *(s.id for s in spaces.ancestors(session, scope.space))]
            found = {
                trade.name: trade.id
                for trade in session.scalars(
                    select(Trade).where(Trade.space_id.in_(chain), Trade.name.in_(names))
                )
            }
            for name in names:
                if name not in found:
                    trade = Trade(space_id=chain[-1], name=name, active=True)
                    session.add(trade)
                    session.flush()
                    found[name] = trade.id
        return [found[name] for name in names]

    def _identity(self, restored: Sidecar) -> Identity | None:
        """The exported ids, unless an image here holds one of them already (then new ones)."""
        identity = Identity(
            uuid=restored.uuid,
            public_id=restored.public_id,
            key=restored.key,
            created_at=restored.created_at,
            updated_at=restored.updated_at,
        )
        with self.rt.reading() as session:
            return None if images.identity_taken(session, identity) else identity

    def _scope_of(self, restored: Sidecar | None) -> Scope:
        """The exported image's uploader where a user of that name exists here, else the
        target's actor."""
        name = restored.uploader if restored is not None else None
        if name is None:
            return self.target.scope
        with self._lock:
            known = self._scopes.get(name)
            if known is None:
                with self.rt.reading() as session:
                    principal = accounts.find_principal(session, name)
                    known = (
                        self.target.scope
                        if principal is None
                        else trusted_scope(
                            self.target.scope.space,
                            accounts.actor_of(principal),
                            SpaceRole.MANAGER,
                        )
                    )
                self._scopes[name] = known
        return known


def _hash(entry: Entry) -> tuple[str, bytes]:
    """The SHA-256 of the entry's bytes, and its first bytes (where an XMP packet would be)."""
    digest = hashlib.sha256()
    head = b""
    with entry.open() as stream:
        while chunk := stream.read(HASH_CHUNK):
            if len(head) < XMP_SCAN_BYTES:
                head += chunk[: XMP_SCAN_BYTES - len(head)]
            digest.update(chunk)
    return digest.hexdigest(), head
