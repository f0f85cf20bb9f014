"""A second yardstick for bench/ingest (--floor): the least a webhook endpoint can do and still
answer only after a durable write. Bare Flask, Custom's signature check (providers.custom), a
JSON parse, and one INSERT ... ON CONFLICT DO NOTHING committed to SQLite in WAL mode through
sqlite3 directly: no delivery log, no rollups, no indexes, no SQLAlchemy, no extensions.
The gap between it and Tally is what Tally's own write costs."""
import json
import os
import sqlite3
import threading

from flask import Flask, request

from events import SignatureError
from providers.custom import verify

app = Flask(__name__)
_local = threading.local()


def _connection() -> sqlite3.Connection:
    if getattr(_local, "connection", None) is None:
        connection = sqlite3.connect(os.environ["BENCH_FLOOR_DB"], isolation_level=None,
                                     timeout=15)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("CREATE TABLE IF NOT EXISTS purchases (id INTEGER PRIMARY KEY, "
                           "transaction_id TEXT UNIQUE, username TEXT, amount TEXT)")
        _local.connection = connection
    return _local.connection


@app.post("/api/webhooks/custom")
def hook():
    body = request.get_data()
    try:
        verify(body, request.headers, os.environ["BENCH_FLOOR_SECRET"], request.args)
    except SignatureError as exc:
        return {"error": str(exc)}, 401
    data = json.loads(body)
    connection = _connection()
    connection.execute("BEGIN IMMEDIATE")
    inserted = connection.execute(
        "INSERT INTO purchases (transaction_id, username, amount) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING", (data["transaction_id"], data["username"],
                                   str(data["amount"]))).rowcount
    connection.execute("COMMIT")
    return {"status": "accepted" if inserted else "duplicate"}


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
