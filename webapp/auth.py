"""Merchant accounts: sign-up, log-in, log-out."""

import hmac
import secrets
from functools import cache
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from peewee import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from jobs.store.models import Merchant, db, new_session_token
from webapp import throttle
from webapp.mail import mail_configured
from webapp.sealed_links import send_signup_mail

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


STRONG_ENOUGH = 3  # zxcvbn score: about 10^8 guesses or more
ESTIMATED_LENGTH = 72  # zxcvbn refuses longer input; the start of a password says enough


def password_problem(password: str, email: str, name: str = "") -> str | None:
    """Why a password is too weak (length, a common password, the email in it, or zxcvbn's
    estimate below "safely unguessable"), in a sentence that says what to do; or None."""
    lowered = password.lower()
    if len(password) < MIN_PASSWORD:
        return f"The password must have at least {MIN_PASSWORD} characters."
    local = email.split("@")[0].lower()
    if len(local) >= 4 and local in lowered:
        return "The password must not contain your email address."
    if _is_common(lowered):
        return "This password is too easy to guess: it is on lists of common passwords."
    inputs = [email, local, *email.split("@")[-1].split("."), *name.split(), "parceldesk"]
    estimate = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=[w for w in inputs if w])
    if estimate["score"] >= STRONG_ENOUGH:
        return None
    feedback = estimate["feedback"]
    hints = [feedback["warning"], *feedback["suggestions"][:1]]
    hint = " ".join(h for h in hints if h) or "Add another word or two; uncommon words are better."
    return f"This password is too easy to guess. {hint}"


def _is_common(lowered: str) -> bool:
    """On zxcvbn's list of 30,000 common passwords (or ours), even with digits or ! after it."""
    common = _common_passwords()
    return any(word in common for word in {lowered, lowered.rstrip("0123456789!.?*#@$ ")})


@cache
def _common_passwords() -> frozenset:
    return frozenset(FREQUENCY_LISTS["passwords"]) | COMMON_PASSWORDS


def create_merchant(email: str, password: str, name: str = "") -> Merchant:
    """Create an account; raises ValueError when the email is taken or the password weak."""
    problem = password_problem(password, email, name)
    if problem:
        raise ValueError(problem)
    merchant = create_account_with_hash(email, generate_password_hash(password), name)
    if merchant is None:
        raise ValueError(ACCOUNT_EXISTS)
    return merchant


ACCOUNT_EXISTS = "An account with this email already exists."
# Without SMTP, sign-up cannot prove the address is the visitor's, so it can only say that
# this address cannot be used (rate-limited per client address: SIGNUP_RATE_LIMIT).
NEUTRAL_REFUSAL = "This address cannot be used to sign up. If it is yours, log in instead."


def create_account_with_hash(email: str, password_hash: str, name: str = "") -> Merchant | None:
    """Store a new account; None when the email is taken (the unique index decides)."""
    try:
        with db.atomic():
            return Merchant.create(
                email=email.strip().lower(), name=name.strip()[:200], password_hash=password_hash
            )
    except IntegrityError:
        return None


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Sign-up form. With SMTP configured every sign-up is answered "check your inbox" (a link
    for a new address, a notice for an existing one); without, the new merchant is logged in."""
    form = SignupForm()
    status = 422
    if form.validate_on_submit():
        email, name = form.email.data.strip().lower(), (form.name.data or "").strip()
        address = request.remote_addr or "unknown"
        limit = current_app.config["SIGNUP_RATE_LIMIT"]
        if wait := throttle.hit("signup", address, limit):
            form.email.errors.append(f"Too many sign-ups from your network. Wait {wait} min.")
            status = 429
        elif problem := password_problem(form.password.data, email, name):
            form.password.errors.append(problem)
        elif mail_configured(current_app.config):
            exists = Merchant.select().where(Merchant.email == email).exists()
            if send_signup_mail(email, name, form.password.data, exists):
                return redirect(url_for("signup_mail.sent"), 303)
            form.email.errors.append("The email could not be sent; try again in a few minutes.")
            status = 503
        elif merchant := create_account_with_hash(
            email, generate_password_hash(form.password.data), name
        ):
            start_session(merchant)
            return redirect(url_for("uploads.index"), 303)
        else:
            form.email.errors.append(NEUTRAL_REFUSAL)
    return render_template("auth/signup.html", form=form), status if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log-in form, throttled per account and per client address."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email, address = form.email.data.strip().lower(), request.remote_addr or "unknown"
        wait, attempt = throttle.begin_login(email, address)
        if wait:
            form.password.errors.append(
                f"Too many failed log-ins. Try again in {wait} minute{'s' if wait > 1 else ''}."
            )
            status = 429
        elif merchant := _merchant_with_password(email, form.password.data):
            throttle.login_succeeded(email, address, attempt)
            start_session(merchant)
            return redirect(_safe_next() or url_for("shipments.index"), 303)
        else:
            form.password.errors.append("Email or password is wrong.")
    return render_template(
        "auth/login.html", form=form
    ), 422 if status == 200 and form.errors else status


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def _merchant_with_password(email: str, password: str) -> Merchant | None:
    """The account when the password is right; an unknown email costs the same hashing time,
    so the answer's timing does not tell whether an account exists."""
    merchant = Merchant.get_or_none(Merchant.email == email)
    stored = merchant.password_hash if merchant else _dummy_hash()
    return merchant if check_password_hash(stored, password) and merchant else None


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
