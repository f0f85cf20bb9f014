"""POST /api/webhooks/<store>?projectId=...: HTTP in and out; the pipeline is ledger.ingest."""
import time

from flask import Blueprint, abort, current_app, jsonify, request

import providers
from extensions import csrf
from ledger import ingest

bp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")
csrf.exempt(bp)


@bp.post("/<store>")
def receive(store: str):
    started = time.perf_counter()
    module = providers.get(store)
    if module is None:
        abort(404, f"unknown store {store!r}")
    body = _read_body(current_app.config["WEBHOOK_MAX_BYTES"])
    reply = ingest.receive(module, request.args.get("projectId"), body, request.headers,
                           request.args, started)
    return jsonify(reply.body), reply.status


def _read_body(limit: int) -> bytes:
    """The raw body, refusing (413) anything over ``limit`` without reading it all."""
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"body is larger than {limit} bytes")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        abort(413, f"body is larger than {limit} bytes")
    return body
