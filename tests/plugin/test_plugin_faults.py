"""tally.jar against a scripted fake Tally (tests/plugin/fake.py): the answers and accidents a live
Tally does not produce on cue. No database is involved, so these run once, not per backend."""
import json
import re
import shutil
import time

import pytest

from tests.plugin.driver import KEY_REFUSED, waiting_in_queue, wait_until, write_config
from tests.plugin.fake import Answer

TOO_LARGE = Answer(413, {"error": "body is larger than 1048576 bytes"})


def test_a_batch_too_large_for_tally_is_split_not_dropped(driver, fake_tally, tmp_path):
    # Tally answers 413 past API_MAX_BYTES (1 MiB); 1,000 purchases with long item names pass it.
    fake_tally.default = lambda request: TOO_LARGE if len(request.body) > 8 else Answer()
    game = driver("paper", url=fake_tally.url, key="tly_k", **{"flush-interval-seconds": 3600,
                                                                "flush-at": 1000})
    names = [f"Split{i}" for i in range(40)]
    for name in names:
        game.do("login", name, "yt.example.net:25565")
    wait_until(lambda: len(waiting_in_queue(tmp_path / "paper")) == 40, what="40 joins on disk")
    game.command("admin", "flush")
    wait_until(lambda: sorted(fake_tally.joined()) == sorted(names), what="every join taken")
    assert game.messages("refused") == []
    wait_until(lambda: waiting_in_queue(tmp_path / "paper") == [], what="an empty queue")


def test_retry_after_is_held_to_retry_max_seconds(driver, fake_tally):
    # A proxy in front of Tally may ask for an hour; retry-max-seconds is the longest wait.
    fake_tally.script = [Answer(429, {"error": "slow down"}, {"Retry-After": "3600"})]
    game = driver("velocity", url=fake_tally.url, key="tly_k", **{"retry-max-seconds": 1})
    game.do("login", "Patient", "-")
    wait_until(lambda: fake_tally.joined() == ["Patient"], timeout=8, what="the retry")
    first, second = fake_tally.received()
    assert 0.4 < second.at - first.at < 3


def test_an_answer_to_the_old_key_does_not_hold_up_the_new_one(driver, fake_tally, tmp_path):
    # The owner pastes the right key while a request with the wrong one is under way.
    fake_tally.script = [Answer(401, {"error": "missing or unknown plugin key"}, delay=4)]
    folder = tmp_path / "Tally"
    game = driver("bungee", folder, url=fake_tally.url, key="tly_old", **{"retry-max-seconds": 60})
    game.do("login", "Quick", "-")
    wait_until(lambda: fake_tally.received(), what="the first request")
    write_config(folder, fake_tally.url, "tly_new", **{"retry-max-seconds": 60})
    wait_until(lambda: fake_tally.joined() == ["Quick"], timeout=12, what="the join with the new key")
    assert [r.key for r in fake_tally.received()] == ["tly_old", "tly_new"]
    assert game.messages(KEY_REFUSED) == []  # the answer was about a key that is already replaced


def test_a_bad_url_while_a_request_is_under_way_does_not_stop_the_sender(driver, fake_tally, tmp_path):
    fake_tally.script = [Answer(delay=4)]
    folder = tmp_path / "Tally"
    game = driver("spigot", folder, url=fake_tally.url, key="tly_k")
    game.do("login", "First", "-")
    wait_until(lambda: fake_tally.received(), what="the first request")
    write_config(folder, "http://tally example.net", "tly_k")  # a typo, saved mid-request
    game.wait_for_log("is not an http:// or https:// address")
    time.sleep(4)  # the answer arrives while the url is wrong
    write_config(folder, fake_tally.url, "tly_k")
    game.do("login", "Second", "-")
    wait_until(lambda: fake_tally.joined() == ["First", "Second"], timeout=10, what="the second join")
    assert game.messages("hit an error") == []


def test_a_key_no_http_header_can_carry_gets_one_clear_message(driver, fake_tally):
    # Pasted from a page that shortened it: "tly_abc…" (or with a zero-width space).
    game = driver("paper", url=fake_tally.url, key="tly_abc\u2026")
    game.do("login", "Nobody", "-")
    message = game.wait_for_log("key")
    assert "not a plugin key" in message
    time.sleep(3)
    assert game.messages("hit an error") == [] and len(game.messages("key")) == 1
    assert game.command("admin", "status")[0].startswith("Tally: not configured: key")
    assert fake_tally.received() == []


def test_a_missing_config_file_is_reported_once(driver, fake_tally, tmp_path):
    game = driver("paper", url=fake_tally.url, key="tly_k")
    game.wait_for_log("Sending joins and purchases to Tally")
    (tmp_path / "paper" / "config.yml").unlink()
    game.wait_for_log("url is empty")
    time.sleep(5)  # the plugin looks at config.yml every 2 s
    assert len(game.messages("url is empty")) == 1


def test_a_config_file_saved_by_a_windows_editor_is_read(driver, fake_tally, tmp_path):
    folder = tmp_path / "Tally"
    folder.mkdir()
    # Windows Notepad (before 2019) saves UTF-8 with a byte order mark...
    (folder / "config.yml").write_text(f"\ufeffurl: {fake_tally.url}\r\nkey: tly_k\r\n"
                                       "flush-interval-seconds: 0.2\r\n", encoding="utf-8")
    game = driver("paper", folder)
    game.do("login", "Notepad", "-")
    wait_until(lambda: fake_tally.joined() == ["Notepad"], what="the join")
    # ...and others as Windows-1252, here in a comment.
    (folder / "config.yml").write_bytes(f"# cl\u00e9 du serveur\r\nurl: {fake_tally.url}\r\n"
                                        "key: tly_k2\r\nflush-interval-seconds: 0.2\r\n".encode("cp1252"))
    game.wait_for_log("Sending joins and purchases to Tally", timeout=5)  # (the second time)
    wait_until(lambda: len(game.messages("Sending joins and purchases to Tally")) == 2, timeout=5,
               what="the new config")
    game.do("login", "Wordpad", "-")
    wait_until(lambda: fake_tally.joined() == ["Notepad", "Wordpad"], what="the second join")
    assert fake_tally.received()[-1].key == "tly_k2"
    assert game.messages("Fix ") == []


def test_a_queue_line_that_is_json_but_no_entry_is_skipped(driver, fake_tally, tmp_path):
    folder = tmp_path / "Tally"
    write_config(folder, fake_tally.url, "tly_k")
    (folder / "queue.jsonl").write_text(
        '{"seq":1,"kind":"join","data":{"username":"Kept"}}\n'
        '{"done":[7]}\n{"kind":"join"}\n{"seq":"x"}\n[]\n'
        '{"seq":2,"kind":"join","data":{"username":"Also"}}\n')
    game = driver("paper", folder)
    game.wait_for_log("2 joins and purchases from the last run wait for Tally.")
    wait_until(lambda: fake_tally.joined() == ["Kept", "Also"], what="the entries")
    game.do("login", "After", "-")
    wait_until(lambda: fake_tally.joined() == ["Kept", "Also", "After"], what="a new join")


def test_quoted_item_names_and_json_in_them(driver, fake_tally):
    game = driver("bungee", url=fake_tally.url, key="tly_k")
    game.command("console", "purchase", "Lee", "5", "usd", "tx-q1", '"VIP', 'Rank"')
    game.command("console", "purchase", "Lee", "5", "usd", "tx-q2", "coupon=ALEX", "'Gold", "Crate'")
    game.command("console", "purchase", "Lee", "5", "usd", "tx-q3", 'Say', '"hi"', "\\o/")
    def purchases():
        return [p for r in fake_tally.received() for p in r.body]  # each a list: purchases batch

    wait_until(lambda: len(purchases()) == 3, what="three purchases")
    items = {p["transaction_id"]: (p["items"][0]["name"], p.get("coupon"), p["currency"])
             for p in purchases()}
    assert items == {"tx-q1": ("VIP Rank", None, "USD"), "tx-q2": ("Gold Crate", "ALEX", "USD"),
                     "tx-q3": ('Say "hi" \\o/', None, "USD")}


@pytest.mark.skipif(not shutil.which("strace"), reason="needs strace to see the system calls")
def test_the_queue_file_is_swapped_durably(driver, tmp_path):
    """The rewritten queue file replaces the old one by rename; the folder is then fsynced, so
    that after a power cut the name points at the new file and not at the old one (whose later
    appends are gone with it)."""
    folder = tmp_path / "Tally"
    write_config(folder, "http://127.0.0.1:9", "tly_k")  # nothing listens: everything waits
    (folder / "queue.jsonl").write_text('{"seq":1,"kind":"join","data":{"username":"Kept"}}\n'
                                        '{"seq":2,"kind":"join","data":{"username":"Gone"}}\n'
                                        '{"done":[2,2]}\n')
    trace = tmp_path / "strace.txt"
    game = driver("paper", folder, wrapper=("strace", "-f", "-y", "-qq", "-o", str(trace), "-e",
                                            "trace=rename,renameat,renameat2,fsync,fdatasync"))
    game.wait_for_log("1 joins and purchases from the last run wait for Tally.")
    game.stop()
    calls = trace.read_text().splitlines()
    renamed = [i for i, line in enumerate(calls) if re.search(r"rename.*queue\.jsonl\.tmp.*queue\.jsonl", line)]
    assert renamed, "\n".join(calls)
    folder_synced = [i for i, line in enumerate(calls)
                     if re.match(rf"\d+ +fsync\(\d+<{re.escape(str(folder))}>\)", line)]
    assert folder_synced and folder_synced[-1] > renamed[0], "\n".join(calls)
    assert [e["data"]["username"] for e in waiting_in_queue(folder)] == ["Kept"]
    assert json.loads((folder / "queue.jsonl").read_text().splitlines()[0])["seq"] == 1


@pytest.mark.parametrize("platform", ["velocity", "bungee"])
def test_a_console_line_ending_in_a_space_is_read_as_on_paper(driver, fake_tally, platform):
    # The proxies keep the empty argument after a trailing space; Bukkit drops it.
    game = driver(platform, url=fake_tally.url, key="tly_k")
    assert game.command("console", "refund", "tx-r", "") == ["Tally: queued the refund of tx-r."]
    assert game.command("console", "purchase", "Lee", "5", "EUR", "tx-p", "") == \
        ["Tally: queued purchase tx-p by Lee (5 EUR)."]
    wait_until(lambda: len(fake_tally.received()) == 2, what="both calls")
    purchase, refund = sorted(fake_tally.received(), key=lambda r: r.path)
    assert refund.body == {"transaction_id": "tx-r"} and "items" not in purchase.body[0]
