"""Push receivers for 17TRACK and AfterShip: verify the signature, then apply like a poll."""

import json

from flask import Blueprint, current_app, request

from jobs.merchant_provider import choice_for
from jobs.provider_keys import decrypt_key
from jobs.providers import ProviderError, Result
from jobs.providers import aftership as aftership_api
from jobs.providers import seventeentrack as seventeentrack_api
from jobs.resolve import apply_results
from webapp.models import Merchant, Shipment, utcnow

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
NOTHING = ("", 404)  # unknown token, or the merchant does not use that provider
REFUSED = ("", 401)  # the signature does not match
MALFORMED = ("", 400)  # signed, but not shaped like the provider's documented payload


@bp.post("/17track/<token>")
def seventeentrack(token):
    """A 17TRACK push (`sign` = sha256 of body + "/" + API key); TRACKING_UPDATED is applied."""
    merchant = _merchant(token, "17track")
    key = _secret(merchant, "17track")
    if not key:
        return NOTHING
    body = request.get_data()
    if not seventeentrack_api.verify_webhook(body, request.headers.get("sign", ""), key):
        return REFUSED
    payload = _json(body)
    data = payload.get("data") if isinstance(payload, dict) else None
    if payload.get("event") == "TRACKING_UPDATED" and isinstance(data, dict):
        result = _parsed(seventeentrack_api.result_from_item, data)
        if result is None:
            return MALFORMED
        _apply_pushed(merchant, result)
    return "", 200  # other events (TRACKING_STOPPED) are acknowledged and ignored


@bp.post("/aftership/<token>")
def aftership(token):
    """An AfterShip push (`aftership-hmac-sha256` with the webhook secret); tracking_update."""
    merchant = _merchant(token, "aftership")
    secret = _secret(merchant, "aftership")
    if not secret:
        return NOTHING
    body = request.get_data()
    signature = request.headers.get("aftership-hmac-sha256", "")
    if not aftership_api.verify_webhook(body, signature, secret):
        return REFUSED
    payload = _json(body)
    msg = payload.get("msg") if isinstance(payload, dict) else None
    if payload.get("event") == "tracking_update" and isinstance(msg, dict):
        result = _parsed(aftership_api.result_from_tracking, msg)
        if result is None:
            return MALFORMED
        _apply_pushed(merchant, result)
    return "", 200


def _merchant(token: str, provider: str) -> Merchant | None:
    if not token:
        return None
    merchant = Merchant.get_or_none(Merchant.webhook_token == token)
    return merchant if merchant is not None and merchant.provider == provider else None


def _secret(merchant: Merchant | None, provider: str) -> str:
    """The key that signs this merchant's pushes ("" when there is none to check against)."""
    if merchant is None:
        return ""
    stored = merchant.provider_key if provider == "17track" else merchant.webhook_secret
    try:
        return decrypt_key(stored, current_app.config["SECRET_KEY"]) if stored else ""
    except ProviderError:
        return ""


def _parsed(parse, item: dict) -> Result | None:
    """The provider's parser applied to a pushed item; None when its fields have wrong types."""
    try:
        result = parse(item)
    except (AttributeError, TypeError, ValueError, KeyError):
        return None
    codes = (result.native_status, result.native_substatus)
    return result if all(isinstance(code, str | None) for code in codes) else None


def _json(body: bytes) -> dict:
    try:
        payload = json.loads(body)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _apply_pushed(merchant: Merchant, result: Result):
    """Store and classify a pushed result for the merchant's shipment with that number."""
    number = (result.number or "").strip()
    shipment = Shipment.get_or_none(
        Shipment.merchant == merchant.id, Shipment.tracking_number.in_({number, number.upper()})
    )
    if shipment is None:
        return  # not one of this merchant's parcels: acknowledged, nothing stored
    choice = choice_for(merchant, current_app.config)
    settings = choice.settings(current_app.config)
    apply_results([shipment], {shipment.tracking_number: result}, choice.name, settings, utcnow())
