"""A full connect -> deliver -> regenerate cycle never writes a secret to the logs or the delivery log."""
import json
import logging
import re

from sqlalchemy import select

from extensions import db
from models import Delivery
from providers.custom import sign


def test_secrets_stay_out_of_logs(app, logged_in, server, caplog):
    caplog.set_level(logging.DEBUG)
    base = f"/servers/{server.id}/integrations/custom"
    shown = logged_in.post(f"{base}/connect").get_data(True)
    secret = re.search(r"whsec_[A-Za-z0-9_-]{43}", shown).group(0)
    body = json.dumps({"transaction_id": "log-1", "username": "Steve", "amount": 1}).encode()
    url = f"/api/webhooks/custom?projectId={server.project_id}"
    assert logged_in.post(url, data=body, headers={"X-Signature": sign(body, secret)}).status_code == 200
    assert logged_in.post(url, data=body, headers={"X-Signature": "0" * 64}).status_code == 401
    regenerated = logged_in.post(f"{base}/regenerate").get_data(True)
    new_secret = re.search(r"whsec_[A-Za-z0-9_-]{43}", regenerated).group(0)
    assert new_secret != secret
    pages = logged_in.get(f"/servers/{server.id}/integrations").get_data(True) + \
        logged_in.get(f"{base}/deliveries").get_data(True)
    with app.app_context():
        logged = " ".join(f"{d.reason} {d.body!r}" for d in db.session.scalars(select(Delivery)))
    for value in (secret, new_secret, server.api_key):
        assert value not in caplog.text
        assert value not in logged
        assert value not in pages



def test_serve_access_log_leaves_out_query_strings(tmp_path):
    """EnderPay's token travels in the query string; `flask serve`'s access log never shows it."""
    import subprocess

    from tests.live import ROOT, VENV_BIN, LiveTally, post, wait_until_up

    live = LiveTally(tmp_path / "instance", workers=1)  # for its environment and port
    process = subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "app", "serve", "--port", str(live.port),
         "--workers", "1"], cwd=ROOT, env=live.env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    logged = []
    try:
        wait_until_up(live.url, timeout=60)
        token = "tokenthatmustnotbelogged"
        assert post(f"{live.url}/api/webhooks/enderpay?projectId=p&token={token}", b"{}", {})[0] \
            == 404
        for line in process.stdout:  # read until the request's access-log line arrives
            logged.append(line)
            if "/api/webhooks/enderpay" in line:
                break
    finally:
        process.terminate()
        logged.append(process.communicate(timeout=20)[0])
    output = "".join(logged)
    assert "/api/webhooks/enderpay" in output
    assert token not in output and "token=" not in output
