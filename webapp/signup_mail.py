"""Sign-up confirmed by email (when SMTP is configured), so sign-up never tells whether an
address already has an account: every sign-up gets the same answer ("check your inbox"); a new
address receives a confirmation link, an existing one a notice.

The link (`sealed_links`) carries the pending account, so nothing is stored before it is
confirmed.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm

from webapp.auth import create_account_with_hash, start_session
from webapp.sealed_links import unseal

bp = Blueprint("signup_mail", __name__, url_prefix="/signup")


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
