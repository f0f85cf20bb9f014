"""SQLite's WAL is copied back into the database by Tally's own checkpoints (the automatic
one is off on writing connections), so it stays small however many webhooks arrive."""
import json
import sqlite3

import pytest

import extensions
from providers.custom import sign
from tests.test_pipeline import connect


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_wal_stays_small_under_many_writes(app, client, server, monkeypatch):
    monkeypatch.setattr(extensions._checkpoint, "every", 20)
    secret = connect(app, server.id)
    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    for n in range(300):
        body = json.dumps({"transaction_id": f"t{n}", "username": f"p{n}", "amount": 1}).encode()
        response = client.post(f"/api/webhooks/custom?projectId={server.project_id}", data=body,
                               headers={"X-Signature": sign(body, secret)})
        assert response.status_code == 200
    with sqlite3.connect(database) as conn:  # reports the frames now in the WAL
        _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    # 300 purchases write about 20 pages each: without the checkpoints the WAL would hold
    # about 6,000 frames. Copied every 20 writes, it restarts and stays near 20 x 20.
    assert frames < 1500, frames
