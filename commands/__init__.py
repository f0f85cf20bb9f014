"""The ``flask`` CLI: one module per group, each exposing ``cli`` (a click group or command)."""
from commands import accounts, backup, demo, integrations, notifications, serve, worker

MODULES = (accounts, integrations, demo, backup, serve, worker, notifications)


def register_commands(app) -> None:
    for module in MODULES:
        for command in module.COMMANDS:
            app.cli.add_command(command)
