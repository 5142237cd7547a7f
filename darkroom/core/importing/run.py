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
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from darkroom.core import accounts, albums, blobs, images, locations, spaces
from darkroom.core.access import Scope, SpaceRole, trusted_scope
from darkroom.core.images import Identity, NewImage
from darkroom.core.importing.metadata import (
    XMP_SCAN_BYTES,
    Described,
    describe,
    with_embedded_xmp,
)
from darkroom.core.importing.sources import Entry
from darkroom.core.liveness import live_rows
from darkroom.core.policy import AlbumPolicy, AlbumType
from darkroom.core.runtime import Runtime
from darkroom.core.sidecar import AlbumFacts, Sidecar
from darkroom.db.models import Album, Image, Trade
from darkroom.errors import (
    DarkroomError,
    Duplicate,
    Invalid,
    LimitExceeded,
    TooLarge,
    Unsupported,
)

HASH_CHUNK = 1024 * 1024
IN_FLIGHT_PER_WORKER = 4  # files read ahead per worker: enough to keep them busy, few in memory


class Result(StrEnum):
    IMPORTED = "imported"
    PRESENT = "already present"
    WOULD_IMPORT = "would import"
    REFUSED = "refused"


@dataclass(frozen=True)
class Outcome:
    """What became of one file; ``reason`` (refused) is a short category, ``message`` the detail."""

    path: str
    size: int
    result: Result
    reason: str | None = None
    message: str | None = None
    image_id: int | None = None


@dataclass
class Summary:
    counts: Counter[Result] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    bytes_in: int = 0
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.result] += 1
        if outcome.reason is not None:
            self.refused[outcome.reason] += 1
        if outcome.result in (Result.IMPORTED, Result.WOULD_IMPORT):
            self.bytes_in += outcome.size


@dataclass(frozen=True)
class Target:
    """Where files go: the album named ``album`` for all of them, or else each plain file to the
    album named after the folder or zip it came from (with ``per_folder``, the folder directly
    holding it) and each exported one back to its own album. Albums the import makes for plain
    files are of ``album_type``; with ``one_album``, plain files all go to the space's one album
    of that type (a Moov account's)."""

    scope: Scope
    album_type: AlbumType
    album: str | None = None
    one_album: bool = False
    per_folder: bool = False

    def album_name(self, entry: Entry) -> str:
        """The name of the album a plain file goes to ("" for the space's one album)."""
        if self.one_album:
            return ""
        if self.album is not None:
            return self.album
        return entry.folder if self.per_folder else entry.group


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


@dataclass(frozen=True)
class _Album:
    """An album files go to: its row (None in a dry run that would make it) and the position
    after which the import puts plain files."""

    row: Album | None
    base_position: int


class _Importer:
    def __init__(self, rt: Runtime, target: Target, *, dry_run: bool) -> None:
        self.rt = rt
        self.target = target
        self.dry_run = dry_run
        self._lock = threading.Lock()  # albums, locations and trades are made once each
        self._albums: dict[tuple[object, ...], _Album] = {}
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
            return _refusal(entry, reason_of(error), error.message)
        except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as error:
            return _refusal(entry, "unreadable", str(error) or type(error).__name__)

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

    def _album(self, entry: Entry, restored: Sidecar | None) -> _Album:
        facts = restored.album if restored is not None else None
        name = self.target.album_name(entry)
        key: tuple[object, ...] = ("named", name) if facts is None else ("facts", facts)
        with self._lock:
            known = self._albums.get(key)
            if known is None:
                known = self._albums[key] = self._resolve_album(name, facts)
        return known

    def _resolve_album(self, name: str, facts: AlbumFacts | None) -> _Album:
        opened = self.rt.reading() if self.dry_run else self.rt.transaction()
        with opened as session:
            if facts is not None and _held_elsewhere(session, self.target.scope, facts):
                facts = self._gallery_instead(facts)
            row = self._find_album(session, name, facts)
            if row is None and not self.dry_run:
                row = self._make_album(session, name, facts)
            return _Album(row, _last_position(session, row))

    def _gallery_instead(self, facts: AlbumFacts) -> AlbumFacts:
        """A gallery album of the same name, for an album whose outside id another space holds
        (an export imported beside its original): the images come back, the vendor link not."""
        return AlbumFacts.of(
            self.target.album_type,
            None,
            name=facts.name or f"{facts.kind} {facts.external_id}",
            private=facts.private,
            position=facts.position,
        )

    def _find_album(self, session: Session, name: str, facts: AlbumFacts | None) -> Album | None:
        scope = self.target.scope
        if facts is None and self.target.one_album:
            return albums.find(session, scope, self.target.album_type.kind)
        if facts is not None and facts.external_id is not None:
            return albums.find(session, scope, facts.kind, facts.external_id or None)
        kind = self.target.album_type.kind if facts is None else facts.kind
        return session.scalar(
            select(Album)
            .where(
                Album.space_id == scope.space_id,
                Album.kind == kind,
                Album.name == (name if facts is None else facts.name),
                Album.deleted_at.is_(None),
            )
            .order_by(Album.id)
            .limit(1)
        )

    def _make_album(self, session: Session, name: str, facts: AlbumFacts | None) -> Album:
        scope = self.target.scope
        if facts is None and self.target.one_album:
            return albums.ensure(session, scope, self.target.album_type)
        if facts is None:
            return albums.create(session, scope, self.target.album_type, name=name)
        if facts.external_id is None:
            made = albums.create(
                session,
                scope,
                facts.album_type(),
                name=facts.name,
                private=facts.private,
            )
        else:
            made = albums.ensure(
                session,
                scope,
                facts.album_type(),
                facts.external_id or None,
                name=facts.name,
            )
            made.private = facts.private
        made.position = facts.position
        return made

    def _policy(self, restored: Sidecar | None) -> AlbumPolicy:
        """The rules of an album a dry run would make."""
        if restored is not None:
            return restored.album.album_type().policy
        return self.target.album_type.policy

    def _present(self, album: _Album, sha256: str, name: str) -> bool:
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


def _held_elsewhere(session: Session, scope: Scope, facts: AlbumFacts) -> bool:
    """Whether another space has the album named by ``facts``' outside id (one across spaces)."""
    if not facts.external_id:
        return False
    held = select(Album.id).where(
        Album.kind == facts.kind,
        Album.external_id == facts.external_id,
        Album.space_id != scope.space_id,
    )
    return session.scalar(held.limit(1)) is not None


def _last_position(session: Session, album: Album | None) -> int:
    if album is None:
        return 0
    last = session.scalar(select(func.max(Image.position)).where(Image.album_id == album.id))
    return int(last or 0)


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


def reason_of(error: DarkroomError) -> str:
    """The short category a refusal is counted under in the summary."""
    if isinstance(error, LimitExceeded):
        return "album full"
    if isinstance(error, TooLarge):
        return "too large"
    if isinstance(error, Unsupported):
        return "not a supported image"
    if isinstance(error, Invalid):
        return "bad sidecar" if error.field == "sidecar" else "corrupt or truncated"
    return type(error).__name__.lower()


def _refusal(entry: Entry, reason: str, message: str) -> Outcome:
    return Outcome(entry.path, entry.size, Result.REFUSED, reason=reason, message=message)
