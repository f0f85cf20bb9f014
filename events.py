"""The normalised events every store module produces, and the two ways a delivery fails.

A store module (providers/) turns a delivery into a list of these; the ledger records
each one with its handler (ledger.ingest). Nothing here knows of HTTP or the database.

Events: PurchaseEvent, ReversalEvent (by transaction id), MatchedReversalEvent (no
transaction id: Tally finds the purchase), StoreActivityEvent (visits, rewards, ...),
VerificationRequest (answered by Tally's rule), ReplyEvent (a fixed 200 body, e.g. a
validation handshake) and IgnoredEvent (logged, not recorded).
"""
from __future__ import annotations

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
