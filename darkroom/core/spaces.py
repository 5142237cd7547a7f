"""Spaces: the tenant boundaries of the three APIs, found or created by (kind, external id)."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from darkroom.core.errors import Invalid
from darkroom.core.models import Space

MAX_EXTERNAL_ID = 128  # the width of spaces.external_id


class SpaceKind(StrEnum):
    PROCORE_COMPANY = "procore-company"
    PROCORE_PROJECT = "procore-project"
    MOOV_ACCOUNT = "moov-account"
    CYCLOS_USER = "cyclos-user"


def find(session: Session, kind: SpaceKind, external_id: str) -> Space | None:
    return session.scalar(select(Space).where(Space.kind == kind, Space.external_id == external_id))


def ensure(
    session: Session, kind: SpaceKind, external_id: str, *, parent: Space | None = None
) -> Space:
    """The space ``kind:external_id``, created if missing (safe under concurrent creators)."""
    existing = find(session, kind, external_id)
    if existing is not None:
        return existing
    space = Space(kind=kind, external_id=external_id, parent_id=parent.id if parent else None)
    try:
        with session.begin_nested():
            session.add(space)
    except IntegrityError:
        existing = find(session, kind, external_id)
        if existing is None:
            raise
        return existing
    return space


def ancestors(session: Session, space: Space) -> list[Space]:
    """The parents of ``space``, nearest first (a project's company)."""
    chain: list[Space] = []
    parent_id = space.parent_id
    while parent_id is not None and len(chain) < 8:
        parent = session.get(Space, parent_id)
        if parent is None:
            break
        chain.append(parent)
        parent_id = parent.parent_id
    return chain


def parse_ref(text: str) -> tuple[SpaceKind, str]:
    """``"moov-account:acct1"`` → (SpaceKind.MOOV_ACCOUNT, "acct1"), as the CLI names spaces."""
    kind_text, sep, external_id = text.partition(":")
    kinds = ", ".join(k.value for k in SpaceKind)
    if not sep or not external_id:
        raise Invalid(f"space must look like KIND:ID with KIND one of {kinds}", field="space")
    try:
        kind = SpaceKind(kind_text)
    except ValueError:
        raise Invalid(
            f"unknown space kind {kind_text!r}; use one of {kinds}", field="space"
        ) from None
    if (
        len(external_id) > MAX_EXTERNAL_ID
        or not external_id.isprintable()
        or any(c.isspace() for c in external_id)
    ):
        raise Invalid(
            f"space id must be 1-{MAX_EXTERNAL_ID} printable characters without spaces",
            field="space",
        )
    return kind, external_id


PRIVATE_BY_DEFAULT = "private_by_default"  # the space setting new images take ``private`` from


def private_by_default(space: Space) -> bool:
    """Whether new images of ``space`` are private unless the uploader says otherwise."""
    return bool((space.settings or {}).get(PRIVATE_BY_DEFAULT, False))
