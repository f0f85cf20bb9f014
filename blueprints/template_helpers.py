"""The Jinja filters and globals every template may use, registered in one place."""
from dataclasses import dataclass

import money
import runtime
from ledger import health, jobs, receipts


def mask_email(email: str | None) -> str:
    """p***@example.com"""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else f"{local[:1]}***"


def permille(value: int | None) -> str:
    """Tenths of a percent as text: 123 -> "12.3%"."""
    if value is None:
        return "—"
    whole, tenth = divmod(abs(value), 10)
    return f"{'-' if value < 0 else ''}{whole}.{tenth}%"


@dataclass(frozen=True)
class Notices:
    failing: list  # integrations whose deliveries are failing
    waiting: int  # deliveries received and not applied yet
    recounting: bool  # the revenue figures are being recounted (after a delete)


def notices(network_id: int, server_id: int | None = None) -> Notices:
    """What the top of a Network's (or Server's) pages must say (templates/_notices.html)."""
    return Notices(health.failing(network_id, server_id), receipts.backlog(network_id).waiting,
                   jobs.pending(jobs.RECOUNT, network_id))


FILTERS = {"money": money.format_amount, "mask_email": mask_email, "permille": permille}
GLOBALS = {"public_url": runtime.public_url, "notices": notices}


def install(app) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
