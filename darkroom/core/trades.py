"""Trades: reference data of a space (e.g. a company) that images of it and its children are
tagged with. Anyone who may enter the space lists them; its managers (admins included) add them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from darkroom.core.access import Scope
from darkroom.core.records import TradeRecord, trade_record
from darkroom.core.runtime import Runtime
from darkroom.core.spaces import Seed
from darkroom.db.models import Space, Trade
from darkroom.errors import Forbidden, Invalid


def create(session: Session, scope: Scope, name: str, *, active: bool = True) -> Trade:
    if not name.strip():
        raise Invalid("name must not be empty", field="name")
    trade = Trade(space_id=scope.space_id, name=name.strip(), active=active)
    session.add(trade)
    session.flush()
    return trade


def starter(name: str) -> Seed:
    """A seed (``spaces.ensure``) giving a new space the trade ``name``, so tagging works from
    its first image."""

    def seed(session: Session, space: Space) -> None:
        session.add(Trade(space_id=space.id, name=name, active=True))
        session.flush()

    return seed


# --- what doors call: each opens its own transaction and answers with records ----------------


def find_all(rt: Runtime, scope: Scope) -> tuple[TradeRecord, ...]:
    """The trades of the scope's space, oldest first (none in an unborn space)."""
    with rt.reading() as session:
        rows = session.scalars(
            select(Trade).where(Trade.space_id == scope.space_id).order_by(Trade.id)
        )
        return tuple(trade_record(row) for row in rows)


def add(rt: Runtime, scope: Scope, name: str, *, active: bool = True) -> TradeRecord:
    """A new trade of the scope's space; only its managers (admins included) add reference data."""
    if not scope.manages:
        raise Forbidden("only managers of the company and admins add trades")
    with rt.transaction() as session:
        return trade_record(create(session, scope, name, active=active))
