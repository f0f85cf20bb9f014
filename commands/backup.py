"""``flask backup PATH``: a consistent copy of the SQLite database while Tally keeps running."""
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
    if path.exists():
        raise click.ClickException(f"{path} already exists; choose a new file")
    source = sqlite3.connect(url.database)
    try:
        target = sqlite3.connect(path)
        try:
            source.backup(target)
            purchases = target.execute("SELECT count(*) FROM purchases").fetchone()[0]
        finally:
            target.close()
    finally:
        source.close()
    click.echo(f"Backed up to {path}: {purchases:,} purchase{'' if purchases == 1 else 's'}")


COMMANDS = (backup,)
