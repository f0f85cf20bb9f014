"""POST /api/webhooks/<store>?projectId=...: HTTP in and out; the pipeline is ledger.ingest.

The reply says the delivery is received (committed); the worker applies it to the ledger
right after (ledger.receipts)."""
import time

from flask import Blueprint, abort, current_app, jsonify, request

import providers
import runtime
from extensions import csrf, limiter
from ledger import ingest

bp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")
csrf.exempt(bp)


@bp.post("/<store>")
@limiter.limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"])
def receive(store: str):
    started = time.perf_counter()
    module = providers.get(store)
    if module is None:
        abort(404, f"unknown store {store!r}")
    project_id = request.args.get("projectId")
    body = read_body(current_app.config["WEBHOOK_MAX_BYTES"])
    if body is None:
        reply = ingest.refuse(module, project_id, 413, "body is larger than "
                              f"{current_app.config['WEBHOOK_MAX_BYTES']} bytes", started,
                              request.content_length)
    else:
        reply = ingest.receive(module, project_id, body, request.headers, request.args, started,
                               runtime.secret_box())
    return jsonify(reply.body), reply.status


def read_body(limit: int) -> bytes | None:
    """The raw body, or None when it is over ``limit`` bytes.

    A declared Content-Length over the limit is refused before reading anything; a chunked
    body (no Content-Length) is read only up to ``limit + 1`` bytes.
    """
    if request.content_length is not None and request.content_length > limit:
        return None
    stream, body = request.stream, bytearray()
    while len(body) <= limit:  # a stream may return less than asked for: read until EOF
        chunk = stream.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return None if len(body) > limit else bytes(body)
