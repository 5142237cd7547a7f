"""Query parameters of the Procore lists, parsed into core query objects (spec §1.1, §1.4, §2.1).

Every function here raises ``Invalid`` naming the parameter; routes call them inside
``errors.bad_request()`` so a bad value is a 400. Keys arrive percent-decoded; the Rails array
form ``filters[x][]=`` and the plain ``filters[x]=`` are folded together, and list values are
split on commas, so ``filters[id]=1,2`` and ``filters[id][]=1&filters[id][]=2`` are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from starlette.requests import Request

from darkroom.api.common.params import parse_bool, parse_int, parse_int_list
from darkroom.api.procore.syntax import (
    parse_bracket_params,
    parse_date_range,
    parse_page,
    parse_sort,
    parse_time_range,
)
from darkroom.core.bounds import MAX_LIST_ITEMS, MAX_NAME_CHARS, check_list, check_text
from darkroom.core.locations import LocationQuery
from darkroom.core.query import Deleted, ImageQuery
from darkroom.core.values import DateRange, Page, SortKey, TimeRange
from darkroom.errors import Invalid

Params = Mapping[str, Sequence[str]]

DEFAULT_PER_PAGE = 100  # D4
MAX_PER_PAGE = 1000  # D4: larger values are clamped
MAX_ID_RANGE = 10_000  # "a...b" in an id filter may name at most this many ids
MAX_LOCATION_IDS = MAX_ID_RANGE  # ids named by filters[location_id], ranges expanded

# D10: wire name -> column; a leading "-" in the column means the wire name sorts descending.
IMAGE_SORTS = {
    "created_at": "created_at",
    "taken_at": "taken_at",
    "deleted_at": "deleted_at",
    "exposure_date": "taken_at",
    "most_recent": "-created_at",
    "id": "id",
}
DEFAULT_IMAGE_SORT = (SortKey("created_at", descending=True),)  # ties: -id (core)

LOCATION_SORTS = {
    name: name for name in ("id", "name", "node_name", "code", "created_at", "updated_at")
}


class View(StrEnum):
    """``serializer_view`` values (spec §2.6)."""

    NORMAL = "normal"
    ANDROID = "android"
    MOBILE = "mobile"
    MOBILE_FEED = "mobile_feed"
    IDS_ONLY = "ids_only"
    PROSTORE_FILE = "prostore_file"


@dataclass(frozen=True)
class ImageList:
    query: ImageQuery
    page: Page
    view: View


def of(request: Request) -> dict[str, list[str]]:
    """The request's query, grouped by decoded key with ``[]`` folded into the plain key."""
    return parse_bracket_params(request.query_params.multi_items())


def one(params: Params, key: str) -> str | None:
    """The value of a scalar parameter; when repeated, the last one wins (as in Rails)."""
    values = params.get(key)
    return values[-1] if values else None


def page(params: Params) -> Page:
    return parse_page(
        one(params, "page"),
        one(params, "per_page"),
        default_size=DEFAULT_PER_PAGE,
        max_size=MAX_PER_PAGE,
    )


def image_list(params: Params) -> ImageList:
    """``GET /rest/v1.0/images``: filters, sort, page and view."""
    p = page(params)
    query = ImageQuery(
        ids=_ints(params, "filters[id]"),
        album_ids=_ints(params, "image_category_id") + _ints(params, "filters[image_category_id]"),
        created=_time_range(params, "filters[created_at]"),
        updated=_time_range(params, "filters[updated_at]"),
        log_date=_date_range(params, "filters[log_date]"),
        private=_only_if_true(params, "filters[private]"),
        starred=_only_if_true(params, "filters[starred]"),
        location_ids=_ids_or_ranges(params, "filters[location_id]"),
        include_sublocations=flag(params, "filters[include_sublocations]"),
        trade_ids=_ints(params, "filters[trade_ids]"),
        text=_text(params, "filters[query]"),
        deleted=_deleted(params),
        sort=_sort(params, IMAGE_SORTS) or DEFAULT_IMAGE_SORT,
        offset=p.offset,
        limit=p.limit,
    )
    return ImageList(query=query, page=p, view=view(params))


def view(params: Params) -> View:
    text = one(params, "serializer_view")
    if text is None or not text.strip():
        return View.NORMAL
    try:
        return View(text.strip())
    except ValueError:
        allowed = ", ".join(v.value for v in View)
        raise Invalid(
            f"serializer_view must be one of {allowed}, got {text[:40]!r}",
            field="serializer_view",
        ) from None


def updated_range(params: Params) -> TimeRange | None:
    """``filters[updated_at]`` of ``ids_with_images``: a day, a timestamp or a range."""
    return _time_range(params, "filters[updated_at]")


def location_list(params: Params) -> tuple[LocationQuery, Page]:
    """``GET .../locations``: the filters of spec §6, sort and page."""
    p = page(params)
    return _location_query(params, p), p


def _location_query(params: Params, p: Page) -> LocationQuery:
    return LocationQuery(
        ids=_ints(params, "filters[id]"),
        parent_ids=_ints(params, "filters[parent_id]"),
        codes=_strings(params, "filters[code]"),
        search=_text(params, "filters[search]"),
        search_with_code=_text(params, "filters[search_with_code]"),
        superlocations_for=_int(params, "filters[superlocations_for]"),
        sublocations_for=_int(params, "filters[sublocations_for]"),
        updated=_time_range(params, "filters[updated_at]"),
        depth=_depth_range(params, "filters[depth_range]"),
        sort=_sort(params, LOCATION_SORTS),
        offset=p.offset,
        limit=p.limit,
    )


def flag(params: Params, key: str) -> bool:
    """A boolean parameter; absent or blank is false."""
    text = one(params, key)
    return False if text is None or not text.strip() else parse_bool(text, field=key)


def _only_if_true(params: Params, key: str) -> bool | None:
    """Procore's ``private``/``starred``: true filters, false or absent does not."""
    return True if flag(params, key) else None


def _ints(params: Params, key: str) -> list[int]:
    return parse_int_list(params.get(key, ()), field=key, max_items=MAX_LIST_ITEMS)


def _int(params: Params, key: str) -> int | None:
    text = one(params, key)
    return None if text is None or not text.strip() else parse_int(text, field=key)


def _ids_or_ranges(params: Params, key: str) -> list[int]:
    """Ids, comma-separated or repeated; an item may be a range ``a...b`` ("a range of ids")."""
    plain: list[str] = []
    ranged: list[int] = []
    for value in params.get(key, ()):
        for item in value.split(","):
            if "..." not in item:
                plain.append(item)
                continue
            start, _, end = item.partition("...")
            low, high = parse_int(start, field=key), parse_int(end, field=key)
            if not 0 <= high - low < MAX_ID_RANGE:
                raise Invalid(
                    f"{key} range {item.strip()!r} must ascend and span under {MAX_ID_RANGE} ids",
                    field=key,
                )
            ranged.extend(range(low, high + 1))
            check_list(len(ranged), field=key, limit=MAX_LOCATION_IDS)  # expanded, not the span
    ids = parse_int_list(plain, field=key, max_items=MAX_LOCATION_IDS)
    check_list(len(ids) + len(ranged), field=key, limit=MAX_LOCATION_IDS)
    return list(dict.fromkeys([*ids, *ranged]))


def _strings(params: Params, key: str) -> list[str]:
    items = (item.strip() for value in params.get(key, ()) for item in value.split(","))
    found = list(dict.fromkeys(item for item in items if item))
    check_list(len(found), field=key)
    return [check_text(item, field=key, max_chars=MAX_NAME_CHARS) for item in found]


def _text(params: Params, key: str) -> str | None:
    """Search text: one line, bounded (PostgreSQL cannot compare text holding NUL)."""
    text = one(params, key)
    if text is None or not text.strip():
        return None
    return check_text(text.strip(), field=key, max_chars=MAX_NAME_CHARS)


def _time_range(params: Params, key: str) -> TimeRange | None:
    text = one(params, key)
    return None if text is None or not text.strip() else parse_time_range(text, field=key)


def _date_range(params: Params, key: str) -> DateRange | None:
    text = one(params, key)
    return None if text is None or not text.strip() else parse_date_range(text, field=key)


def _depth_range(params: Params, key: str) -> tuple[int, int] | None:
    """``2`` or ``1...3``: tiers below the root, the root being depth 1."""
    text = one(params, key)
    if text is None or not text.strip():
        return None
    start, sep, end = text.partition("...")
    low = parse_int(start, field=key, minimum=1)
    high = parse_int(end, field=key, minimum=low) if sep else low
    return low, high


def _deleted(params: Params) -> Deleted:
    text = one(params, "filters[include_deleted]")
    if text is None or not text.strip():
        return Deleted.EXCLUDE
    choice = text.strip().lower()
    if choice in (Deleted.ONLY, Deleted.WITH):
        return Deleted(choice)
    raise Invalid(
        f"filters[include_deleted] must be only or with, got {text[:40]!r}",
        field="filters[include_deleted]",
    )


def _sort(params: Params, allowed: Mapping[str, str]) -> list[SortKey]:
    text = one(params, "sort")
    return [] if text is None else parse_sort(text, allowed=allowed)
