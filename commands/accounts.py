"""``flask users|networks|servers|campaigns|creators|players``: set Tally up from a shell.

Every command takes ``--json`` to print one JSON object instead of text; errors exit non-zero.
"""
import json

import click
from flask.cli import with_appcontext

from events import PayloadError
from extensions import db
from ledger import accounts, campaigns
from ledger.players import record_joins
from ledger.servers import create_server, server_by_project_id
from models import MEMBER, OWNER
from providers.plugin_api import parse_joins

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def email_and_password(command):
    """EMAIL, --password (asked for twice when not given) and --json, in an app context."""
    command = with_appcontext(command)
    command = json_option(command)
    command = click.option("--password", prompt=True, hide_input=True,
                           confirmation_prompt=True)(command)
    return click.argument("email")(command)


def _finish(as_json: bool, data: dict, text: str) -> None:
    """Commit, then report."""
    db.session.commit()
    click.echo(json.dumps(data) if as_json else text)


def _network(ref: str):
    try:
        return accounts.find_network(ref)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc


def _run(action):
    """Call a ledger function; its validation error becomes a clean CLI error."""
    try:
        return action()
    except (accounts.AccountError, campaigns.AttributionError, PayloadError) as exc:
        raise click.ClickException(str(exc)) from exc


def _user(email: str):
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}; `flask users create` makes one")
    return user


@click.group("users")
def users():
    """Accounts that log in to the dashboard."""


@users.command("create")
@email_and_password
def users_create(email, password, as_json):
    user = _run(lambda: accounts.create_user(email, password))
    _finish(as_json, {"id": user.id, "email": user.email}, f"Created user {user.email}")


@users.command("set-password")
@email_and_password
def users_set_password(email, password, as_json):
    """Set a new password; every session of the user ends."""
    user = _user(email)
    _run(lambda: accounts.change_password(user, password))
    _finish(as_json, {"id": user.id, "email": user.email},
            f"Password changed for {user.email}; their sessions have ended.")


@click.group("networks")
def networks():
    """Networks and who is in them."""


@networks.command("create")
@click.argument("name")
@click.option("--owner", "owner_email", required=True, help="Email of an existing user.")
@json_option
@with_appcontext
def networks_create(name, owner_email, as_json):
    owner = _user(owner_email)
    network = accounts.create_network(owner, name)
    _finish(as_json, {"id": network.id, "name": network.name, "owner": owner.email},
            f"Created Network {network.name} (id {network.id}) owned by {owner.email}")


@networks.command("add-member")
@click.argument("network")
@click.argument("email")
@click.option("--role", type=click.Choice([MEMBER, OWNER]), default=MEMBER, show_default=True)
@json_option
@with_appcontext
def networks_add_member(network, email, role, as_json):
    """Add an existing user (by EMAIL) to NETWORK (id or exact name)."""
    net = _network(network)
    membership = _run(lambda: accounts.add_member(net, email, role))
    _finish(as_json, {"network_id": net.id, "email": membership.user.email, "role": role},
            f"{membership.user.email} is now a {role} of {net.name}")


@networks.command("remove-member")
@click.argument("network")
@click.argument("email")
@json_option
@with_appcontext
def networks_remove_member(network, email, as_json):
    """Take a user (by EMAIL) out of NETWORK (id or exact name); never its last owner."""
    net = _network(network)
    membership = _run(lambda: accounts.remove_member(net, email))
    _finish(as_json, {"network_id": net.id, "email": membership.user.email, "removed": True},
            f"{membership.user.email} is no longer in {net.name}")


@click.group("servers")
def servers():
    """Game servers."""


@servers.command("create")
@click.argument("network")
@click.argument("name")
@json_option
@with_appcontext
def servers_create(network, name, as_json):
    """Create a Server in NETWORK (id or exact name); prints its plugin key, shown only this once."""
    server, key = create_server(_network(network), name)
    _finish(as_json, {"id": server.id, "name": server.name, "project_id": server.project_id,
                      "plugin_key": key},
            f"Created Server {server.name}\nProject ID: {server.project_id}\n"
            f"Plugin key (shown once): {key}")


@click.group("campaigns")
def campaigns_group():
    """What brings players in: join hostnames and codes."""


@campaigns_group.command("create")
@click.argument("network")
@click.argument("name")
@click.option("--hostname", "hostnames", multiple=True, help="A join hostname; repeat for more.")
@click.option("--code", help="A code the plugin may send instead of a hostname.")
@json_option
@with_appcontext
def campaigns_create(network, name, hostnames, code, as_json):
    net = _network(network)
    campaign = _run(lambda: campaigns.create_campaign(net, name, hostnames, code))
    hosts = [h.hostname for h in campaign.hostnames]
    _finish(as_json, {"id": campaign.id, "name": campaign.name, "hostnames": hosts,
                      "code": campaign.code},
            f"Created Campaign {campaign.name} (id {campaign.id})")


@click.group("creators")
def creators():
    """Creators and the codes buyers enter at checkout."""


@creators.command("create")
@click.argument("network")
@click.argument("name")
@click.argument("code")
@json_option
@with_appcontext
def creators_create(network, name, code, as_json):
    net = _network(network)
    creator = _run(lambda: campaigns.create_creator(net, name, code))
    _finish(as_json, {"id": creator.id, "name": creator.name, "code": creator.code},
            f"Created Creator {creator.name} with code {creator.code}")


@click.group("players")
def players():
    """Players, as the plugin reports them."""


@players.command("join")
@click.argument("project_id")
@click.argument("username")
@click.option("--hostname")
@click.option("--campaign", help="A Campaign code.")
@click.option("--uuid")
@json_option
@with_appcontext
def players_join(project_id, username, hostname, campaign, uuid, as_json):
    """Record a join of USERNAME on the Server PROJECT_ID, as the plugin API would."""
    server = server_by_project_id(project_id)
    if server is None:
        raise click.ClickException(f"no Server with project ID {project_id}")
    join = {"username": username, "hostname": hostname, "campaign": campaign, "uuid": uuid}
    result = _run(lambda: record_joins(server, parse_joins(join)))
    _finish(as_json, {"players": result.players, "created": result.created,
                      "rematched": result.rematched},
            f"{'New' if result.created else 'Known'} player {username}; "
            f"{result.rematched} purchase(s) re-matched")


COMMANDS = (users, networks, servers, campaigns_group, creators, players)
