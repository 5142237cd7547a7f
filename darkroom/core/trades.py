"""Trades: reference data of a space (a Procore company) that images are tagged with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core.access import Scope
from darkroom.core.errors import Invalid
from darkroom.core.models import Trade


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
