"""Merchant accounts: sign-up, log-in, log-out."""

import hmac
from urllib.parse import unquote, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from webapp import throttle
from webapp.models import Merchant, db, new_session_token

bp = Blueprint("auth", __name__)
MIN_PASSWORD = 10


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class SignupForm(LoginForm):
    name = StringField("Shop name", validators=[Length(max=200)])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(),
            Length(
                MIN_PASSWORD, 200, f"The password must have at least {MIN_PASSWORD} characters."
            ),
        ],
    )


def load_merchant(session_id):
    """flask-login user loader: the session must name the account and its current token."""
    merchant_id, _, token = (session_id or "").partition(":")
    if not (merchant_id.isdigit() and len(merchant_id) < 19 and token):
        return None  # includes sessions from before tokens existed: they log in again
    merchant = Merchant.get_or_none(Merchant.id == int(merchant_id))
    if merchant is None or not hmac.compare_digest(merchant.session_token, token):
        return None
    return merchant


def end_all_sessions(merchant_id: int):
    """Replace the merchant's session token: every session cookie issued so far stops working."""
    Merchant.update(session_token=new_session_token()).where(Merchant.id == merchant_id).execute()


def unauthorized():
    """Send visitors to log-in; htmx requests get HX-Redirect instead of a form inside a cell."""
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request") == "true":
        return "", 401, {"HX-Redirect": target}
    return redirect(target)


COMMON_PASSWORDS = {
    "password",
    "password1",
    "password123",
    "passw0rd",
    "qwerty",
    "qwertyuiop",
    "qwerty123",
    "123456",
    "1234567890",
    "12345678910",
    "abc123",
    "iloveyou",
    "letmein",
    "welcome",
    "admin",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "sunshine",
    "princess",
    "parceldesk",
}


def password_problem(password: str, email: str) -> str | None:
    """Why a password is too weak (length, a well-known password, the email in it), or None."""
    lowered = password.lower()
    if len(password) < MIN_PASSWORD:
        return f"The password must have at least {MIN_PASSWORD} characters."
    if len(set(password)) < 4 or lowered.rstrip("0123456789!") in COMMON_PASSWORDS:
        return "This password is too easy to guess; choose a less common one."
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        return "The password must not contain your email address."
    return None


def create_merchant(email: str, password: str, name: str = "") -> Merchant:
    """Create an account; raises ValueError when the email is taken or the password weak."""
    problem = password_problem(password, email)
    if problem:
        raise ValueError(problem)
    try:
        with db.atomic():
            return Merchant.create(
                email=email.strip().lower(),
                name=name.strip(),
                password_hash=generate_password_hash(password),
            )
    except IntegrityError:
        raise ValueError("An account with this email already exists.") from None


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Sign-up form; a new merchant is logged in straight away."""
    form = SignupForm()
    if form.validate_on_submit():
        try:
            merchant = create_merchant(form.email.data, form.password.data, form.name.data or "")
        except ValueError as error:
            field = form.email if "account" in str(error) else form.password
            field.errors.append(str(error))
        else:
            start_session(merchant)
            return redirect(url_for("uploads.index"), 303)
    return render_template("auth/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log-in form, throttled per account and per client address."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email, address = form.email.data.strip().lower(), request.remote_addr or "unknown"
        wait = throttle.minutes_blocked(email, address)
        merchant = None if wait else Merchant.get_or_none(Merchant.email == email)
        if wait:
            form.password.errors.append(
                f"Too many failed log-ins. Try again in {wait} minute{'s' if wait > 1 else ''}."
            )
            status = 429
        elif merchant and check_password_hash(merchant.password_hash, form.password.data):
            throttle.clear_account(email, address)
            start_session(merchant)
            return redirect(_safe_next() or url_for("shipments.index"), 303)
        else:
            throttle.record_failure(email, address)
            form.password.errors.append("Email or password is wrong.")
    return render_template(
        "auth/login.html", form=form
    ), 422 if status == 200 and form.errors else status


def start_session(merchant):
    """A fresh session for a fresh log-in: nothing from before it carries over.

    The session is permanent so that it ends after SESSION_IDLE_MINUTES without a request
    (Flask checks the cookie's signed timestamp, renewed on every request).
    """
    session.clear()
    session.permanent = True
    login_user(merchant)


@bp.post("/logout")
@login_required
def logout():
    """Log out everywhere: this session and every other session of the merchant end."""
    end_all_sessions(current_user.id)
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("auth.login"), 303)


def _safe_next():
    """The `next` page when it is a path of this site; None for anything a browser could read
    as another site (`//host`, `/\\host`, a scheme, control characters it would drop)."""
    target = request.args.get("next", "")
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in target + unquote(target)):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
