"""``flask backup PATH``: a consistent copy of the SQLite database while Tally keeps running."""
import os
import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext

from extensions import db


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH (a new file), safely while Tally serves.

    Uses SQLite's online backup, so the copy is one consistent moment even while
    webhooks are being written (the WAL included). For PostgreSQL use pg_dump.
    """
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise click.ClickException(
            f"backup copies a SQLite database; this one is {url.get_backend_name()} "
            "(use pg_dump for PostgreSQL)")
    try:
        path.open("xb").close()  # claims the name: never overwrites, even in a race
    except FileExistsError:
        raise click.ClickException(f"{path} already exists; choose a new file") from None
    except OSError as exc:
        raise click.ClickException(f"cannot create {path}: {exc.strerror}") from None
    try:
        purchases = _copy(url.database, path)
    except sqlite3.Error as exc:
        path.unlink(missing_ok=True)
        raise click.ClickException(f"backup failed, nothing written: {exc}") from None
    click.echo(f"Backed up to {path}: {purchases:,} purchase{'' if purchases == 1 else 's'}")


def _copy(database: str, path: Path) -> int:
    """Copy ``database`` (opened read-only: a missing file is an error, not a new one)."""
    source = sqlite3.connect(f"file:{os.path.abspath(database)}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            return target.execute("SELECT count(*) FROM purchases").fetchone()[0]
        finally:
            target.close()
    finally:
        source.close()


COMMANDS = (backup,)
