"""Corrections to purchases: refunds and chargebacks (from a store or an owner).

The purchase's gross amount never changes; each reversal is an Adjustment row
and ``reversed_minor`` is their running sum, never above the gross.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models import Adjustment, Purchase
from models.purchase import CHARGEBACK, REFUND


class CorrectionError(ValueError):
    pass


def apply_reversal(purchase: Purchase, kind: str, amount_minor: int | None = None, *,
                   user_id: int | None = None, external_id: str | None = None,
                   reason: str | None = None) -> tuple[Adjustment | None, bool]:
    """Reverse ``amount_minor`` (None: all that remains) of ``purchase``.

    Idempotent on (purchase, kind, external_id) when ``external_id`` is given:
    a repeat returns (existing adjustment, False) and changes nothing.
    """
    if kind not in (REFUND, CHARGEBACK):
        raise CorrectionError(f"unknown reversal kind {kind!r}")
    if external_id and (existing := _existing(purchase.id, kind, external_id)):
        return existing, False
    db.session.refresh(purchase, with_for_update=True)  # row lock on PostgreSQL: no lost update
    remaining = purchase.amount_minor - purchase.reversed_minor
    amount = remaining if amount_minor is None else amount_minor
    if amount <= 0 or amount > remaining:
        raise CorrectionError(f"amount must be between 0.01 and what remains ({remaining} minor units)")
    adjustment = Adjustment(purchase_id=purchase.id, kind=kind, amount_minor=amount,
                            user_id=user_id, external_id=external_id, reason=reason)
    try:
        with db.session.begin_nested():
            db.session.add(adjustment)
            db.session.flush()
    except IntegrityError:  # the same store event raced us and won
        return _existing(purchase.id, kind, external_id), False
    purchase.reversed_minor += amount
    return adjustment, True


def _existing(purchase_id: int, kind: str, external_id: str | None) -> Adjustment | None:
    return db.session.scalar(select(Adjustment).filter_by(
        purchase_id=purchase_id, kind=kind, external_id=external_id))
