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
