"""The purchase list as CSV, streamed one line at a time."""
import csv
import io
import re

from money import from_minor

CSV_HEADER = ("purchased_at", "id", "server", "store", "transaction_id", "username", "matched",
              "campaign", "creator", "coupon", "currency", "amount", "reversed", "net", "items")


def csv_text(rows):
    """Rows (the header first) as CSV text, one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in rows:
        writer.writerow([neutralise(cell) for cell in cells])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_lines(purchases):
    """The purchase list's CSV text, one line at a time."""
    return csv_text(_purchase_rows(purchases))


def _purchase_rows(purchases):
    yield CSV_HEADER
    for p in purchases:
        yield (
            p.purchased_at.isoformat(), p.id, p.server.name, p.store, p.transaction_id,
            p.username, "yes" if p.player_id else "no", p.campaign.name if p.campaign else "",
            p.creator.name if p.creator else "", p.coupon or "", p.currency,
            from_minor(p.amount_minor, p.currency), from_minor(p.reversed_minor, p.currency),
            from_minor(p.net_minor, p.currency), items_text(p.items))


NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def neutralise(cell) -> str:
    """Spreadsheets run cells starting with these as formulas; a leading ' keeps them text.
    A plain number (a negative amount) is left as it is: it cannot be a formula."""
    text = str(cell)
    if NUMBER.fullmatch(text):
        return text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def items_text(items) -> str:
    return "; ".join(f"{i.quantity} x {i.name}" for i in items)
