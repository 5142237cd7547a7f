"""Fixed read statements, compiled once and sent together: one round trip for several lookups.

A list page looks up the albums, locations, uploaders and trades of its images by id, four
statements whose text never changes. Through SQLAlchemy each costs its statement machinery (cache
key, execution context, result object: about 0.3 ms of client CPU even for ``SELECT 1``) and, on
PostgreSQL, a round trip of its own. Here each is compiled once per database kind and, on
PostgreSQL, all are sent in one psycopg pipeline on the session's own connection (inside its
transaction), their rows converted by the columns' own result processors, as SQLAlchemy would.
Elsewhere (SQLite runs in the process: no round trips) they go through SQLAlchemy one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, Connection, Integer, Select, any_, bindparam
from sqlalchemy.engine import Dialect

Row = tuple[Any, ...]
_Converters = list[Callable[[Any], Any] | None]


class FixedRead:
    """One statement whose text never changes (only its bound values), for ``run_all``."""

    def __init__(self, stmt: Select[Any]) -> None:
        self.stmt = stmt
        self._compiled: dict[str, tuple[str, _Converters]] = {}

    def compiled(self, dialect: Dialect) -> tuple[str, _Converters]:
        """The SQL text in the driver's parameter style, and each column's result converter."""
        found = self._compiled.get(dialect.name)
        if found is None:
            text = str(self.stmt.compile(dialect=dialect))
            converters: _Converters = [
                column.type._cached_result_processor(dialect, None)
                for column in self.stmt.selected_columns
            ]
            found = self._compiled[dialect.name] = (text, converters)
        return found


def among(column: Any, postgresql: bool, name: str = "ids") -> Any:
    """``column`` among the ids bound as ``name``. On PostgreSQL one array parameter, so the
    statement text is the same for every page: psycopg prepares it and the server plans it once
    (an IN list is a new statement for each length)."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


def run_all(
    connection: Connection, reads: Sequence[tuple[FixedRead, Mapping[str, Any]]]
) -> list[list[Row]]:
    """The rows of each read, in order, within ``connection``'s transaction."""
    if connection.dialect.name != "postgresql":
        return [
            [tuple(row) for row in connection.execute(read.stmt, params)] for read, params in reads
        ]
    driver = connection.connection.driver_connection
    compiled = [read.compiled(connection.dialect) for read, _ in reads]
    cursors = [driver.cursor() for _ in reads]  # type: ignore[union-attr]
    with driver.pipeline():  # type: ignore[union-attr]
        for cursor, (text, _), (_, params) in zip(cursors, compiled, reads, strict=True):
            # What listens to the engine's statements (counts of round trips, tests) sees these
            # too, as it would through SQLAlchemy.
            connection.dispatch.before_cursor_execute(connection, cursor, text, params, None, False)
            cursor.execute(text, params, prepare=True)
    results = []
    for cursor, (_, converters) in zip(cursors, compiled, strict=True):
        rows = cursor.fetchall()
        cursor.close()
        results.append(_converted(rows, converters))
    return results


def _converted(rows: list[Row], converters: _Converters) -> list[Row]:
    """``rows`` with each value put through its column's converter (most columns have none)."""
    active = [(i, convert) for i, convert in enumerate(converters) if convert is not None]
    if not active:
        return rows
    converted = []
    for row in rows:
        values = list(row)
        for i, convert in active:
            values[i] = convert(values[i])
        converted.append(tuple(values))
    return converted
