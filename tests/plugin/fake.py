"""A scripted stand-in for Tally's plugin API, for the answers a live Tally never gives on cue
(a 413, a 429 with Retry-After, an answer that takes seconds). It records every request."""
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: dict = field(default_factory=lambda: {"players": 1, "accepted": 1, "duplicate": 0})
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer is sent


@dataclass
class Request:
    path: str
    key: str  # the Bearer token
    body: object  # the parsed JSON
    at: float  # time.monotonic() when it arrived
    status: int = 0  # what it was answered


class FakeTally:
    """``script``: answers for the next requests, in order; after them ``default(request)``
    (200 unless replaced) answers."""

    def __init__(self):
        self.requests: list[Request] = []
        self.script: list[Answer] = []
        self.default = lambda request: Answer()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = Request(self.path, self.headers.get("Authorization", "").removeprefix("Bearer "),
                                  json.loads(raw), time.monotonic())
                with fake.lock:
                    fake.requests.append(request)
                    answer = fake.script.pop(0) if fake.script else fake.default(request)
                    request.status = answer.status
                time.sleep(answer.delay)
                payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def received(self) -> list[Request]:
        with self.lock:
            return list(self.requests)

    def joined(self, status: int = 200) -> list[str]:
        """Usernames of the joins answered ``status``, in order (batches flattened)."""
        return [join["username"] for r in self.received()
                if r.path.endswith("/players/join") and r.status == status
                for join in (r.body if isinstance(r.body, list) else [r.body])]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
