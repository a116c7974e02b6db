"""The daily digest's settings: opt in, and the address it goes to."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import Length, Optional, Regexp

from jobs.store.models import Merchant
from webapp.htmx import render
from webapp.mail import MAIL_ERRORS, external_url, mail_configured, send_mail
from webapp.sealed_links import LINK_HOURS, seal, unseal
from webapp.timezones import describe_schedule, merchant_zone_name

bp = Blueprint("digest_settings", __name__, url_prefix="/settings/digest")
DIGEST_LINK = b"digest address"


class DigestForm(FlaskForm):
    digest_opt_in = BooleanField("Email me the exceptions report every morning")
    digest_email = EmailField(
        "Send it to (leave empty for your account's email)",
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter a valid email address."),
        ],
    )


@bp.route("", methods=["GET", "POST"])
@login_required
def edit():
    """Show the digest settings; a valid POST saves them and redirects back (303)."""
    merchant = Merchant.get_by_id(current_user.id)
    form = DigestForm(obj=merchant)
    if form.validate_on_submit():
        wanted = (form.digest_email.data or "").strip().lower()
        changes = {"digest_opt_in": form.digest_opt_in.data}
        if wanted in ("", merchant.email):
            changes["digest_email"] = ""  # the account's own address needs no confirmation
        elif wanted != merchant.digest_email and not _confirmation_sent(merchant, wanted, form):
            return _page(form, merchant, 422)
        Merchant.update(**changes).where(Merchant.id == merchant.id).execute()
        flash("Digest settings saved.")
        return redirect(url_for("digest_settings.edit"), 303)
    return _page(form, merchant, 422 if form.errors else 200)


def _confirmation_sent(merchant, address, form) -> bool:
    """Mail a link that makes `address` the digest's; the digest goes there only once it is
    opened (an address nobody confirmed never receives customer data)."""
    if not mail_configured(current_app.config):
        form.digest_email.errors.append(
            "Another address can be confirmed only when a mail server is configured (SMTP_HOST)."
        )
        return False
    link = external_url(
        "digest_settings.confirm",
        token=seal(DIGEST_LINK, {"merchant": merchant.id, "email": address}),
    )
    body = (
        f"{merchant.email} asked Parceldesk to send its daily exceptions report to this address."
        f"\n\nOpen this link within {LINK_HOURS} hours to accept:\n\n{link}\n\n"
        "If you do not know why, ignore this email: nothing is sent to you.\n"
    )
    try:
        send_mail(current_app.config, address, "Confirm the Parceldesk digest address", body)
    except MAIL_ERRORS:
        form.digest_email.errors.append("The confirmation email could not be sent; try later.")
        return False
    flash(f"We sent a confirmation link to {address}; the digest goes there once it is opened.")
    return True


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token):
    """The link from the confirmation email: a button (GET changes nothing); its POST makes the
    address the digest's. No log-in needed: opening the mailbox is the proof."""
    pending = unseal(DIGEST_LINK, token)
    if pending is None:
        abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        return render_template("settings/digest_confirm.html", form=form, email=pending["email"])
    Merchant.update(digest_email=pending["email"]).where(
        Merchant.id == pending["merchant"]
    ).execute()
    return render_template("settings/digest_confirm.html", form=None, email=pending["email"])


def _page(form, merchant, status):
    body, _, headers = render(
        "settings/digest.html",
        "settings/_digest.html",
        form=form,
        merchant=merchant,
        smtp_ready=bool(current_app.config.get("SMTP_HOST")),
        send_at=current_app.config.get("DIGEST_CRON"),
        schedule=describe_schedule(current_app.config["DIGEST_CRON"], merchant_zone_name()),
    )
    return body, status, headers
