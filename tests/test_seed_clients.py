"""The seed's own client examples (cURL + openssl in bash, Node.js fetch) against a live server."""
import json
import os
import shutil
import subprocess

import pytest

import runtime
from extensions import db
from ledger import integrations
from models import Purchase, Server
from tests.live import thread_server

# The seed's cURL example, unchanged but for the URL and secret (and `-s -w` so we can read the
# status). sha256sum stands in for shasum where shasum is missing; the logic is the seed's.
CURL = r'''
set -eu
if command -v shasum >/dev/null; then sha256() { shasum -a 256; }; else sha256() { sha256sum; }; fi
WEBHOOK_URL="$TALLY_URL"
WEBHOOK_SECRET="$TALLY_SECRET"
BODY='{"transaction_id":"order-123","username":"PlayerName","amount":9.99,"currency":"USD"}'
BODY_HASH=$(printf "%s" "$BODY" | sha256 | cut -d " " -f1)
SIGNATURE=$(printf "%s" "$BODY_HASH" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" | cut -d " " -f2)
curl -s -w " %{http_code}" -X POST "$WEBHOOK_URL" \
-H "Content-Type: application/json" \
-H "X-Signature: $SIGNATURE" \
-d "$BODY"
'''

# The seed's Node.js example, wrapped in an async function (CommonJS has no top-level await),
# printing the reply.
NODE = r'''
const crypto = require("crypto");
const webhookUrl = process.env.TALLY_URL;
const secret = process.env.TALLY_SECRET;
const body = JSON.stringify({
  transaction_id: "order-456",
  username: "PlayerName",
  amount: 9.99,
  currency: "USD",
  items: [{ name: "Diamond Rank", quantity: 1, price: 9.99 }],
});
const bodyHash = crypto.createHash("sha256").update(body, "utf8").digest("hex");
const signature = crypto.createHmac("sha256", secret).update(bodyHash).digest("hex");
(async () => {
  const response = await fetch(webhookUrl, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Signature": signature,
    },
    body,
  });
  console.log(await response.text(), response.status);
})();
'''


def run_curl(url, secret) -> tuple[str, int]:
    out = subprocess.run(["bash", "-c", CURL], env=dict(os.environ, TALLY_URL=url, TALLY_SECRET=secret),
                         capture_output=True, text=True, timeout=30, check=True).stdout
    body, status = out.rsplit(" ", 1)
    return json.loads(body).get("status") or json.loads(body).get("error"), int(status)


def run_node(url, secret, tmp_path) -> tuple[str, int]:
    script = tmp_path / "seed.js"
    script.write_text(NODE)
    out = subprocess.run(["node", str(script)], env=dict(os.environ, TALLY_URL=url, TALLY_SECRET=secret),
                         capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    body, status = out.rsplit(" ", 1)
    return json.loads(body).get("status") or json.loads(body).get("error"), int(status)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl") and shutil.which("node")),
                    reason="needs curl, openssl and node")
@pytest.mark.parametrize("client_name", ["curl", "node"])
def test_seed_client_examples(app, server, tmp_path, client_name):
    def run(url, secret):
        return run_curl(url, secret) if client_name == "curl" else run_node(url, secret, tmp_path)

    with app.app_context():
        srv = db.session.get(Server, server.id)
        integration, secret = integrations.connect(srv, "custom", runtime.secret_box())
        db.session.commit()
    with thread_server(app) as base:
        url = f"{base}/api/webhooks/custom?projectId={server.project_id}"
        assert run(url, secret) == ("accepted", 200)
        assert run(url, secret) == ("duplicate", 200)
        with app.app_context():
            srv = db.session.get(Server, server.id)
            new_secret = integrations.regenerate(integrations.find(srv.id, "custom"),
                                                 runtime.secret_box())
            db.session.commit()
        assert run(url, secret)[1] == 401
        with app.app_context():
            integrations.disconnect(integrations.find(server.id, "custom"))
            db.session.commit()
        assert run(url, new_secret)[1] == 404
    with app.app_context():
        purchase = db.session.scalar(db.select(Purchase))
        assert (purchase.amount_minor, purchase.username) == (999, "PlayerName")


def test_docs_craftingstore_example(app, server):
    """The CraftingStore curl example in docs/webhooks.md, run as written against a live server."""
    import re
    from pathlib import Path
    docs = (Path(__file__).resolve().parent.parent / "docs" / "webhooks.md").read_text()
    section = docs.split("## CraftingStore", 1)[1]
    script = re.search(r"\*\*Example:\*\*\s+```bash\n(.*?)```", section, re.S).group(1)
    with app.app_context():
        _, secret = integrations.connect(db.session.get(Server, server.id), "craftingstore",
                                         runtime.secret_box(),
                                         settings={"currency": "EUR"})
        db.session.commit()
    with thread_server(app) as base:
        url = f"{base}/api/webhooks/craftingstore?projectId={server.project_id}"
        script = script.replace('URL="https://tally.example.net/api/webhooks/craftingstore?projectId=SERVER_ID"',
                                f'URL="{url}"').replace('SECRET="whsec_..."', f'SECRET="{secret}"')
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                             check=True).stdout
    assert json.loads(out) == {"status": "accepted"}
    with app.app_context():
        purchase = db.session.scalar(db.select(Purchase))
        assert (purchase.amount_minor, purchase.currency, purchase.username) == (499, "EUR", "Steve")
        assert purchase.coupon == "ALEX10" and purchase.uuid is None
