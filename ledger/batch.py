"""Writes that the applier's batch of deliveries makes together, at the end of the batch.

Inside ``batched(conn)`` (ledger.receipts.apply_waiting), instead of a statement per purchase:

* ``add(model, rows)``    — rollup changes are summed per row (model and unique key) and
  written with one upsert per table, each table's rows in key order, so concurrent
  transactions lock shared rows in the same order;
* ``later(statement, rows)`` — plain inserts (purchase items, outbox events) are sent with one
  executemany per statement;
* ``collect(function, item)`` — items that need a set-based write (ledger.rollups' buyers) are
  handed to ``function(conn, items)`` once, before the sums are written.

A reversal first writes the plain inserts made so far (``write_inserts``), so it sees the
items of a purchase earlier in the same batch (its outbox event names them).

Outside a batch each of these writes at once, so the webhook-free paths (the plugin's
fallback purchases, owners' corrections, tests) behave as before. Nothing is written when the
block raises: the caller's savepoint is rolled back then, and the applier retries one delivery
at a time without a batch.
"""
import contextvars
from contextlib import contextmanager

from ledger import prepared


class Batch:
    def __init__(self):
        self.sums: dict[tuple, dict] = {}
        self.inserts: dict[object, list[dict]] = {}
        self.collected: dict[object, list] = {}

    def write_inserts(self, conn) -> None:
        for statement, rows in self.inserts.items():
            statement.execute_many(conn, rows)
        self.inserts.clear()

    def add(self, model, rows: list[dict]) -> None:
        measures, key_of = prepared.MEASURES[model], prepared.KEY[model]
        for row in rows:
            key = (model, key_of(row))
            total = self.sums.get(key)
            if total is None:
                self.sums[key] = dict(row)
            else:
                for name in measures:
                    total[name] += row[name]

    def write(self, conn) -> None:
        self.write_inserts(conn)
        for model in prepared.MEASURES:  # each table's rows in key order (see above)
            rows = sorted(((key, row) for (kind, key), row in self.sums.items() if kind is model),
                          key=lambda item: tuple(str(v) for v in item[0]))
            if rows:
                prepared.UPSERT[model][conn.dialect.name].execute_many(conn, [r for _, r in rows])


_current: contextvars.ContextVar[Batch | None] = contextvars.ContextVar("batch", default=None)


def add(conn, model, rows: list[dict]) -> None:
    """Add each row's measures to the rollup row with its key (created at 0 if missing)."""
    batch = _current.get()
    if batch is None:
        prepared.UPSERT[model][conn.dialect.name].execute_many(conn, rows)
    else:
        batch.add(model, rows)


def later(conn, statement, rows: list[dict]) -> None:
    """Insert ``rows`` with the prepared ``statement``; in a batch, at its end."""
    batch = _current.get()
    if batch is None:
        statement.execute_many(conn, rows)
    else:
        batch.inserts.setdefault(statement, []).extend(rows)


def write_inserts(conn) -> None:
    """In a batch, write its plain inserts so far now: a reversal that follows its purchase
    in the same batch reads the purchase's items (for its outbox event)."""
    batch = _current.get()
    if batch is not None:
        batch.write_inserts(conn)


def collect(conn, function, item) -> None:
    """``function(conn, [item])`` now, or ``function(conn, items)`` once at the batch's end."""
    batch = _current.get()
    if batch is None:
        function(conn, [item])
    else:
        batch.collected.setdefault(function, []).append(item)


@contextmanager
def batched(conn):
    """Make the writes of the block together on ``conn`` when it ends without raising."""
    batch = Batch()
    token = _current.set(batch)
    try:
        yield
        for function, items in batch.collected.items():
            function(conn, items)  # may add sums: still inside the batch
    finally:
        _current.reset(token)
    batch.write(conn)
