"""Binding a signature to the one transaction it was first accepted for.

For stores whose signature covers only some fields of the body (Donation Store signs the
transaction id, UUID and email, glued together), a second delivery that reuses a seen
signature for another transaction is a forgery: the fields were re-cut or the rest of the
body was changed. Tally keeps a digest of every such signature with its transaction id.
"""
import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db
from models import SignatureUse

_INSERT = {name: dialect.insert(SignatureUse).on_conflict_do_nothing(
    index_elements=["server_id", "store", "signature"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}


def claim(server_id: int, store: str, signature: str, transaction_id: str) -> bool:
    """Record that ``signature`` stands for ``transaction_id``; False when it was already
    accepted for another transaction (a retry of the same transaction is fine)."""
    digest = hashlib.sha256(signature.strip().lower().encode("utf-8")).hexdigest()
    db.session.execute(_INSERT[db.engine.dialect.name].values(
        server_id=server_id, store=store, signature=digest, transaction_id=transaction_id))
    owner = db.session.scalar(select(SignatureUse.transaction_id).filter_by(
        server_id=server_id, store=store, signature=digest))
    return owner == transaction_id
