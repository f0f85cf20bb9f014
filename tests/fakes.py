"""A fake receiver on 127.0.0.1 for outbound calls (Discord, an owner's endpoint): it records
every request and answers as the test tells it."""
import json
import threading
import time
from contextlib import contextmanager

from werkzeug.serving import make_server


class FakeReceiver:
    """Records (path, headers, body, time) of each request. ``answers`` is a list of
    (status, json body) or (status, json body, headers) to give in turn, then ``default``;
    ``delay`` slows each answer."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[tuple] = []
        self.default = (204, None)
        self.delay = 0.0
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        key = headers.get("webhook-id") or body[:64].decode("utf-8", "replace")
        with self.lock:
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
            self.most_in_flight[key] = max(self.most_in_flight.get(key, 0), self.in_flight[key])
            status, answer, *extra = self.answers.pop(0) if self.answers else self.default
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.in_flight[key] -= 1
            self.requests.append({"path": environ["PATH_INFO"], "headers": headers,
                                  "body": body, "at": time.monotonic(), "status": status})
        payload = json.dumps(answer).encode() if answer is not None else b""
        start_response(f"{status} X", [("Content-Type", "application/json"),
                                       ("Content-Length", str(len(payload))),
                                       *(extra[0].items() if extra else ())])
        return [payload]

    def json_bodies(self, path_part: str = "") -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests
                if path_part in r["path"] and r["status"] < 300]


@contextmanager
def receiver():
    """A FakeReceiver served on a free port: yields (fake, base URL)."""
    fake = FakeReceiver()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
