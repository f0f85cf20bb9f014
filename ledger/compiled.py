"""Statements written in SQLAlchemy Core, compiled once per dialect and run straight on the
transaction's DB-API connection (the webhook path's statements are in ledger/prepared.py).

Executing a Core statement through SQLAlchemy costs about 40 µs of Python per call (cache
lookup, execution context, events, result wrapping); the SQLite statement itself takes
3 to 20 µs. A webhook runs about ten of them, inside SQLite's single write lock, so that
overhead was most of a webhook's cost. ``Prepared`` keeps the statement written in Core,
compiles it once per dialect, and then only converts the values (with the column types'
own bind and result processors, so rows read and write exactly as through SQLAlchemy) and
calls the driver, on the connection and in the transaction it is given (the session's, or
an extensions.DirectWrite).
Defaults are not applied: pass every column named in ``columns``. ``Sized`` does the same
for a statement over a list of rows.
"""
from __future__ import annotations

from operator import itemgetter

from sqlalchemy.engine import Connection

from extensions import db


class Prepared:
    def __init__(self, statement, columns: tuple[str, ...] | None = None):
        self.statement = statement
        self.columns = list(columns) if columns else None
        self._compiled: dict[str, _Compiled] = {}

    def execute(self, conn: Connection, params: dict):
        """Run once in ``conn``'s transaction; returns the DB-API cursor (fetchone...)."""
        compiled = self._for(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(compiled.sql, compiled.bind(params))
        return cursor

    def execute_many(self, conn: Connection, rows: list[dict]) -> None:
        if rows:
            compiled = self._for(conn.dialect)
            conn.connection.dbapi_connection.cursor().executemany(
                compiled.sql, [compiled.bind(row) for row in rows])

    def rows(self, conn: Connection, params: dict) -> list[tuple]:
        """Run a SELECT in ``conn``'s transaction; its rows, values converted back."""
        return self._for(conn.dialect).convert(self.execute(conn, params).fetchall())

    def read(self, params: dict) -> list[tuple]:
        """Run a SELECT on a pooled connection of its own, outside the session's transaction
        (on SQLite in autocommit: no write lock, whatever the request's method)."""
        compiled = self._for(db.engine.dialect)
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.sql, compiled.bind(params))
            return compiled.convert(cursor.fetchall())
        finally:
            connection.close()

    def _for(self, dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _Compiled(self.statement, self.columns, dialect)
        return found


class Sized:
    """A statement over a list of rows (a VALUES list), prepared once per size: 1, 2, 4 ...
    ``MOST`` rows. A list is padded to its size by repeating its last row, so ``build(n)``
    must make a statement that a repeated row does not change; a longer list is sent in
    parts. Building and compiling a VALUES list of a few hundred binds costs milliseconds,
    more than running it. ``MOST`` stays well below the length (256 rows) at which SQLite's
    planner turns the buyers' join around and scans the whole Buyer table."""

    MOST = 64

    def __init__(self, build, names: tuple[str, ...]):
        self.build, self.names = build, names  # build(n): the statement, binds name0...name{n-1}
        self._by_size: dict[int, Prepared] = {}

    def rows(self, conn: Connection, rows: list[tuple]) -> list[tuple]:
        """Run for every row of ``rows`` (a SELECT, or a write with RETURNING); the rows
        (a SELECT's rows for the padding's repeats may come more than once)."""
        found = []
        for start in range(0, len(rows), self.MOST):
            part = rows[start:start + self.MOST]
            size = 1 << (len(part) - 1).bit_length()
            statement = self._by_size.get(size)
            if statement is None:
                statement = self._by_size[size] = Prepared(self.build(size))
            part = part + [part[-1]] * (size - len(part))
            found += statement.rows(conn, {f"{name}{index}": value
                                           for index, row in enumerate(part)
                                           for name, value in zip(self.names, row)})
        return found


class _Compiled:
    """One statement compiled for one dialect: its SQL and how to convert values both ways."""

    def __init__(self, statement, columns, dialect):
        compiled = statement.compile(dialect=dialect, column_keys=columns)
        self.sql = compiled.string
        binds = compiled.binds
        self.names = list(compiled.positiontup if compiled.positional else binds)
        self.positional = compiled.positional
        self.literals = {name: bind.value for name, bind in binds.items()
                         if not bind.required}  # values written into the statement, None too
        self.getter = itemgetter(*self.names) if self.names else (lambda params: ())
        self.single = len(self.names) == 1  # itemgetter of one name returns the bare value
        self.processors = [(index, processor) for index, name in enumerate(self.names)
                           if (processor := _type(binds[name].type, dialect)
                               .bind_processor(dialect))]
        self.results = [_type(column.type, dialect).result_processor(dialect, None)
                        for column in getattr(statement, "selected_columns", ())]

    def bind(self, params: dict):
        values = self.getter(self.literals | params if self.literals else params)
        if self.single:
            values = (values,)
        if self.processors:
            values = list(values)
            for index, processor in self.processors:
                values[index] = processor(values[index])
        return tuple(values) if self.positional else dict(zip(self.names, values))

    def convert(self, rows: list) -> list[tuple]:
        if not any(self.results):
            return [tuple(row) for row in rows]
        return [tuple(p(v) if p else v for p, v in zip(self.results, row)) for row in rows]


def _type(type_, dialect):
    return type_.dialect_impl(dialect)
