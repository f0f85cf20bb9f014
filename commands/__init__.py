"""The ``flask`` CLI: one module per group, each exposing ``COMMANDS`` (click groups or commands).

A command's transactions may write while Tally serves (its worker writes every few seconds),
so on SQLite they start with the write lock (extensions.expect_writes), as a POST's do:
a transaction that read first and wrote later could otherwise fail at once with "database is
locked". `serve` and `worker` manage their own transactions.
"""
import functools

import click

from commands import (accounts, backup, demo, funnel, integrations, notifications, serve,
                      worker)
from extensions import expect_writes, forget_writes

MODULES = (accounts, funnel, integrations, demo, backup, serve, worker, notifications)
OWN_TRANSACTIONS = ("serve", "worker")


def register_commands(app) -> None:
    for module in MODULES:
        for command in module.COMMANDS:
            if command.name not in OWN_TRANSACTIONS:
                _writing(command)
            app.cli.add_command(command)


def _writing(command: click.Command) -> None:
    """Make ``command`` (each command of a group) run with write intent."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _writing(sub)
        return
    callback = command.callback
    if getattr(callback, "with_write_intent", False):
        return  # wrapped by an earlier create_app in this process

    @functools.wraps(callback)
    def with_write_intent(*args, **kwargs):
        token = expect_writes(True)
        try:
            return callback(*args, **kwargs)
        finally:
            forget_writes(token)

    with_write_intent.with_write_intent = True
    command.callback = with_write_intent
