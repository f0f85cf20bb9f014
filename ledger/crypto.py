"""Generating, encrypting and checking secrets.

Integration secrets are Fernet-encrypted with a key derived from SECRET_KEY
(HKDF-SHA256), so a copy of the database alone does not reveal them. Plugin API
keys are random 32-byte tokens stored only as SHA-256 digests.
"""
import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def new_secret() -> str:
    """A webhook signing secret: 32 random bytes, URL-safe."""
    return "whsec_" + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return "tly_" + secrets.token_urlsafe(32)


def new_project_id() -> str:
    """Public Server identifier: 16 random bytes as hex. URL-safe and unguessable, and never
    starts with "-", which a command line would take for an option."""
    return secrets.token_hex(16)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _fernet() -> Fernet:
    secret_key = current_app.config["SECRET_KEY"].encode("utf-8")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"tally integration secrets").derive(secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> bytes:
    return _fernet().encrypt(plain.encode("utf-8"))


def decrypt(token: bytes) -> str:
    return _fernet().decrypt(token).decode("utf-8")
