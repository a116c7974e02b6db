"""Push webhooks: signed by the merchant's key, applied through the same code as a poll."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from jobs.store.models import Merchant, Shipment, StatusChange, TrackingEvent
from tests.conftest import run_jobs
from tests.test_aftership import usps_tracking
from tests.test_provider_settings import save_provider
from tests.test_seventeentrack import KEY, track_item

NUMBER = "LX123456785CN"
AS_NUMBER = "9405511202575421535949"
AS_SECRET = "as-webhook-secret"


def sign_17track(body: bytes, key=KEY) -> dict:
    return {"sign": hashlib.sha256(body + b"/" + key.encode()).hexdigest()}


def sign_aftership(body: bytes, secret=AS_SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"aftership-hmac-sha256": base64.b64encode(digest).decode()}


def merchant_with(client, provider, number, **extra):
    """Save the provider for merchant-a and give it one unchecked shipment; return its token."""
    save_provider(client, provider, KEY, **extra)
    merchant = Merchant.get()
    Shipment.create(merchant=merchant, tracking_number=number)
    return merchant.webhook_token


def post(client, url, payload, signer):
    body = json.dumps(payload).encode()
    return client.post(url, data=body, headers=signer(body), content_type="application/json")


def test_a_signed_17track_push_is_stored_and_classified_once(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    payload = {"event": "TRACKING_UPDATED", "data": track_item(NUMBER)}
    for _ in range(2):  # a provider may push the same update twice
        response = post(merchant_client, f"/webhooks/17track/{token}", payload, sign_17track)
        assert response.status_code == 200 and response.get_data() == b""
    run_jobs(app)
    shipment = Shipment.get()
    assert (shipment.status, shipment.last_event_text) == ("delivered", "Delivered, Front Door")
    assert TrackingEvent.select().count() == 3
    assert StatusChange.select().count() == 1


def recent_usps_tracking():
    """The documented example with checkpoints from the last two days (old ones would expire)."""
    tracking = usps_tracking(AS_NUMBER)
    for hours, checkpoint in zip((1, 30), tracking["checkpoints"], strict=False):
        checkpoint["checkpoint_time"] = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    return tracking


def test_a_signed_aftership_push_is_stored_and_classified(app, merchant_client):
    token = merchant_with(merchant_client, "aftership", AS_NUMBER, webhook_secret=AS_SECRET)
    payload = {"event": "tracking_update", "msg": recent_usps_tracking()}
    response = post(merchant_client, f"/webhooks/aftership/{token}", payload, sign_aftership)
    assert response.status_code == 200
    run_jobs(app)
    shipment = Shipment.get()
    assert shipment.status == "alert"  # Exception_007, incorrect address
    assert shipment.last_event_text == "Undeliverable as Addressed"
    assert StatusChange.select().count() == 1


@pytest.mark.parametrize(
    ("provider", "path", "signer", "status"),
    [
        ("17track", "/webhooks/17track/{token}", lambda b: sign_17track(b, "wrong"), 401),
        ("17track", "/webhooks/17track/{token}", lambda b: {}, 401),
        ("17track", "/webhooks/17track/nobody", sign_17track, 404),
        ("17track", "/webhooks/aftership/{token}", sign_aftership, 404),  # not its provider
        ("aftership", "/webhooks/aftership/{token}", lambda b: sign_aftership(b, "x"), 401),
        ("aftership", "/webhooks/aftership/nobody", sign_aftership, 404),
    ],
)
def test_unknown_tokens_and_bad_signatures_store_nothing(
    app, merchant_client, provider, path, signer, status
):
    number = NUMBER if provider == "17track" else AS_NUMBER
    token = merchant_with(merchant_client, provider, number, webhook_secret=AS_SECRET)
    payload = (
        {"event": "TRACKING_UPDATED", "data": track_item(number)}
        if provider == "17track"
        else {"event": "tracking_update", "msg": usps_tracking(number)}
    )
    response = post(merchant_client, path.format(token=token), payload, signer)
    assert response.status_code == status and response.get_data() == b""
    run_jobs(app)
    assert TrackingEvent.select().count() == 0 and Shipment.get().checked_at is None


def test_aftership_without_a_saved_webhook_secret_accepts_no_push(app, merchant_client):
    token = merchant_with(merchant_client, "aftership", AS_NUMBER)
    payload = {"event": "tracking_update", "msg": usps_tracking(AS_NUMBER)}
    response = post(merchant_client, f"/webhooks/aftership/{token}", payload, sign_aftership)
    assert response.status_code == 404


def test_other_events_and_unknown_numbers_are_acknowledged_without_change(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    url = f"/webhooks/17track/{token}"
    stopped = {"event": "TRACKING_STOPPED", "data": {"number": NUMBER}}
    assert post(merchant_client, url, stopped, sign_17track).status_code == 200
    stranger = {"event": "TRACKING_UPDATED", "data": track_item("RR000000000DE")}
    assert post(merchant_client, url, stranger, sign_17track).status_code == 200
    body = b"not json"
    garbage = merchant_client.post(url, data=body, headers=sign_17track(body))
    assert garbage.status_code == 200
    run_jobs(app)
    assert TrackingEvent.select().count() == 0 and Shipment.get().checked_at is None
