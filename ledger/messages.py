"""What owners are told about an outbox event: a Discord embed rendered from an alert's
template, and the JSON body an owner's own endpoint receives.

Nothing here links into the dashboard, and no email or secret is ever included: a Discord
channel may be public. Amounts are decimal strings with their currency.
"""
import re

from ledger import outbox
from money import from_minor

PLACEHOLDERS = ("player", "amount", "currency", "items", "campaign", "creator", "store", "server")
DEFAULT_TEMPLATE = ("**{player}** paid **{amount} {currency}** for {items} on {server} "
                    "({store}). Campaign: {campaign}. Creator: {creator}.")
# An alert left on the default template words a refund or chargeback as one ({amount} is
# what was taken back); an owner's own template is used for every kind as written.
DEFAULT_WORDING = {
    outbox.REFUND: "**{player}** was refunded **{amount} {currency}** for {items} on {server} "
                   "({store}). Campaign: {campaign}. Creator: {creator}.",
    outbox.CHARGEBACK: "**{player}** charged back **{amount} {currency}** for {items} on "
                       "{server} ({store}). Campaign: {campaign}. Creator: {creator}.",
}
MAX_TEMPLATE = 1000
TITLES = {outbox.PURCHASE: "New purchase", outbox.REFUND: "Refund",
          outbox.CHARGEBACK: "Chargeback", outbox.INTEGRATION_FAILING: "Store deliveries failing",
          outbox.PAYMENT_PENDING: "Payment pending", outbox.PAYMENT_PAID: "Payment paid"}
COLORS = {outbox.PURCHASE: 0x16A34A, outbox.REFUND: 0xD97706, outbox.CHARGEBACK: 0xDC2626,
          outbox.INTEGRATION_FAILING: 0xDC2626}
EMBED_TEXT = 4096  # Discord's limit for an embed's description
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def values(data: dict, names: dict) -> dict[str, str]:
    """The placeholders' values for an event; ``names`` maps ("server"|"campaign"|"creator",
    id) to a name."""
    currency = data.get("currency") or ""
    amount = data.get("amount_minor")
    items = ", ".join(f"{item['quantity']} × {item['name']}" for item in data.get("items", []))
    return {
        "player": data.get("username") or "", "currency": currency,
        "amount": from_minor(amount, currency) if amount is not None and currency else "",
        "items": items or "a purchase", "store": data.get("store") or "",
        "server": names.get(("server", data.get("server_id"))) or "",
        "campaign": names.get(("campaign", data.get("campaign_id"))) or "none",
        "creator": names.get(("creator", data.get("creator_id"))) or "none",
    }


def render(template: str, filled: dict[str, str]) -> str:
    """``template`` with each known {placeholder} replaced (nothing else is evaluated)."""
    text = _PLACEHOLDER.sub(lambda m: filled.get(m[1], m[0]), template)
    return text[:EMBED_TEXT]


def discord_embed(template: str, kind: str, data: dict, names: dict, created_at) -> dict:
    """One Discord embed for an event (Discord sends up to ten in a message)."""
    filled = values(data, names)
    if kind == outbox.INTEGRATION_FAILING:
        text = f"{data.get('store')} deliveries to {filled['server']} are failing: " \
               f"{data.get('reason')}"
    else:
        if template == DEFAULT_TEMPLATE:
            template = DEFAULT_WORDING.get(kind, template)
        text = render(template, filled)
    return {"title": TITLES.get(kind, kind), "description": text[:EMBED_TEXT],
            "color": COLORS.get(kind, 0x2563EB), "timestamp": created_at.isoformat()}


def webhook_body(uid: str, kind: str, data: dict, names: dict, created_at) -> dict:
    """The JSON an owner's endpoint receives (docs/webhooks.md): the event's stable id, its
    type and time, and what happened, with names resolved and amounts as decimal strings."""
    currency = data.get("currency")
    public = {key: value for key, value in data.items()
              if key not in ("amount_minor", "email") and value is not None}
    if data.get("amount_minor") is not None and currency:
        public["amount"] = from_minor(data["amount_minor"], currency)
    for key in ("server", "campaign", "creator"):
        name = names.get((key, data.get(f"{key}_id")))
        if name:
            public[key] = name
    return {"id": uid, "type": kind, "created_at": created_at.isoformat(), "data": public}
