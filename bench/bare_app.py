"""The yardstick for bench/ingest: a bare Flask app whose POST endpoint reads the body and answers."""
from flask import Flask, request

app = Flask(__name__)


@app.post("/api/webhooks/custom")
def hook():
    request.get_data()
    return {"status": "accepted"}


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
