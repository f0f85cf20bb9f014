"""Corrections to recorded purchases: refunds, chargebacks, linking and unlinking a Player.

The original amount is never changed. Each correction is an Adjustment row saying
who (user_id; NULL for a store), when and why; refunds and chargebacks add to the
purchase's ``reversed_minor``, which never exceeds ``amount_minor``. The rollups are
adjusted in the same transaction. The caller commits.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from ledger import outbox, rollups
from models import Adjustment, Player, Purchase
from models.purchase import CHARGEBACK, LINK, REFUND, UNLINK

REVERSAL_KINDS = (REFUND, CHARGEBACK)


class CorrectionError(ValueError):
    """The correction cannot be applied; the message says why, for the user."""


def apply_reversal(purchase: Purchase, kind: str, amount_minor: int | None = None, *,
                   user_id: int | None = None, external_id: str | None = None,
                   reason: str | None = None) -> tuple[Adjustment, bool]:
    """Refund or charge back ``amount_minor`` (None: all that remains) of ``purchase``.

    Returns (adjustment, created). With ``external_id`` (a store's refund id) it is
    idempotent: the same (purchase, kind, external_id) again returns the first
    adjustment with created=False, even when it raced us and committed first.
    """
    if kind not in REVERSAL_KINDS:
        raise CorrectionError(f"unknown reversal kind {kind!r}")
    if external_id is not None and (existing := _existing(purchase, kind, external_id)):
        return existing, False
    purchase = _locked(purchase)
    amount = _reversal_amount(purchase, amount_minor, kind)
    adjustment = Adjustment(purchase_id=purchase.id, kind=kind, amount_minor=amount,
                            user_id=user_id, external_id=external_id, reason=reason)
    try:
        with db.session.begin_nested():
            db.session.add(adjustment)
            db.session.flush()
    except IntegrityError:
        existing = external_id is not None and _existing(purchase, kind, external_id)
        if not existing:
            raise
        return existing, False
    purchase.reversed_minor = (purchase.reversed_minor or 0) + amount
    rollups.add_reversal(purchase, kind, amount)
    db.session.flush()
    outbox.emit(purchase.network_id, outbox.REFUND if kind == REFUND else outbox.CHARGEBACK,
                outbox.reversal_data(purchase, amount, reason, by_owner=user_id is not None),
                purchase.server_id)
    return adjustment, True


def link_purchase(purchase: Purchase, player: Player, *, user_id: int | None,
                  reason: str | None = None) -> Adjustment:
    """Attribute an Unmatched purchase to a Player of its Server; it takes the Player's Campaign."""
    purchase = _locked(purchase)
    if purchase.player_id is not None:
        raise CorrectionError("this purchase is already linked to a player; unlink it first")
    if player.server_id != purchase.server_id:
        raise CorrectionError("the player is not on this purchase's server")
    rollups.reattribute(purchase, player.id, player.campaign_id)
    return _record(purchase, LINK, user_id, reason,
                   {"player_id": player.id, "username": player.username,
                    "campaign_id": player.campaign_id})


def unlink_purchase(purchase: Purchase, *, user_id: int | None,
                    reason: str | None = None) -> Adjustment:
    """Make a purchase Unmatched again (and without Campaign), keeping what it was linked to."""
    purchase = _locked(purchase)
    if purchase.player_id is None:
        raise CorrectionError("this purchase is not linked to a player")
    detail = {"player_id": purchase.player_id, "campaign_id": purchase.campaign_id}
    rollups.reattribute(purchase, None, None)
    return _record(purchase, UNLINK, user_id, reason, detail)


def _record(purchase, kind, user_id, reason, detail) -> Adjustment:
    adjustment = Adjustment(purchase_id=purchase.id, kind=kind, amount_minor=0,
                            user_id=user_id, reason=reason, detail=detail)
    db.session.add(adjustment)
    db.session.flush()
    return adjustment


def _reversal_amount(purchase: Purchase, amount_minor: int | None, kind: str) -> int:
    remaining = purchase.amount_minor - (purchase.reversed_minor or 0)
    if amount_minor is None:
        if remaining <= 0:
            raise CorrectionError("this purchase is already fully refunded or charged back")
        return remaining
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise CorrectionError(f"the {kind} amount must be a positive amount")
    if amount_minor > remaining:
        raise CorrectionError(f"the {kind} of {amount_minor} exceeds the {remaining} "
                              f"(minor units of {purchase.currency}) not yet reversed")
    return amount_minor


def _locked(purchase: Purchase) -> Purchase:
    """The purchase re-read under a row lock (PostgreSQL), so concurrent corrections serialise.

    SQLite has no row locks; there, writing requests already hold the database write lock
    (BEGIN IMMEDIATE, see extensions.py).
    """
    return db.session.scalar(select(Purchase).where(Purchase.id == purchase.id)
                             .with_for_update().execution_options(populate_existing=True))


def _existing(purchase: Purchase, kind: str, external_id: str) -> Adjustment | None:
    return db.session.scalar(select(Adjustment).filter_by(
        purchase_id=purchase.id, kind=kind, external_id=external_id))
