"""Merchant settings: the tracking provider, its API key (kept encrypted), a connection test."""

import secrets

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from jobs.merchant_provider import ProviderChoice, choice_for
from jobs.provider_keys import decrypt_key, encrypt_key, key_hint
from jobs.providers import ProviderError
from jobs.store.models import Merchant, Shipment, db, utcnow
from webapp import throttle
from webapp.htmx import render

bp = Blueprint("settings", __name__, url_prefix="/settings")
PROVIDER_LABELS = {"sandbox": "Sandbox (demo data)", "17track": "17TRACK", "aftership": "AfterShip"}


class ProviderForm(FlaskForm):
    provider = RadioField(
        "Tracking provider", choices=[SelectChoice(k, v) for k, v in PROVIDER_LABELS.items()]
    )
    api_key = PasswordField("API key", validators=[Optional(), Length(max=200)])
    webhook_secret = PasswordField(
        "AfterShip webhook secret (optional)", validators=[Optional(), Length(max=200)]
    )


def _merchant() -> Merchant:
    return Merchant.get_by_id(current_user.id)


def _stored_key(merchant: Merchant, name: str) -> str:
    """The merchant's saved key when it belongs to `name`, else ""."""
    if merchant.provider != name or not merchant.provider_key:
        return ""
    return decrypt_key(merchant.provider_key, current_app.config["SECRET_KEY"])


@bp.get("/provider")
@login_required
def provider():
    """The provider form, showing only the last 4 characters of the saved key."""
    merchant = _merchant()
    chosen = merchant.provider or choice_for(merchant, current_app.config).name
    return _page(ProviderForm(provider=chosen), merchant)


def _page(form, merchant, status=200, connection=None, partial="settings/_provider.html"):
    try:
        hint = key_hint(_stored_key(merchant, merchant.provider)) if merchant.provider_key else ""
    except ProviderError as exc:
        hint, connection = "", connection or {"ok": False, "message": str(exc)}
    body, _, headers = render(
        "settings/provider.html",
        partial,
        form=form,
        merchant=merchant,
        hint=hint,
        labels=PROVIDER_LABELS,
        default_name=(current_app.config.get("TRACKING_PROVIDER") or "sandbox"),
        connection=connection,
    )
    return body, status, headers


@bp.post("/provider")
@login_required
def save():
    """Save the provider and key; a blank key keeps the saved one for the same provider."""
    form, merchant = ProviderForm(), _merchant()
    if not form.validate_on_submit():
        return _page(form, merchant, 422)
    name, key = form.provider.data, (form.api_key.data or "").strip()
    if name != "sandbox" and not key and not (merchant.provider == name and merchant.provider_key):
        form.api_key.errors.append(f"Enter the API key of your {PROVIDER_LABELS[name]} account.")
        return _page(form, merchant, 422)
    with db.atomic():
        Merchant.update(**_changes(merchant, name, key, form)).where(
            Merchant.id == merchant.id
        ).execute()
        if name != merchant.provider:  # the new provider learns every open parcel at once
            Shipment.update(next_check_at=utcnow()).where(
                Shipment.merchant == merchant.id, Shipment.next_check_at.is_null(False)
            ).execute()
    flash(f"Tracking provider saved: {PROVIDER_LABELS[name]}.")
    return redirect(url_for("settings.provider"), 303)


def _changes(merchant, name, key, form) -> dict:
    secret_key = current_app.config["SECRET_KEY"]
    changes = {"provider": name}
    if name == "sandbox":
        changes.update(provider_key=None, webhook_secret=None)
    elif key:
        changes["provider_key"] = encrypt_key(key, secret_key)
    webhook_secret = (form.webhook_secret.data or "").strip()
    if name == "aftership" and webhook_secret:
        changes["webhook_secret"] = encrypt_key(webhook_secret, secret_key)
    if not merchant.webhook_token:
        changes["webhook_token"] = secrets.token_urlsafe(24)
    return changes


@bp.post("/provider/test")
@login_required
def test_connection():
    """Ask the chosen provider whether the key works; show its answer or its error sentence."""
    form, merchant = ProviderForm(), _merchant()
    form.validate()
    limit = current_app.config["CONNECTION_TEST_RATE_LIMIT"]
    if wait := throttle.hit("connection-test", merchant.id, limit):
        connection = {"ok": False, "message": f"Too many tests in a short time; wait {wait} min."}
        return _page(form, merchant, 429, connection, partial="settings/_connection.html")
    name = form.provider.data if form.provider.data in PROVIDER_LABELS else merchant.provider
    name = name or choice_for(merchant, current_app.config).name
    try:
        key = (form.api_key.data or "").strip() or _stored_key(merchant, name)
        default = choice_for(merchant, current_app.config) if not merchant.provider else None
        if not key and default and default.name == name:
            key = default.api_key  # a merchant who chose nothing uses the global key
        message = ProviderChoice(name, key).provider(current_app.config).check_connection()
        connection = {"ok": True, "message": message}
    except ProviderError as exc:
        connection = {"ok": False, "message": str(exc)}
    return _page(form, merchant, connection=connection, partial="settings/_connection.html")
