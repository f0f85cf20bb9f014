"""Generating, encrypting and digesting secrets. (Named so it does not shadow ``secrets``.)

Integration secrets are Fernet-encrypted with a key derived from the app's SECRET_KEY
(HKDF-SHA256), so a copy of the database alone does not reveal them. Views and commands
hand the services a ``SecretBox`` for that key (runtime.secret_box()). Plugin API keys are
random 32-byte tokens stored only as SHA-256 digests.
"""
import base64
import hashlib
import secrets
import threading
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def new_secret() -> str:
    """A webhook signing secret: 32 random bytes, URL-safe."""
    return "whsec_" + secrets.token_urlsafe(32)


def new_api_key() -> str:
    return "tly_" + secrets.token_urlsafe(32)


def new_read_token() -> str:
    """A read API token: 32 random bytes, URL-safe, with a prefix that says what it is."""
    return "tly_read_" + secrets.token_urlsafe(32)


def new_share_token() -> str:
    """A share link's token: 24 random bytes (192 bits), URL-safe."""
    return secrets.token_urlsafe(24)


def new_project_id() -> str:
    """Public Server identifier: 16 random bytes as hex. URL-safe and unguessable, and never
    starts with "-", which a command line would take for an option."""
    return secrets.token_hex(16)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class SecretBox:
    """Encrypts and decrypts store secrets with a key derived from one SECRET_KEY.

    Decryptions are remembered (the webhook path reads the same few secrets all day);
    ``decrypt`` raises cryptography's InvalidToken when the SECRET_KEY changed since.
    """

    MAX_REMEMBERED = 1024

    def __init__(self, secret_key: str):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"tally integration secrets").derive(secret_key.encode("utf-8"))
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self._plain: dict[bytes, str] = {}
        self._lock = threading.Lock()

    def encrypt(self, plain: str) -> bytes:
        return self._fernet.encrypt(plain.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        token = bytes(token)
        plain = self._plain.get(token)
        if plain is None:
            plain = self._fernet.decrypt(token).decode("utf-8")
            with self._lock:
                if len(self._plain) >= self.MAX_REMEMBERED:
                    self._plain.clear()
                self._plain[token] = plain
        return plain


@lru_cache(maxsize=8)
def box_for(secret_key: str) -> SecretBox:
    """The SecretBox of a SECRET_KEY (one per key and process)."""
    return SecretBox(secret_key)
