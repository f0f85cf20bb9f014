"""The background worker: applies received deliveries, announces outbox events (Discord and
owners' endpoints), runs jobs (recounts after deletes) and periodic upkeep (pruning, expiry,
silent integrations). It owns its transactions, as views and commands do.

Embedded (TALLY_WORKER=embedded, the default): a thread in every process that serves
requests, started as `flask serve`'s gunicorn loads the app (else by the first request);
only the holder of the database lease works, and another process takes over when the
holder dies. `flask worker` runs the same loop in a process of its own (give the web
processes TALLY_WORKER=off then). On PostgreSQL several workers share the sending (FOR
UPDATE SKIP LOCKED); applying and upkeep stay with the lease holder, so deliveries are
applied in the order they were received.

With WORK_INLINE (the tests) a request applies what it received and runs due jobs before it
answers, so a test sees the result at once; nothing runs in the background.
"""
import threading

from extensions import db, expect_writes, forget_writes
from ledger import jobs, receipts
from worker.loop import Worker

_started: dict[int, threading.Thread] = {}
_lock = threading.Lock()


def init_app(app) -> None:
    app.before_request(lambda: start_embedded(app))
    app.after_request(_work_inline)


def start_embedded(app) -> None:
    """The embedded worker: one daemon thread per process, from when `flask serve`'s gunicorn
    loads the app (commands/serve.py) or its first request on, whichever comes first."""
    import os

    if app.config["WORKER"] != "embedded" or os.getpid() in _started:
        return
    with _lock:
        if os.getpid() in _started:
            return
        thread = threading.Thread(target=Worker(app).run, name="tally-worker", daemon=True)
        _started[os.getpid()] = thread
        thread.start()


def _work_inline(response):
    from flask import current_app

    if current_app.config.get("WORK_INLINE"):
        token = expect_writes(True)
        try:
            db.session.commit()
            receipts.apply_waiting()
            jobs.run_due()
            db.session.commit()
        finally:
            forget_writes(token)
    return response
