"""The Jinja filters and globals every template may use, registered in one place."""
import money
import runtime


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


FILTERS = {"money": money.format_amount, "mask_email": mask_email, "permille": permille}
GLOBALS = {"public_url": runtime.public_url}


def install(app) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
