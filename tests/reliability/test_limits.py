"""Oversized bodies get 413 from the real server without being read: the worker's memory stays flat."""
import socket
from pathlib import Path

import pytest

from tests.live import LiveTally

pytestmark = pytest.mark.slow

MB = 1024 * 1024


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def worker_pid(master_pid: int) -> int:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    assert len(children) == 1
    return int(children[0])


def send(port: int, head: bytes, chunks) -> bytes:
    """Send headers and body chunks until the server stops reading; return its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for chunk in chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed without reading the rest
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except ConnectionResetError:
            pass
        return answer


@pytest.fixture
def live(tmp_path):
    server = LiveTally(tmp_path / "instance", workers=1)
    server.flask("db", "upgrade")
    server.start()
    yield server
    server.stop()


def test_huge_bodies_are_refused_with_memory_flat(live, figure):
    worker = worker_pid(live.process.pid)
    path = "/api/webhooks/custom?projectId=nothing"
    declared = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {200 * MB}\r\n\r\n").encode()
    chunked = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n").encode()
    one_mb_chunk = b"%x\r\n" % MB + b" " * MB + b"\r\n"
    send(live.port, declared, [b" " * 1024])  # warm up the worker's imports and pools
    before = rss_kib(worker)
    for _ in range(3):
        answer = send(live.port, declared, (b" " * MB for _ in range(200)))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        answer = send(live.port, chunked, (one_mb_chunk for _ in range(50)))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b'"error"' in answer
    grown = rss_kib(worker) - before
    figure(f"413 x6 (200 MiB declared, 50 MiB chunked): worker RSS grew {grown} KiB")
    assert grown < 8 * 1024  # far below even one of the bodies


def test_rate_limit_is_shared_by_workers_through_redis(tmp_path):
    """gunicorn -w 2 with Redis storage: the workers count one client's requests together."""
    import redis

    from tests.live import post

    store = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        for key in store.scan_iter("LIMITS*"):  # counts left by an earlier run
            store.delete(key)
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    server = LiveTally(tmp_path / "instance", workers=2)
    server.env.update(TALLY_RATELIMIT="on", TALLY_RATELIMIT_STORAGE="redis://127.0.0.1:6379",
                      TALLY_WEBHOOK_RATE_LIMIT="6 per minute")
    server.flask("db", "upgrade")
    server.start()
    try:
        answers = [post(f"{server.url}/api/webhooks/custom?projectId=x", b"{}", {})[0]
                   for _ in range(10)]
    finally:
        server.stop()
    assert answers.count(404) == 6 and answers.count(429) == 4


def test_login_attempts_of_both_workers_count_against_one_limit(tmp_path):
    """gunicorn -w 2 with Redis storage: 10 failed logins per minute in all, whichever worker
    answers, per address and per account."""
    import re
    import uuid

    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    server = LiveTally(tmp_path / "instance", workers=2)
    server.env.update(TALLY_RATELIMIT="on", TALLY_RATELIMIT_STORAGE="redis://127.0.0.1:6379",
                      TALLY_RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}")
    server.flask("db", "upgrade")
    server.flask("users", "create", "owner@example.com", "--password", "right password 1")
    server.start()
    try:
        answers = [_failed_login(server.url) for _ in range(14)]
        pids = {int(re.sub(r"\D", "", line)) for line in Path(
            f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()}
    finally:
        server.stop()
    assert len(pids) == 2
    assert answers[:10] == [401] * 10 and answers[10:] == [429] * 4


def _failed_login(base: str) -> int:
    """A wrong password from a fresh browser (its own cookie and CSRF token); the status."""
    import http.cookiejar
    import re
    import urllib.error
    import urllib.parse
    import urllib.request

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": "owner@example.com",
                                   "password": "wrong password"}).encode()
    try:
        return opener.open(base + "/login", data=form, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code
