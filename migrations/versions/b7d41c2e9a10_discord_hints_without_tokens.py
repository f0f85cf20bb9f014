"""discord hints without tokens: a hint that is not "host/…/<digits>" is cut to its host

A Discord URL with a segment after its token (…/webhooks/<id>/<token>/github) was accepted,
and its shown hint took the token for the webhook id. Such URLs are refused now; a hint
already stored that is not a host and a numeric id keeps only the host, and says to paste
the URL again.

Revision ID: b7d41c2e9a10
Revises: ad351b756d78
Create Date: 2026-12-01 06:40:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a10'
down_revision = 'ad351b756d78'
branch_labels = None
depends_on = None

_SAFE = re.compile(r"[^/]*/…/\d+")


def upgrade():
    alerts = sa.table("discord_alerts", sa.column("id", sa.Integer),
                      sa.column("url_hint", sa.String))
    conn = op.get_bind()
    for alert_id, hint in conn.execute(sa.select(alerts.c.id, alerts.c.url_hint)).all():
        if hint is not None and not _SAFE.fullmatch(hint):
            host = hint.split("/", 1)[0]
            conn.execute(alerts.update().where(alerts.c.id == alert_id)
                         .values(url_hint=f"{host}/… (paste the URL again)"[:80]))


def downgrade():
    pass  # the tokens cut from the hints are not put back
