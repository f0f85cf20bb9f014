"""``flask campaigns stats|cost``: the Campaign comparison and recording a cost, from a shell."""
import json

import click
from flask.cli import with_appcontext

from commands.accounts import _finish, _network, _run, campaigns_group, json_option
from extensions import db
from ledger import costs, funnel
from money import from_minor
from ledger.periods import Scope
from ledger.servers import server_by_project_id
from models import Campaign
from models.base import utc_today

CLI_ACTOR = "command line"


@campaigns_group.command("stats")
@click.argument("network")
@click.option("--server", "project_id", help="Only this Server (its project ID).")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First UTC day.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last UTC day.")
@json_option
@with_appcontext
def campaigns_stats(network, project_id, start, end, as_json):
    """Each Campaign of NETWORK (id or exact name), and organic (name null): new and returning
    players, buyers, conversion, net and cost per currency. Costs are the whole Network's."""
    net = _network(network)
    server_id = None
    if project_id:
        server = server_by_project_id(project_id, net.id)
        if server is None:
            raise click.ClickException(f"no Server with project ID {project_id} in {net.name}")
        server_id = server.id
    scope = Scope(net.id, server_id, start and start.date(), end and end.date())
    rows = funnel.comparison(scope, utc_today())
    data = {"campaigns": [row.as_json() for row in rows]}
    if as_json:
        click.echo(json.dumps(data))
        return
    for row in data["campaigns"]:
        click.echo(f"{row['name'] or '(no campaign)'}: {row['new_players']} new, "
                   f"{row['returning_players']} returning, {row['buyers']} buyers, "
                   f"net {_text(row['net'])}, cost {_text(row['cost'])}")


def _text(amounts: dict[str, str]) -> str:
    return ", ".join(f"{amount} {currency}" for currency, amount in amounts.items()) or "-"


@campaigns_group.command("cost")
@click.argument("network")
@click.argument("campaign")
@click.argument("amount")
@click.argument("currency")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="The day (or first day) of the spend.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]),
              help="Last day of a range; the spend spreads evenly over its days.")
@json_option
@with_appcontext
def campaigns_cost(network, campaign, amount, currency, first, last, as_json):
    """Record that CAMPAIGN (id or exact name) of NETWORK cost AMOUNT CURRENCY."""
    net = _network(network)
    found = _campaign(net.id, campaign)
    cost = _run(lambda: costs.add_cost(found, amount, currency, first.date(),
                                       last and last.date(), actor=CLI_ACTOR))
    _finish(as_json, {"id": cost.id, "campaign": found.name,
                      "amount": from_minor(cost.amount_minor, cost.currency),
                      "currency": cost.currency, "from": cost.first_day.isoformat(),
                      "to": cost.last_day.isoformat()},
            f"Recorded {from_minor(cost.amount_minor, cost.currency)} {cost.currency} for "
            f"{found.name}, {cost.first_day} to {cost.last_day}")


def _campaign(network_id: int, ref: str) -> Campaign:
    query = db.select(Campaign).filter_by(network_id=network_id)
    found = db.session.scalar(query.filter_by(id=int(ref))) if ref.isdigit() else None
    found = found or db.session.scalar(query.filter_by(name=ref))
    if found is None:
        raise click.ClickException(f"no Campaign {ref!r} in this Network")
    return found


COMMANDS = ()  # its commands belong to ``flask campaigns`` (commands.accounts)
