"""The daily digest's settings: opt in, and the address it goes to."""

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import Length, Optional, Regexp

from webapp.htmx import render
from webapp.models import Merchant
from webapp.timezones import describe_schedule, merchant_zone_name

bp = Blueprint("digest_settings", __name__, url_prefix="/settings/digest")


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
        Merchant.update(
            digest_opt_in=form.digest_opt_in.data,
            digest_email=(form.digest_email.data or "").strip().lower(),
        ).where(Merchant.id == merchant.id).execute()
        flash("Digest settings saved.")
        return redirect(url_for("digest_settings.edit"), 303)
    status = 422 if form.errors else 200
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
