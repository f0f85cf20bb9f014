"""New SQLite databases get 1 KiB pages (extensions.SQLITE_PAGE_SIZE: a webhook writes less
to the WAL); an existing database keeps the page size it was made with, and its rows."""
import sqlite3

from sqlalchemy import create_engine, text

from extensions import SQLITE_PAGE_SIZE  # importing it registers the pragma listener


def _page_size(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]


def test_a_new_database_gets_small_pages(tmp_path):
    path = tmp_path / "new.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    assert SQLITE_PAGE_SIZE == 1024
    assert _page_size(path) == SQLITE_PAGE_SIZE


def test_an_existing_database_keeps_its_pages_and_rows(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size=4096")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (7)")
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar() == 7
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
    assert _page_size(path) == 4096
