"""Trades: reference data of a space (a Procore company) that images are tagged with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core.access import Scope
from darkroom.core.errors import Forbidden, Invalid
from darkroom.core.models import Space, Trade


def create(session: Session, scope: Scope, name: str, *, active: bool = True) -> Trade:
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    trade = Trade(space_id=scope.space_id, name=name.strip(), active=active)
    session.add(trade)
    session.flush()
    return trade


def list_trades(session: Session, scope: Scope) -> list[Trade]:
    return list(
        session.scalars(select(Trade).where(Trade.space_id == scope.space_id).order_by(Trade.id))
    )


DEFAULT_TRADE = "General"


def add(session: Session, scope: Scope, name: str, *, active: bool = True) -> Trade:
    """A new trade of the scope's space, added by a manager or admin (trades are reference data)."""
    if not scope.actor.manages:
        raise Forbidden("only managers and admins add trades")
    return create(session, scope, name, active=active)


def ensure_default(session: Session, space: Space) -> None:
    """A space's first use gives it the trade "General", so tagging works from the start."""
    if session.scalar(select(Trade.id).where(Trade.space_id == space.id).limit(1)) is None:
        session.add(Trade(space_id=space.id, name=DEFAULT_TRADE, active=True))
        session.flush()
