"""tally.jar end to end: each platform's entry point booted by the Java driver against the API
stubs, talking to a live Tally (gunicorn) on SQLite and on PostgreSQL."""
import time

import pytest

from tests.plugin.driver import KEY_REFUSED, waiting_in_queue, wait_until, write_config

PLATFORMS = ["paper", "spigot", "velocity", "bungee"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_logins_and_the_purchase_command_are_attributed(tally, plugin, platform):
    server = tally.new_server(f"Lobby {platform}")
    game = plugin(platform, key=server.key)
    # Each login is handled by exactly one of the plugin's handlers (on Paper, not PlayerLoginEvent).
    assert game.do("login", "Alice", "YT.Example.NET:25565")["handlers"] == 1
    game.do("login", "Bob", "tw.EXAMPLE.net:25577")
    game.do("login", "Carol", "play.example.net:25565")
    game.do("login", "Dave", "-")
    game.command("console", "purchase", "Dave", "1", "EUR", "tx-0", "coupon={coupon}")
    assert game.command("console", "purchase", "alice", "9.99", "eur", "tx-1", "coupon=alex",
                        "VIP", "Rank") == ["Tally: queued purchase tx-1 by alice (9.99 EUR)."]
    assert "only from the console" in game.command("admin", "purchase", "Bob", "5", "EUR", "tx-2")[0]
    for bad in (["Bob", "nine", "EUR", "tx-3"], ["Bob", "5", "EURO", "tx-3"], ["Bob", "5", "EUR"],
                ["{player}", "5", "EUR", "tx-3"]):
        [usage] = game.command("console", "purchase", *bad)
        assert usage.startswith("Usage: tally purchase <player> <amount> <currency> <transaction-id>")

    wait_until(lambda: len(tally.players(server)) == 4 and len(tally.purchases(server)) == 2,
               what="Tally")
    assert tally.players(server) == {"Alice": "YouTube", "Bob": "Twitch", "Carol": None, "Dave": None}
    dave, purchase = tally.purchases(server)
    assert (dave.transaction_id, dave.player, dave.creator, dave.items) == \
        ("tx-0", "Dave", None, [("Purchase", 1, 100)])
    assert (purchase.transaction_id, purchase.store, purchase.amount_minor, purchase.currency) == \
        ("tx-1", "command", 999, "EUR")
    assert (purchase.player, purchase.campaign, purchase.creator) == ("Alice", "YouTube", "ALEX")
    assert purchase.items == [("VIP Rank", 1, 999)]

    assert game.command("console", "refund", "tx-1", "2.50") == ["Tally: queued the refund of tx-1."]
    wait_until(lambda: tally.purchases(server)[1].reversed_minor == 250, what="the refund")
    game.wait_for_log("Tally recorded the refund tx-1.")
    status = game.command("admin", "status")
    assert status[0] == f"Tally at {tally.url}: reachable" and status[1] == "Queue: 0 waiting"
    assert game.command("player", "status") == ["You need the tally.admin permission to use /tally."]
    assert {outcome for _, outcome, _ in tally.calls(server)} == {"accepted"}  # nothing refused


def test_queue_survives_restarts_and_a_kill_while_tally_is_down(tally, plugin, tmp_path):
    server = tally.new_server("Survivor")
    folder = tmp_path / "Tally"
    tally.live.stop()
    try:
        first = plugin("paper", folder, key=server.key)
        first.do("login", "Erin", "yt.example.net:25565")
        first.command("console", "purchase", "Erin", "5", "USD", "down-1", "Rank")
        first.wait_for_log("cannot reach Tally")
        first.stop()
        assert [e["kind"] for e in waiting_in_queue(folder)] == ["join", "purchase"]

        second = plugin("paper", folder)
        second.wait_for_log("2 joins and purchases from the last run wait for Tally.")
        second.do("login", "Frank", "tw.example.net:25565")
        second.command("console", "purchase", "Frank", "7.50", "USD", "down-2")
        # On disk as soon as the sender thread has written it; then the server dies mid-stride.
        wait_until(lambda: len(waiting_in_queue(folder)) == 4, what="the queue file")
        second.kill()

        third = plugin("paper", folder)
        third.wait_for_log("4 joins and purchases from the last run wait for Tally.")
    finally:
        tally.live.start()
    wait_until(lambda: len(tally.purchases(server)) == 2 and len(tally.players(server)) == 2,
               what="the queued entries to arrive")
    wait_until(lambda: waiting_in_queue(folder) == [], what="an empty queue")
    assert tally.players(server) == {"Erin": "YouTube", "Frank": "Twitch"}
    assert [(p.transaction_id, p.amount_minor, p.player) for p in tally.purchases(server)] == \
        [("down-1", 500, "Erin"), ("down-2", 750, "Frank")]
    # Exactly once: each purchase was accepted once, and nothing was sent twice.
    assert [(outcome, tx) for _, outcome, tx in tally.calls(server)] == \
        [("accepted", "down-1"), ("accepted", "down-2")]


def test_a_wrong_key_says_what_to_fix_and_loses_nothing(tally, plugin, tmp_path):
    server = tally.new_server("Wrong key")
    folder = tmp_path / "Tally"
    game = plugin("bungee", folder, key="tly_not-this-servers-key")
    game.do("login", "Gina", "yt.example.net:25565")
    message = game.wait_for_log(KEY_REFUSED)
    assert "set key in config.yml to this Server's plugin key" in message
    assert "Nothing is lost" in message
    # It retries (every retry-max-seconds: 1) without printing again.
    wait_until(lambda: "3 tries in a row" in game.command("admin", "status")[3], what="retries")
    assert len(game.messages(KEY_REFUSED)) == 1 and tally.players(server) == {}
    assert [e["data"]["username"] for e in waiting_in_queue(folder)] == ["Gina"]

    write_config(folder, tally.url, server.key)  # the owner pastes the right key; no restart
    wait_until(lambda: tally.players(server) == {"Gina": "YouTube"}, what="the join after the fix")


def test_a_refused_entry_is_dropped_with_a_log_line(tally, plugin, tmp_path):
    server = tally.new_server("Refused")
    folder = tmp_path / "Tally"
    game = plugin("velocity", folder, key=server.key, **{"flush-interval-seconds": 1})
    game.do("login", "Hank", "yt.example.net:25565")
    game.do("login", "x", "yt.example.net:25565")  # not a Minecraft name: Tally answers 400
    game.do("login", "Ivy", "-")
    game.command("console", "purchase", "Hank", "9.999", "EUR", "bad-1")  # EUR has 2 decimals
    join = game.wait_for_log("Tally refused a join")
    assert "400: [1].username: must be a Minecraft username" in join and '"username":"x"' in join
    purchase = game.wait_for_log("Tally refused a purchase")
    assert "amount has more decimal places than EUR allows" in purchase and "bad-1" in purchase
    wait_until(lambda: tally.players(server) == {"Hank": "YouTube", "Ivy": None}, what="the others")
    wait_until(lambda: waiting_in_queue(folder) == [], what="an empty queue")
    assert tally.purchases(server) == []
    assert [status for status, _, _ in tally.calls(server)] == [400]


def test_ten_thousand_logins_in_one_second(tally, plugin, figure):
    server = tally.new_server("Rush")
    game = plugin("paper", key=server.key, **{"flush-interval-seconds": 2})
    burst = game.do("burst", "10000", "8", "1", "yt.example.net:25565,tw.example.net:25565", "bot",
                    timeout=60)
    fired = time.monotonic()
    wait_until(lambda: tally.player_count(server) == 10_000, timeout=120, what="10,000 players")
    drained = time.monotonic() - fired
    figure(f"plugin ({tally.backend}): 10,000 logins fired in {burst['elapsed_ms']} ms from 8 threads; "
           f"login handler p50 {burst['p50_us']:.1f} us, p99 {burst['p99_us']:.1f} us, "
           f"max {burst['max_us']:.0f} us; all in Tally {drained:.1f} s after the last login")
    assert burst["p99_us"] < 1000
    assert tally.player_count(server) == 10_000
    counts = tally.players(server)
    assert counts["bot0"] == "YouTube" and counts["bot1"] == "Twitch"


def test_flush_sends_at_once(tally, plugin, tmp_path):
    server = tally.new_server("Flush")
    game = plugin("spigot", key=server.key, **{"flush-interval-seconds": 3600})
    game.do("login", "Jude", "yt.example.net:25565")
    wait_until(lambda: waiting_in_queue(tmp_path / "spigot"), what="the join in the queue file")
    assert tally.players(server) == {}  # it would wait for the hour-long batch timer
    assert game.command("admin", "flush") == ["Sending the 1 waiting entries to Tally now."]
    wait_until(lambda: tally.players(server) == {"Jude": "YouTube"}, what="the flushed join")
