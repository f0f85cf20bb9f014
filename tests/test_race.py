"""1,000 copies of one signed delivery, sent at once to several server processes: one purchase."""
import http.client
import json
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest

import runtime
from extensions import db
from ledger import integrations
from models import Delivery, Integration, Purchase, Server
from providers import custom
from tests.live import gunicorn, wait_for_drain

COPIES = 1000


def _post(base: str, path: str, body: bytes, headers: dict) -> tuple[int, str]:
    parts = urlsplit(base)
    for attempt in range(5):  # a full accept queue can refuse a connection; a store would retry
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            result = response.status, json.loads(response.read() or b"{}").get("status", "")
            conn.close()
            return result
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.05 * (attempt + 1))
    return 0, "connection failed"


@pytest.mark.slow
def test_concurrent_copies_record_one_purchase(app, server, backend, figure):
    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server.id), "custom",
                                         runtime.secret_box())
        db.session.commit()
        db.engine.dispose()
    body = json.dumps({"transaction_id": "race-1", "username": "Steve", "amount": 4.99}).encode()
    headers = {"Content-Type": "application/json", "X-Signature": custom.sign(body, secret)}
    path = f"/api/webhooks/custom?projectId={server.project_id}"
    results: list = [None] * COPIES
    start = threading.Barrier(COPIES)

    def fire(i):
        start.wait()
        results[i] = _post(base, path, body, headers)

    with gunicorn(app, workers=4) as base:
        started = time.monotonic()
        threads = [threading.Thread(target=fire, args=(i,)) for i in range(COPIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - started
        wait_for_drain(app)  # gunicorn's embedded worker applies the one received delivery

    counts = Counter(results)
    assert counts == {(200, "accepted"): 1, (200, "duplicate"): COPIES - 1}, (counts, elapsed)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Purchase.id))) == 1
        outcomes = Counter(db.session.scalars(db.select(Delivery.outcome)))
        assert outcomes == {"accepted": 1, "duplicate": COPIES - 1}
        assert db.session.scalar(db.select(Integration.last_delivery_at)) is not None
    figure(f"race [{backend}]: {COPIES} concurrent copies to gunicorn -w 4 in {elapsed:.1f} s: "
           f"1 accepted, {counts[(200, 'duplicate')]} duplicate, 1 purchase")
