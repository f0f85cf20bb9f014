"""The flask CLI: users, networks, servers, campaigns, creators, players, with --json."""
import json

from sqlalchemy import select

from extensions import db
from ledger.crypto import digest
from models import Campaign, Membership, Player, Server


def run(runner, *args):
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def fails(runner, *args):
    result = runner.invoke(args=list(args))
    assert result.exit_code != 0
    return result.output


def test_setup_from_the_shell(runner, app):
    user = run(runner, "users", "create", "Boss@Example.com", "--password", "long password 1")
    assert user["email"] == "boss@example.com"
    network = run(runner, "networks", "create", "Blocky", "--owner", "boss@example.com")
    assert network == {"id": network["id"], "name": "Blocky", "owner": "boss@example.com"}
    run(runner, "users", "create", "helper@example.com", "--password", "long password 2")
    member = run(runner, "networks", "add-member", "Blocky", "helper@example.com")
    assert member["role"] == "member"
    removed = run(runner, "networks", "remove-member", "Blocky", "Helper@Example.com")
    assert removed == {"network_id": network["id"], "email": "helper@example.com", "removed": True}
    run(runner, "networks", "add-member", "Blocky", "helper@example.com")
    server = run(runner, "servers", "create", str(network["id"]), "Lobby")
    campaign = run(runner, "campaigns", "create", "Blocky", "YouTube", "--hostname", "YT.example.net:25565",
                   "--hostname", "youtube.example.net", "--code", "YT")
    assert campaign["hostnames"] == ["youtube.example.net", "yt.example.net"]
    creator = run(runner, "creators", "create", "Blocky", "Dream", "DREAM")
    assert creator["code"] == "DREAM"
    joined = run(runner, "players", "join", server["project_id"], "Steve", "--hostname", "yt.example.net",
                 "--uuid", "069a79f444e94726a5befca90e38aaf5")
    assert joined == {"players": 1, "created": 1, "rematched": 0}
    with app.app_context():
        srv = db.session.get(Server, server["id"])
        assert srv.api_key_hash == digest(server["plugin_key"])
        player = db.session.scalar(select(Player).filter_by(server_id=srv.id))
        assert player.campaign_id == campaign["id"]
        assert len(db.session.scalars(select(Membership)).all()) == 2


def test_text_output_shows_plugin_key_once(runner, network):
    result = runner.invoke(args=["servers", "create", "Test Network", "Hub"])
    assert result.exit_code == 0 and "Plugin key (shown once): tly_" in result.output


def test_password_is_prompted(runner, app):
    result = runner.invoke(args=["users", "create", "p@example.com"],
                           input="long password 1\nlong password 1\n")
    assert result.exit_code == 0, result.output
    assert "Created user p@example.com" in result.output


def test_errors_exit_nonzero(runner, app, owner, network, server):
    assert "already exists" in fails(runner, "users", "create", "owner@example.com", "--password",
                                     "long password 1")
    assert "at least 10" in fails(runner, "users", "create", "x@example.com", "--password", "short")
    assert "no user" in fails(runner, "networks", "create", "N", "--owner", "nobody@example.com")
    assert "no Network" in fails(runner, "servers", "create", "Nope", "Lobby")
    assert "already a member" in fails(runner, "networks", "add-member", str(network),
                                       "owner@example.com")
    assert "only owner" in fails(runner, "networks", "remove-member", str(network),
                                 "owner@example.com")
    assert "not a member" in fails(runner, "networks", "remove-member", str(network),
                                   "nobody@example.com")
    run(runner, "campaigns", "create", str(network), "A", "--code", "yt")
    assert "already used" in fails(runner, "campaigns", "create", str(network), "B", "--code", "YT")
    assert "no Server" in fails(runner, "players", "join", "nope", "Steve")
    assert "username" in fails(runner, "players", "join", server.project_id, "no!")
    with app.app_context():
        assert len(db.session.scalars(select(Campaign)).all()) == 1
        assert db.session.scalars(select(Player)).all() == []


def test_ambiguous_network_name(runner, app, owner):
    run(runner, "networks", "create", "Twin", "--owner", "owner@example.com")
    run(runner, "networks", "create", "Twin", "--owner", "owner@example.com")
    assert "use the id" in fails(runner, "servers", "create", "Twin", "Lobby")


def test_project_ids_are_safe_on_a_command_line(app):
    """token_urlsafe could start an id with "-", which click reads as an option."""
    from ledger.crypto import new_project_id

    ids = {new_project_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(len(i) == 32 and not i.startswith("-") and i.isalnum() for i in ids)


def test_users_set_password_ends_sessions(app, runner, client, auth, owner):
    auth.login()
    assert client.get("/networks/").status_code == 200
    result = runner.invoke(args=["users", "set-password", "OWNER@example.com",
                                 "--password", "a new long password"])
    assert result.exit_code == 0, result.output
    assert client.get("/networks/").status_code == 302
    assert auth.login(password="a new long password").status_code == 302
    short = runner.invoke(args=["users", "set-password", "owner@example.com", "--password", "x"])
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    missing = runner.invoke(args=["users", "set-password", "no@example.com", "--password", "y" * 12])
    assert missing.exit_code == 1 and "no user" in missing.output



def test_commands_are_wrapped_for_write_intent_once_however_many_apps_are_made(runner):
    """Every create_app registers the same click commands: wrapping them again each time
    nested the wrappers until a long test run hit Python's recursion limit."""
    from flask import Flask

    from commands import register_commands
    from commands.worker import ingest_cli

    def depth(function) -> int:
        return 1 + depth(function.__wrapped__) if hasattr(function, "__wrapped__") else 0

    wrapped = depth(ingest_cli.commands["status"].callback)  # the app fixture registered them
    for _ in range(3):
        register_commands(Flask(__name__))
    assert depth(ingest_cli.commands["status"].callback) == wrapped > 0
    assert runner.invoke(args=["ingest", "status", "--json"]).exit_code == 0
