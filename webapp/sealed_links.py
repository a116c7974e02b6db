"""Links sent by email, sealed so nothing is stored before they are opened: the sign-up
confirmation and the digest address confirmation.

The link carries its data (for sign-up: email, name, password hash) encrypted and authenticated
(Fernet under a key derived from SECRET_KEY, one key per purpose) and timestamped.
"""

import base64
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from werkzeug.security import generate_password_hash

from webapp.mail import MAIL_ERRORS, external_url, send_mail

LINK_HOURS = 24


@cache
def _fernet(secret_key: str, purpose: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"parceldesk links", info=purpose)
    return Fernet(base64.urlsafe_b64encode(derived.derive(secret_key.encode("utf-8"))))


def seal(purpose: bytes, data: dict) -> str:
    """An encrypted, authenticated, timestamped token for a link in an email."""
    plain = json.dumps(data).encode("utf-8")
    return _fernet(current_app.config["SECRET_KEY"], purpose).encrypt(plain).decode("ascii")


def unseal(purpose: bytes, token: str, max_hours: int = LINK_HOURS) -> dict | None:
    """The data of a token made by `seal` for the same purpose, or None (forged, too old)."""
    try:
        fernet = _fernet(current_app.config["SECRET_KEY"], purpose)
        return json.loads(fernet.decrypt(token.encode("ascii"), ttl=max_hours * 3600))
    except (InvalidToken, ValueError, UnicodeError):
        return None


def send_signup_mail(email: str, name: str, password: str, exists: bool) -> bool:
    """Mail a confirmation link (new address) or a notice (existing account); False when the
    mail server refused. Both paths hash the password, so they take the same time."""
    pending = {"email": email, "name": name, "hash": generate_password_hash(password)}
    if exists:
        subject = "Someone tried to sign up to Parceldesk with your address"
        body = (
            "Someone (perhaps you) tried to create a Parceldesk account with this address, "
            "which already has one. Nothing was changed.\n\nLog in here: "
            f"{external_url('auth.login')}\n\nIf this was not you, you can ignore this email.\n"
        )
    else:
        link = external_url("signup_mail.confirm", token=seal(b"signup", pending))
        subject = "Confirm your Parceldesk account"
        body = (
            f"Open this link within {LINK_HOURS} hours to create your Parceldesk account:\n\n"
            f"{link}\n\nIf you did not sign up, ignore this email: nothing is created.\n"
        )
    try:
        send_mail(current_app.config, email, subject, body)
    except MAIL_ERRORS:
        current_app.logger.warning("sign-up email could not be sent")
        return False
    return True
