"""The delivery pipeline every door sends images through, read top to bottom:

1. **resolve** the capability (public id, key, id) to its image, by the door's own lookup,
   which applies access; remembered in ``rt.resolutions`` when the answer is the same for
   everyone (``core/resolutions.py``), so a hit asks the database nothing;
2. **plan** what to send for the door's ``Ask``: the stored bytes, the stored bytes without
   location metadata, or a variant, named by its ETag, decided from the blob's hash and the spec
   alone (``core/renditions.py``), remembered per (blob, ask);
3. the caller answers ``If-None-Match`` now (no storage access), or sends bytes kept in memory
   (``rt.hot``, ``core/hot.py``);
4. **fetch** where the bytes are: the original, a cached variant (remembered per ETag), or a new
   rendition made once (``core/variants.py``).

Steps 1, 2 and the lookups of step 4 each have a ``remembered_*`` form that only reads memory, so
an event loop can try them without blocking; the other forms block (database, store, libvips).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable

from darkroom.core import metrics, renditions, variants
from darkroom.core.records import BlobRecord, ImageRecord
from darkroom.core.renditions import Ask
from darkroom.core.runtime import Runtime
from darkroom.core.tallies import Tally
from darkroom.core.variants import Delivery, Plan
from darkroom.errors import RateLimited

__all__ = [
    "Ask",
    "Delivery",
    "Plan",
    "fetch",
    "forget",
    "plan",
    "refusal_from_memory",
    "remembered_fetch",
    "remembered_image",
    "remembered_plan",
    "resolve",
]

_RESOLVED_FROM_MEMORY = Tally(metrics.RESOLUTION_LOOKUPS.labels("hit"))  # see core/tallies.py
_VARIANT_KNOWN = metrics.VARIANT_LOOKUPS.labels("hit")


def remembered_image(rt: Runtime, key: Hashable | None) -> ImageRecord | None:
    """The image ``key`` resolved to, if that is remembered and nothing changed since."""
    hit = rt.resolutions.get(key) if key is not None else None
    if hit is not None:
        _RESOLVED_FROM_MEMORY.inc()
    return hit


def resolve(rt: Runtime, key: Hashable | None, find: Callable[[], ImageRecord]) -> ImageRecord:
    """The image ``find`` looks up, remembered under ``key`` (None: the answer depends on who
    asks, so it is looked up every time). Whatever ``find`` raises (not found, not allowed)
    propagates and nothing is remembered."""
    if key is None:
        return find()
    hit = remembered_image(rt, key)
    if hit is not None:
        return hit
    metrics.RESOLUTION_LOOKUPS.labels("miss").inc()
    epoch = rt.resolutions.epoch()  # before the lookup: a change during it is not missed
    image = find()
    rt.resolutions.put(key, image, epoch)
    return image


def remembered_plan(rt: Runtime, blob: BlobRecord, ask: Ask) -> Plan | None:
    """``plan`` when it needs no storage access (made in memory if need be), else None."""
    found = rt.plans.get((blob.sha256, ask))
    if found is None:
        found = renditions.plan_from_memory(blob, ask)
        if found is not None:
            rt.plans.put((blob.sha256, ask), found)
    return found


def plan(rt: Runtime, blob: BlobRecord, ask: Ask) -> Plan:
    """What to send for ``blob`` under ``ask``, and its ETag."""
    found = rt.plans.get((blob.sha256, ask))
    if found is None:
        found = renditions.plan(rt, blob, ask)
        rt.plans.put((blob.sha256, ask), found)
    return found


def remembered_fetch(rt: Runtime, plan: Plan) -> Delivery | None:
    if plan.stored:
        return variants.original(plan.blob)
    known = rt.known_variants.get(plan.etag)
    if known is not None:
        _VARIANT_KNOWN.inc()
        if known.variant_id is not None:
            rt.evictor.note_use(known.variant_id)
    return known


def refusal_from_memory(rt: Runtime, plan: Plan, client: str | None) -> RateLimited | None:
    """The refusal ``fetch`` would raise for ``client``, when memory alone can tell: the client
    has no render left, and the variant is neither known here nor stored by the last reading
    of its blob's variants (``core/stored_specs.py``). None: ``fetch`` must decide."""
    if client is None or plan.spec is None or rt.known_variants.get(plan.etag) is not None:
        return None
    wait = rt.render_limiter.waiting(client)
    if wait is None or not rt.stored_specs.surely_absent(plan.blob.sha256, plan.spec.key):
        return None
    return RateLimited(math.ceil(wait), limit=rt.render_limiter.burst)


def fetch(rt: Runtime, plan: Plan, *, client: str | None = None) -> Delivery:
    """Where the bytes of ``plan`` are; renders them (once) when no stored copy exists, when
    ``client`` (None: one not limited) may have a render (``RateLimited`` when not)."""
    known = remembered_fetch(rt, plan)
    if known is not None:
        return known
    found = variants.fetch(rt, plan, client=client)
    rt.known_variants.put(plan.etag, found)
    return found


def forget(rt: Runtime, plan: Plan) -> None:
    """The stored copy ``fetch`` named is gone (the variant cache evicted it): look again."""
    rt.known_variants.discard(plan.etag)
