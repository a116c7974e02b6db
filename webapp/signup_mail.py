"""Sign-up confirmed by email (when SMTP is configured), so sign-up never tells whether an
address already has an account: every sign-up gets the same answer ("check your inbox"); a new
address receives a confirmation link, an existing one a notice.

The link carries the pending account (email, name, password hash) encrypted and authenticated
(Fernet under a key derived from SECRET_KEY), so nothing is stored before it is confirmed.
"""

import base64
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.security import generate_password_hash

from webapp.mail import MAIL_ERRORS, external_url, send_mail

bp = Blueprint("signup_mail", __name__, url_prefix="/signup")
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


@bp.get("/sent")
def sent():
    """The same answer for every sign-up: look in your inbox."""
    return render_template("auth/signup_sent.html")


class ConfirmForm(FlaskForm):
    pass


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """The link from the email: a button (GET changes nothing); its POST creates the account
    and logs the merchant in."""
    from webapp.auth import create_account_with_hash, start_session

    pending = unseal(b"signup", token)
    if pending is None:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template("auth/signup_confirm.html", form=form, email=pending["email"])
    merchant = create_account_with_hash(pending["email"], pending["hash"], pending["name"])
    if merchant is None:
        flash("This account exists already: log in.")
        return redirect(url_for("auth.login"), 303)
    start_session(merchant)
    return redirect(url_for("uploads.index"), 303)
