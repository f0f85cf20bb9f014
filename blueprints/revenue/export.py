"""The purchase list as CSV, streamed one line at a time."""
import csv
import io

from money import from_minor

CSV_HEADER = ("purchased_at", "id", "server", "store", "transaction_id", "username", "matched",
              "campaign", "creator", "coupon", "currency", "amount", "reversed", "net", "items")


def csv_lines(purchases):
    """The CSV text, one line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells):
        writer.writerow([neutralise(cell) for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(CSV_HEADER)
    for p in purchases:
        yield line((
            p.purchased_at.isoformat(), p.id, p.server.name, p.store, p.transaction_id,
            p.username, "yes" if p.player_id else "no", p.campaign.name if p.campaign else "",
            p.creator.name if p.creator else "", p.coupon or "", p.currency,
            from_minor(p.amount_minor, p.currency), from_minor(p.reversed_minor, p.currency),
            from_minor(p.net_minor, p.currency), items_text(p.items)))


def neutralise(cell) -> str:
    """Spreadsheets run cells starting with these as formulas; a leading ' keeps them text."""
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def items_text(items) -> str:
    return "; ".join(f"{i.quantity} x {i.name}" for i in items)
