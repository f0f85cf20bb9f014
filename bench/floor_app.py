"""A second yardstick for bench/ingest: the least a webhook endpoint can do and still answer
only after a durable write. Bare Flask, Custom's signature check (providers.custom), a JSON
parse, and one INSERT ... ON CONFLICT DO NOTHING committed through the database driver
directly: SQLite in WAL mode (BENCH_FLOOR_DB, a file) or PostgreSQL (BENCH_FLOOR_PG, a URL).
No delivery log, no indexes, no SQLAlchemy, no extensions. The gap between it and Tally is
what Tally's own write costs."""
import json
import os
import sqlite3
import threading

from flask import Flask, request

from events import SignatureError
from providers.custom import verify

app = Flask(__name__)
_local = threading.local()
TABLE = ("CREATE TABLE IF NOT EXISTS floor_purchases (id {key}, transaction_id TEXT UNIQUE, "
         "username TEXT, amount TEXT)")
INSERT = ("INSERT INTO floor_purchases (transaction_id, username, amount) VALUES ({0}, {0}, {0}) "
          "ON CONFLICT DO NOTHING")


def _sqlite():
    connection = sqlite3.connect(os.environ["BENCH_FLOOR_DB"], isolation_level=None, timeout=15)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(TABLE.format(key="INTEGER PRIMARY KEY"))

    def insert(values) -> int:
        connection.execute("BEGIN IMMEDIATE")
        inserted = connection.execute(INSERT.format("?"), values).rowcount
        connection.execute("COMMIT")
        return inserted
    return insert


def _postgres():
    import psycopg

    connection = psycopg.connect(os.environ["BENCH_FLOOR_PG"])
    with connection.transaction():
        connection.execute(TABLE.format(key="BIGSERIAL PRIMARY KEY"))

    def insert(values) -> int:
        with connection.transaction():
            return connection.execute(INSERT.format("%s"), values).rowcount
    return insert


def _insert(values) -> int:
    if getattr(_local, "insert", None) is None:
        _local.insert = _postgres() if os.environ.get("BENCH_FLOOR_PG") else _sqlite()
    return _local.insert(values)


@app.post("/api/webhooks/custom")
def hook():
    body = request.get_data()
    try:
        verify(body, request.headers, os.environ["BENCH_FLOOR_SECRET"], request.args)
    except SignatureError as exc:
        return {"error": str(exc)}, 401
    data = json.loads(body)
    inserted = _insert((data["transaction_id"], data["username"], str(data["amount"])))
    return {"status": "accepted" if inserted else "duplicate"}


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
