"""``flask backup PATH``: an online copy of the SQLite database, WAL included."""
import os
import sqlite3

import pytest

from extensions import db
from tests.test_pipeline import PAYLOAD, connect, post


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_copies_what_is_committed(app, client, server, runner, tmp_path):
    secret = connect(app, server.id)
    assert post(client, server.project_id, PAYLOAD, secret).json == {"status": "accepted"}
    target = tmp_path / "copy.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Backed up to {target}: 1 purchase"
    with sqlite3.connect(target) as copy:  # the purchase was still in the WAL when copied
        assert copy.execute("SELECT transaction_id FROM purchases").fetchall() == [("order-1",)]
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_never_overwrites(runner, tmp_path):
    target = tmp_path / "taken.db"
    target.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert target.read_bytes() == b"keep me"


def test_backup_explains_postgresql(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and "pg_dump" in result.output
        assert not (tmp_path / "copy.db").exists()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_backup_of_a_missing_database_writes_nothing(app, runner, tmp_path):
    database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with app.app_context():
        db.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    target = tmp_path / "copy.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "backup failed, nothing written" in result.output
    assert not target.exists() and not os.path.exists(database)
    result = runner.invoke(args=["backup", str(tmp_path / "no" / "such" / "dir.db")])
    assert result.exit_code == 1 and "cannot create" in result.output
