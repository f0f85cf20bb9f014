"""``flask worker`` (the background worker in a process of its own) and ``flask ingest status``
(the receipts waiting to be applied)."""
import json
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from ledger import receipts
from worker.loop import Worker


@click.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then stop.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Apply received deliveries, send alerts and webhooks, run jobs and upkeep, until stopped.

    Run it beside web processes started with TALLY_WORKER=off. On PostgreSQL several may run
    at once; on SQLite one works at a time (the others wait for its lease)."""
    loop = Worker(current_app._get_current_object())
    if once:
        with current_app.app_context():
            while loop.tick():
                pass
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("Tally worker running (Ctrl-C to stop)")
    loop.run(stop)


@click.group("ingest")
def ingest_cli():
    """The webhook receipts."""


@ingest_cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def status(as_json: bool) -> None:
    """Deliveries received and not applied yet, and the age of the oldest."""
    backlog = receipts.backlog()
    age = backlog.oldest_age.total_seconds() if backlog.oldest_age is not None else None
    if as_json:
        click.echo(json.dumps({"waiting": backlog.waiting, "failed": backlog.failed,
                               "oldest_waiting_seconds": age}))
        return
    click.echo(f"{backlog.waiting} waiting to be applied"
               + (f", the oldest for {age:.1f} s" if age is not None else "")
               + f"; {backlog.failed} failed to apply (replay them from the delivery log)")


COMMANDS = (worker_command, ingest_cli)
