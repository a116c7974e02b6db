"""Merchant API keys at rest: Fernet tokens under a key derived from SECRET_KEY (not in the DB)."""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from jobs.providers.base import PermanentError

# Fixed context strings: a different purpose of SECRET_KEY never yields the same key.
SALT = b"parceldesk provider keys"
INFO = b"fernet v1"


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=INFO).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt_key(plain: str, secret_key: str) -> str:
    """Encrypt (and authenticate) an API key for storage."""
    return _fernet(secret_key).encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt_key(token: str, secret_key: str) -> str:
    """The stored API key in clear; PermanentError when SECRET_KEY changed or the token is bad."""
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise PermanentError(
            "the stored API key cannot be read (SECRET_KEY changed?); enter it again"
        ) from None


def key_hint(plain: str) -> str:
    """What the page shows of a key: its last 4 characters only."""
    return f"…{plain[-4:]}" if len(plain) > 4 else "…"


def fingerprint(plain: str, secret_key: str) -> str:
    """A short keyed digest naming an API key in Redis keys, never the key itself."""
    return hmac.new(secret_key.encode("utf-8"), plain.encode("utf-8"), hashlib.sha256).hexdigest()[
        :16
    ]
