"""One query object for every image list of every door, turned into one indexed SQL query.

The SQL is the same on SQLite and PostgreSQL but for the trade filter and one planner hint, because
the two planners go wrong in different places (docs/benchmarks.md, "List"): SQLite plans without
statistics, so a location filter is steered to its index (``_unindexed``); PostgreSQL costs index
probes as if they were disk reads and would read a whole project to find one trade's images, so
there the trade filter is a hashed filter on the newest-first walk (``_kept_as_filter``) and the
count goes from the project's tags, one probe per tagged image (``_count_statement``). A list of
one trade reads neither: its tags carry what the filters test, so its count and page are one
range of the tags' index on both databases (``core.trade_list``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Integer, Select, and_, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from darkroom.core import list_lookups, listed, page_rows, trade_list
from darkroom.core.access import Scope
from darkroom.core.liveness import unexpired_rows
from darkroom.core.records import ImagePage as ImageRecordPage
from darkroom.core.runtime import Runtime
from darkroom.core.values import DateRange, SortKey, TimeRange
from darkroom.db.models import Album, Image, ImageTrade, Location
from darkroom.errors import Invalid


class Deleted(StrEnum):
    EXCLUDE = "exclude"  # the default: live images only
    WITH = "with"
    ONLY = "only"  # the trash


SORTABLE: dict[str, Any] = {
    "id": Image.id,
    "created_at": Image.created_at,
    "updated_at": Image.updated_at,
    "taken_at": Image.taken_at,
    "deleted_at": Image.deleted_at,
    "log_date": Image.log_date,
    "position": Image.position,
    "name": Image.name,
    "uuid": Image.uuid,  # a stable tie-break for doors that order by creation time
}


@dataclass(frozen=True)
class ImageQuery:
    """Filters combine with AND; an empty tuple or None means "no filter"."""

    ids: Sequence[int] = ()
    album_ids: Sequence[int] = ()
    created: TimeRange | None = None
    updated: TimeRange | None = None
    log_date: DateRange | None = None
    private: bool | None = None
    starred: bool | None = None
    location_ids: Sequence[int] = ()
    include_sublocations: bool = False
    trade_ids: Sequence[int] = ()
    text: str | None = None
    deleted: Deleted = Deleted.EXCLUDE
    sort: Sequence[SortKey] = field(default=(SortKey("created_at", True),))
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True)
class ImagePage:
    items: list[Image]
    total: int


def list_images(session: Session, scope: Scope, query: ImageQuery) -> ImagePage:
    """The page of images of the scope's space that ``query`` selects, and how many match in all."""
    page, total = _page(session, scope, query)
    ordered = select(Image).where(Image.id.in_(page)).order_by(*_order(query.sort))
    return ImagePage(items=list(session.scalars(ordered).unique()), total=total)


def _page(session: Session, scope: Scope, query: ImageQuery) -> tuple[Select[Any], int]:
    """The statement selecting the ids of ``query``'s page, and how many images match in all."""
    page, count = _statements(session, scope, query)
    return page, session.connection().scalar(count) or 0


def _statements(
    session: Session, scope: Scope, query: ImageQuery
) -> tuple[Select[Any], Select[int]]:
    """The statements selecting the ids of ``query``'s page and counting its matches."""
    if query.offset < 0 or query.limit < 0:
        raise Invalid("offset and limit must not be negative", field="page")
    looked = _looked_up(session, scope, query)
    if trade_list.answers(query):
        from_tags = [
            listed.TAGS.space_id == scope.space_id,
            *_conditions(scope, query, looked, listed.TAGS),
        ]
        count = trade_list.count(query, from_tags)
        if trade_list.pages(query):
            return trade_list.page_ids(query, from_tags), count
        return _page_ids(_filtered(session, scope, query, looked), query), count
    filtered = _filtered(session, scope, query, looked)
    return _page_ids(filtered, query), _count_statement(session, scope, query, filtered, looked)


def _page_ids(filtered: Select[Image], query: ImageQuery) -> Select[Any]:
    # The page's ids first, then their rows: the ids come from index entries where the filters
    # allow, and only the page's images are read in full and joined to their blob and album
    # (sorting a 10,000-image location subtree as joined rows took 25 ms at 1,000,000 images).
    return (
        filtered.with_only_columns(Image.id)
        .order_by(*_order(query.sort))
        .offset(query.offset)
        .limit(query.limit)
        .correlate(None)
    )


def _count_statement(
    session: Session,
    scope: Scope,
    query: ImageQuery,
    filtered: Select[Image],
    looked: list_lookups.Lookups,
) -> Select[int]:
    """How many images ``filtered`` selects.

    On PostgreSQL a trade filter is counted from the project's tags of those trades (read from
    ``ix_image_trades_listed``), each tagged image tested against the other filters by
    one probe of ``ix_images_space_id``. Left to itself the planner joins the tags to every image
    of the project instead (100,000 index entries for 3,300 tags: 47 ms against 15 ms at
    1,000,000 images); ``OFFSET 0`` keeps the test a per-tag subquery (PostgreSQL's documented
    optimization fence). The cost grows with the tags, so a trade on most of a large project
    counts more slowly than the join would.
    """
    if not (query.trade_ids and _on_postgresql(session)):
        return select(func.count()).select_from(filtered.subquery())
    tags = _tags(scope, query.trade_ids)
    if len(set(query.trade_ids)) > 1:  # (image_id, trade_id) is the key: one trade, no repeats
        tags = tags.distinct()
    tagged = tags.subquery()
    others = _filtered(session, scope, replace(query, trade_ids=()), looked)
    shown = others.with_only_columns(literal(1)).where(Image.id == tagged.c.image_id).offset(0)
    return select(func.count()).select_from(tagged).where(shown.exists())


def _on_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _tags(scope: Scope, trade_ids: Sequence[int]) -> Select[int]:
    """The ids of the scope's images tagged with any of ``trade_ids`` (a tag names its image's
    space, so this reads one project's tags of a company trade)."""
    return select(ImageTrade.image_id).where(
        ImageTrade.trade_id.in_(trade_ids), ImageTrade.space_id == scope.space_id
    )


def _filtered(
    session: Session, scope: Scope, query: ImageQuery, looked: list_lookups.Lookups | None = None
) -> Select[Image]:
    if looked is None:
        looked = _looked_up(session, scope, query)
    in_space = Image.space_id == scope.space_id
    if query.location_ids:
        # SQLite plans without statistics (darkroom never runs ANALYZE) and takes `space_id = ?`
        # for as selective as `location_id IN (...)`, so it would read the whole project through
        # a space_id index for a small subtree. Written `+space_id` there, the scope test still
        # holds but leaves the plan to ix_images_location, whose entries also hold the sort and
        # visibility columns: count and page read the subtree's index entries only.
        in_space = _unindexed(Image.space_id) == scope.space_id
    stmt = select(Image).where(in_space, *_conditions(scope, query, looked, listed.IMAGES))
    if query.ids:
        stmt = stmt.where(Image.id.in_(query.ids))
    if query.updated is not None:
        stmt = stmt.where(_within(Image.updated_at, query.updated))
    if query.log_date is not None:
        stmt = stmt.where(Image.log_date.between(query.log_date.start, query.log_date.end))
    if query.trade_ids:
        # A company's trades tag images of all its projects; the tags carry the image's space. So
        # SQLite counts from this project's tags, looking each image up in ix_images_space_id,
        # and pages by walking the project newest first until `limit` tagged images turn up.
        # PostgreSQL pages the same way, testing each image against a hash of the tags. (One
        # trade is mostly read from its tags alone: ``core.trade_list``.)
        tagged = Image.id.in_(_tags(scope, query.trade_ids))
        stmt = stmt.where(_kept_as_filter(tagged) if _on_postgresql(session) else tagged)
    if query.text:
        stmt = stmt.where(_matches_text(query.text))
    return stmt


def _looked_up(session: Session, scope: Scope, query: ImageQuery) -> list_lookups.Lookups:
    return list_lookups.read(session, scope, query.location_ids, query.include_sublocations)


def _conditions(
    scope: Scope, query: ImageQuery, looked: list_lookups.Lookups, columns: listed.Listed
) -> list[Any]:
    """The visibility rule and the filters of ``query`` whose columns the trade tags copy,
    written on ``columns`` (of ``images`` or of the tags); the scope's space is the caller's."""
    conditions: list[Any] = [unexpired_rows(columns.expires_at)]
    if query.deleted is Deleted.EXCLUDE:
        conditions.append(columns.deleted_at.is_(None))
    elif query.deleted is Deleted.ONLY:
        conditions.append(columns.deleted_at.is_not(None))
    if not scope.manages:
        # What ``images.visible`` says: others' private images, and the images of private albums
        # the actor may not see, are left out. Most spaces have no such album, and then the
        # list keeps its index-only plans.
        mine = columns.uploader_id == scope.actor.principal_id
        conditions.append(or_(columns.private.is_(False), mine))
        if looked.hidden_album_ids:
            conditions.append(or_(columns.album_id.not_in(looked.hidden_album_ids), mine))
    if query.album_ids:
        conditions.append(columns.album_id.in_(query.album_ids))
    if query.created is not None:
        conditions.append(_within(columns.created_at, query.created))
    if query.private is not None:
        conditions.append(columns.private.is_(query.private))
    if query.starred is not None:
        conditions.append(columns.starred.is_(query.starred))
    if query.location_ids:
        conditions.append(columns.location_id.in_(looked.location_ids))
    return conditions


class _unindexed(FunctionElement[int]):
    """A column SQLite must not look up through an index: ``+column`` there (SQLite's way of
    taking a term out of index selection), the plain column everywhere else."""

    type = Integer()
    inherit_cache = True


@compiles(_unindexed)
def _plain_column(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_unindexed, "sqlite")
def _unary_plus_column(element: _unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


class _kept_as_filter(FunctionElement[bool]):
    """A condition ``IN (subquery)`` that PostgreSQL must test row by row, not join.

    PostgreSQL turns a top-level ``IN (subquery)`` into a join before planning, and then sorts the
    whole join for a page; under an ``OR`` it leaves it alone, and once ``OR false`` is folded away
    the condition is a hashed subplan: the subquery's rows are hashed once and each row of the
    scan is looked up as it comes, so a newest-first index walk stops after one page (3 ms
    instead of 38 ms for a trade's page at 1,000,000 images). Used on PostgreSQL only (SQLite
    plans a parenthesized ``IN`` differently); elsewhere it is the plain condition.
    """

    type = Boolean()
    inherit_cache = True


@compiles(_kept_as_filter)
def _plain_condition(element: _kept_as_filter, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_kept_as_filter, "postgresql")
def _condition_or_false(element: _kept_as_filter, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} OR false)"


def _within(column: Any, span: TimeRange) -> Any:
    return and_(column >= span.start, column < span.end)


def contains(column: Any, text: str) -> Any:
    """``column`` holds ``text``, case-insensitively (LIKE's wildcards in ``text`` are literal)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def sort_clauses(sort: Sequence[SortKey], sortable: dict[str, Any], what: str) -> list[Any]:
    """``ORDER BY`` terms for ``sort`` over the ``sortable`` columns; Invalid("sort") for others."""
    clauses: list[Any] = []
    for key in sort:
        column = sortable.get(key.field)
        if column is None:
            raise Invalid(f"cannot sort {what}by {key.field!r}", field="sort")
        clauses.append(column.desc() if key.descending else column.asc())
    return clauses


def _matches_text(text: str) -> Any:
    """Case-insensitive substring over name, description, album name and location path."""
    in_album = select(Album.id).where(contains(Album.name, text))
    at_location = select(Location.id).where(contains(Location.path, text))
    return or_(
        contains(Image.name, text),
        contains(Image.description, text),
        Image.album_id.in_(in_album),
        Image.location_id.in_(at_location),
    )


def _order(sort: Sequence[SortKey]) -> list[Any]:
    clauses = sort_clauses(sort, SORTABLE, "")
    # Ties broken by id in the direction of the first key, so pages never overlap.
    last_descending = sort[0].descending if sort else True
    clauses.append(Image.id.desc() if last_descending else Image.id.asc())
    return clauses


def album_ids_with_images(
    session: Session, scope: Scope, query: ImageQuery, *, kinds: Sequence[str] = ()
) -> list[int]:
    """The ids of live albums (of ``kinds``, if given) holding an image ``query`` selects.

    Ascending. Paging and sort of ``query`` are ignored; visibility is that of ``list_images``.
    """
    matching = _filtered(session, scope, query).subquery()
    stmt = select(Album.id).where(
        Album.id.in_(select(matching.c.album_id)), Album.deleted_at.is_(None)
    )
    if kinds:
        stmt = stmt.where(Album.kind.in_(kinds))
    return list(session.scalars(stmt.order_by(Album.id)))


def find_images(rt: Runtime, scope: Scope, query: ImageQuery) -> ImageRecordPage:
    """``list_images`` in a read-only transaction, answered with records read straight from rows
    (``core.page_rows``), the page and its total in one statement."""
    with rt.reading() as session:
        page, count = _statements(session, scope, query)
        items, total = page_rows.image_page(session, page, _order(query.sort), count)
        return ImageRecordPage(items=tuple(items), total=total)


def albums_with_images(
    rt: Runtime, scope: Scope, query: ImageQuery, *, kinds: Sequence[str] = ()
) -> list[int]:
    """``album_ids_with_images`` in a read-only transaction."""
    with rt.reading() as session:
        return album_ids_with_images(session, scope, query, kinds=kinds)
