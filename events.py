"""The normalised events every store module produces, and the two ways a delivery fails.

A store module (providers/) turns a delivery into a list of these; the ledger records
each one with its handler (ledger.ingest). Nothing here knows of HTTP or the database.

Events: PurchaseEvent, ReversalEvent (by transaction id), MatchedReversalEvent (no
transaction id: Tally finds the purchase), StoreActivityEvent (visits, rewards, ...),
VerificationRequest (answered by Tally's rule), ReplyEvent (a fixed 200 body, e.g. a
validation handshake) and IgnoredEvent (logged, not recorded).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime


class SignatureError(Exception):
    """The delivery is not signed with the integration's secret (HTTP 401)."""


class PayloadError(Exception):
    """The input is unusable (a webhook's content: HTTP 400; a form's field); the message names
    the field."""


@dataclass(frozen=True)
class Item:
    name: str
    quantity: int
    total_minor: int


@dataclass(frozen=True)
class PurchaseEvent:
    """A completed payment. ``duplicate_if_recorded``: other transaction ids that, when
    already recorded for this Server and store, make this event a duplicate (used by
    stores without transaction ids, whose ids are derived from the body and a time bucket)."""

    transaction_id: str
    username: str
    amount_minor: int
    currency: str
    items: tuple[Item, ...]
    purchased_at: datetime
    email: str | None = None
    uuid: str | None = None
    coupon: str | None = None
    recurring: bool = False
    extra: dict = field(default_factory=dict)
    duplicate_if_recorded: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReversalEvent:
    """A refund or chargeback of an earlier purchase, sent by the store."""

    transaction_id: str
    kind: str  # "refund" or "chargeback"
    external_id: str
    amount_minor: int | None = None  # None: the whole remaining amount
    reason: str | None = None


@dataclass(frozen=True)
class MatchedReversalEvent:
    """A refund or chargeback the store sends without a transaction id.

    Tally reverses the most recent purchase of ``username`` on this Server and
    store with this gross ``amount_minor``/``currency`` (and an item called
    ``item_name`` when given) that has no reversal of this ``kind`` yet; with no
    such purchase it records a standalone negative purchase. ``external_id``
    (and ``duplicate_if_recorded``) make retries count once.
    """

    kind: str
    external_id: str
    username: str
    amount_minor: int
    currency: str
    occurred_at: datetime
    item_name: str | None = None
    quantity: int = 1
    uuid: str | None = None
    duplicate_if_recorded: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class StoreActivityEvent:
    """Something a customer did on the store that is not revenue: a visit, a reward, an expiry.

    ``external_id`` (when given) makes it idempotent per Server and store.
    """

    kind: str  # "visit", "expiry", "reward", "dispute", ...
    occurred_at: datetime
    username: str | None = None
    uuid: str | None = None
    detail: dict = field(default_factory=dict)
    external_id: str | None = None
    duplicate_if_recorded: tuple[str, ...] = ()


@dataclass(frozen=True)
class VerificationRequest:
    """The store asks whether this player may log in; the reply is Tally's answer."""

    username: str | None
    uuid: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class ReplyEvent:
    """Answer 200 with ``body`` (e.g. a store's endpoint-validation handshake); record nothing."""

    body: dict


@dataclass(frozen=True)
class IgnoredEvent:
    """A genuine, signed delivery that is deliberately not recorded; ``reason`` goes to the log."""

    reason: str
    transaction_id: str | None = None


# --- the receipt: events kept as JSON between the reply and the ledger (ledger.receipts) ------

_TYPES = {cls.__name__: cls for cls in (PurchaseEvent, ReversalEvent, MatchedReversalEvent,
                                        StoreActivityEvent, VerificationRequest, ReplyEvent,
                                        IgnoredEvent)}
_TIMES = ("purchased_at", "occurred_at")


def dump(events: list) -> str:
    """The events as JSON text; ``load`` gives back equal events."""
    return json.dumps([_plain(event) for event in events], separators=(",", ":"))


def load(text: str) -> list:
    return [_event(data) for data in json.loads(text)]


def _plain(event) -> dict:
    data = {"type": type(event).__name__}
    for name, value in vars(event).items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif name == "items":
            value = [[item.name, item.quantity, item.total_minor] for item in value]
        elif isinstance(value, tuple):
            value = list(value)
        data[name] = value
    return data


def _event(data: dict):
    data = dict(data)
    cls = _TYPES[data.pop("type")]
    for name in _TIMES:
        if name in data:
            data[name] = datetime.fromisoformat(data[name])
    if "items" in data:
        data["items"] = tuple(Item(*item) for item in data["items"])
    if "duplicate_if_recorded" in data:
        data["duplicate_if_recorded"] = tuple(data["duplicate_if_recorded"])
    return cls(**data)
