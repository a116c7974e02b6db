"""Push receivers for 17TRACK and AfterShip: verify, queue for a worker, acknowledge at once."""

import hashlib
import json
from datetime import UTC

from flask import Blueprint, current_app, request
from redis.exceptions import RedisError
from werkzeug.exceptions import RequestEntityTooLarge

from jobs.provider_keys import decrypt_key
from jobs.providers import ProviderError, Result
from jobs.providers import aftership as aftership_api
from jobs.providers import seventeentrack as seventeentrack_api
from jobs.pushes import count_events
from jobs.queues import enqueue_push, redis_connection
from jobs.store.models import Merchant, utcnow

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
NOTHING = ("", 404)  # unknown token, or the merchant does not use that provider
REFUSED = ("", 401)  # the signature does not match
MALFORMED = ("", 400)  # signed, but not shaped like the provider's documented payload
TOO_BIG = ("The push is larger than this server accepts.", 413, {"Content-Type": "text/plain"})
STALE = ("The push is older than this server accepts.", 422, {"Content-Type": "text/plain"})
BUSY = ("", 503, {"Retry-After": "60"})


@bp.post("/17track/<token>")
def seventeentrack(token):
    """A 17TRACK push (`sign` = sha256 of body + "/" + API key); TRACKING_UPDATED is queued."""
    merchant = _merchant(token, "17track")
    key = _secret(merchant, "17track")
    if not key:
        return NOTHING
    body = _body()
    if body is None:
        return TOO_BIG
    if not seventeentrack_api.verify_webhook(body, request.headers.get("sign", ""), key):
        return REFUSED
    payload = _json(body)
    data = payload.get("data")
    if payload.get("event") == "TRACKING_UPDATED" and isinstance(data, dict):
        return _accept(merchant, "17track", data, body, seventeentrack_api.result_from_item)
    return "", 200  # other events (TRACKING_STOPPED) are acknowledged and ignored


@bp.post("/aftership/<token>")
def aftership(token):
    """An AfterShip push (`aftership-hmac-sha256` with the webhook secret); tracking_update."""
    merchant = _merchant(token, "aftership")
    secret = _secret(merchant, "aftership")
    if not secret:
        return NOTHING
    body = _body()
    if body is None:
        return TOO_BIG
    signature = request.headers.get("aftership-hmac-sha256", "")
    if not aftership_api.verify_webhook(body, signature, secret):
        return REFUSED
    payload = _json(body)
    msg = payload.get("msg")
    if _too_old(payload.get("ts")):
        return STALE  # a replayed (or long-delayed) push: its news is out of date
    if payload.get("event") == "tracking_update" and isinstance(msg, dict):
        return _accept(merchant, "aftership", msg, body, aftership_api.result_from_tracking)
    return "", 200


def _body() -> bytes | None:
    """The raw body, or None when it is larger than WEBHOOK_MAX_BYTES (never read whole)."""
    request.max_content_length = current_app.config["WEBHOOK_MAX_BYTES"]
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        return None


def _too_old(ts) -> bool:
    """Whether the provider's own timestamp (Unix seconds) is older than the accepted window."""
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        return False
    age = utcnow().replace(tzinfo=UTC).timestamp() - ts
    return age > current_app.config["WEBHOOK_MAX_AGE_HOURS"] * 3600


def _accept(merchant: Merchant, provider: str, item: dict, body: bytes, parse):
    """Queue the push for a worker and acknowledge at once; refuse over-long or malformed ones."""
    limit = current_app.config["WEBHOOK_MAX_EVENTS"]
    if count_events(provider, item) > limit:
        return f"A push may carry at most {limit} events.", 413, {"Content-Type": "text/plain"}
    if _parsed(parse, item) is None:
        return MALFORMED
    try:
        enqueue_push(
            redis_connection(current_app.config),
            merchant.id,
            provider,
            item,
            hashlib.sha256(body).hexdigest()[:32],
        )
    except RedisError:
        return BUSY  # nothing is lost: the provider pushes again later
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
