"""Webhooks out: signed events on status changes, chat formats, retries, exactly-once events."""

import socket
from datetime import timedelta

import pytest
from redis import Redis
from standardwebhooks.webhooks import Webhook

from jobs import notify, runtime
from jobs.store.models import WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from jobs.sweep import sweep
from tests.conftest import csrf_from, run_jobs
from tests.loopback import LoopbackServer, Reply
from tests.test_thin_path import upload_csv

NUMBERS = "tracking\nSBXALERTLOST01\nSBXDELIVERED01\nSBXUNDELIVEREDABSENT01\n"


def allow_private(app, allowed=True):
    """Let the app and the job code call loopback receivers (ALLOW_PRIVATE_URLS)."""
    app.config["ALLOW_PRIVATE_URLS"] = allowed
    runtime.setup()["ALLOW_PRIVATE_URLS"] = allowed


@pytest.fixture
def receiver():
    """A loopback receiver answering 200 to everything, recording each request."""
    with LoopbackServer(lambda request: Reply(200, b"ok")) as server:
        yield server


def add_endpoint(client, url, kind="json", needs_action_only=True, statuses=()):
    """Add an endpoint through the Settings form; return the secret shown once (JSON kind)."""
    token = csrf_from(client, "/settings/integrations")
    data = {"url": url, "kind": kind, "csrf_token": token, "statuses": list(statuses)}
    if needs_action_only:
        data["needs_action_only"] = "y"
    response = client.post("/settings/integrations/endpoints", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    if kind != "json":
        return None
    return page.split('id="new-secret" class="secret">')[1].split("<")[0]


def test_a_parcel_turning_alert_reaches_a_json_endpoint_signed(app, merchant_client, receiver):
    allow_private(app)
    secret = add_endpoint(merchant_client, receiver.url + "/hook")
    assert secret.startswith("whsec_")
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    bodies = {}
    for request in receiver.requests:
        payload = Webhook(secret).verify(request.body, request.headers)  # raises if forged
        bodies[payload["data"]["shipment"]["tracking_number"]] = payload
    # Needs action only: the alert and the failed attempt, not the delivered parcel.
    assert set(bodies) == {"SBXALERTLOST01", "SBXUNDELIVEREDABSENT01"}
    alert = bodies["SBXALERTLOST01"]
    assert alert["type"] == "shipment.status_changed"
    assert alert["data"]["shipment"]["status"] == "alert"
    assert alert["data"]["shipment"]["next_action"]
    assert alert["data"]["shipment"]["url"].endswith(
        f"/shipments/{alert['data']['shipment']['id']}"
    )
    assert alert["data"]["previous"]["status"] == "not_found"
    assert WebhookEvent.select().where(WebhookEvent.state == "delivered").count() == 2


def test_a_forged_or_altered_event_fails_verification(app, merchant_client, receiver):
    allow_private(app)
    secret = add_endpoint(merchant_client, receiver.url)
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    request = receiver.requests[0]
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(request.body.replace(b"alert", b"delivered"), request.headers)


def test_chosen_statuses_only(app, merchant_client, receiver):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url, needs_action_only=False, statuses=["delivered"])
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    numbers = [r.json()["data"]["shipment"]["tracking_number"] for r in receiver.requests]
    assert numbers == ["SBXDELIVERED01"]


def test_slack_endpoint_gets_a_readable_message(app, merchant_client, receiver):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url, kind="slack", statuses=["alert"])
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    (request,) = receiver.requests
    message = request.json()
    assert "webhook-signature" not in request.headers
    assert message["text"].startswith("Alert: SBXALERTLOST01")
    assert "/shipments/" in message["text"] and "Next:" in message["text"]
    assert message["blocks"][-1]["elements"][0]["url"].startswith("http")


def test_teams_endpoint_gets_an_adaptive_card(app, merchant_client, receiver):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url, kind="teams", statuses=["alert"])
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    card = receiver.requests[0].json()
    assert card["type"] == "message"
    content = card["attachments"][0]["content"]
    assert content["type"] == "AdaptiveCard"
    assert content["body"][0]["text"].startswith("Alert: SBXALERTLOST01")


def test_loopback_and_private_receivers_are_refused_unless_allowed(app, merchant_client):
    allow_private(app, False)
    token = csrf_from(merchant_client, "/settings/integrations")
    for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "http://169.254.169.254/", "ftp://a/"):
        response = merchant_client.post(
            "/settings/integrations/endpoints",
            data={"url": url, "kind": "json", "csrf_token": token},
        )
        assert response.status_code == 422
        assert "cannot send to this address" in response.get_data(as_text=True)
    assert WebhookEndpoint.select().count() == 0


def test_an_address_that_turned_private_is_refused_at_delivery(app, merchant_client, receiver):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url, statuses=["alert"])
    allow_private(app, False)  # as if the host's DNS now pointed inside the network
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    assert receiver.requests == []
    (attempt,) = WebhookDelivery.select()
    assert attempt.status_code is None and "private" in attempt.excerpt


def _make_due(event_id):
    WebhookEvent.update(next_attempt_at=utcnow() - timedelta(seconds=1)).where(
        WebhookEvent.id == event_id
    ).execute()


def test_failing_receiver_is_retried_with_backoff_then_failed(app, merchant_client):
    with LoopbackServer(lambda request: Reply(503, b"down", {"Retry-After": "120"})) as server:
        allow_private(app)
        add_endpoint(merchant_client, server.url, statuses=["alert"])
        upload_csv(merchant_client, NUMBERS)
        run_jobs(app)
        (event,) = WebhookEvent.select()
        assert (event.state, event.attempts) == ("pending", 1)
        (attempt,) = WebhookDelivery.select()  # timed from the attempt, not from this line
        wait = (event.next_attempt_at - attempt.at).total_seconds()
        assert wait == 120  # the receiver's Retry-After outweighs the first 10 s (+ jitter)
        for _ in range(len(notify.BACKOFF)):
            _make_due(event.id)
            assert notify.deliver_event(event.id) in ("pending", "failed")
        event = WebhookEvent.get_by_id(event.id)
        assert (event.state, event.attempts) == ("failed", len(notify.BACKOFF) + 1)
        assert len(server.requests) == len(notify.BACKOFF) + 1
        log = merchant_client.get(f"/settings/integrations/endpoints/{event.endpoint_id}")
        page = log.get_data(as_text=True)
        assert page.count(" · 503 · ") == len(notify.BACKOFF) + 1 and "failed" in page


def test_backoff_adds_up_to_about_a_day():
    total = sum(notify.BACKOFF, timedelta())
    assert timedelta(hours=20) <= total <= timedelta(hours=30)


def test_slow_and_silent_receivers_time_out_and_stay_pending(app, merchant_client):
    slow = LoopbackServer(lambda request: Reply(200, b"ok", hang=True)).__enter__()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections into the backlog, never answers
    try:
        allow_private(app)
        runtime.setup()["WEBHOOK_TIMEOUT_SECONDS"] = 0.5
        add_endpoint(merchant_client, slow.url, statuses=["alert"])
        add_endpoint(
            merchant_client, f"http://127.0.0.1:{silent.getsockname()[1]}", statuses=["alert"]
        )
        upload_csv(merchant_client, NUMBERS)
        run_jobs(app)
        events = list(WebhookEvent.select())
        assert len(events) == 2 and all(e.state == "pending" for e in events)
        attempts = list(WebhookDelivery.select())
        assert len(attempts) == 2
        assert all(a.status_code is None and "Timeout" in a.excerpt for a in attempts), [
            a.excerpt for a in attempts
        ]
    finally:
        runtime.setup()["WEBHOOK_TIMEOUT_SECONDS"] = 15.0
        silent.close()
        slow.__exit__(None, None, None)


def test_gone_receiver_disables_the_endpoint(app, merchant_client):
    with LoopbackServer(lambda request: Reply(410, b"gone")) as server:
        allow_private(app)
        add_endpoint(merchant_client, server.url, statuses=["alert"])
        upload_csv(merchant_client, NUMBERS)
        run_jobs(app)
        assert WebhookEvent.get().state == "failed"
        assert not WebhookEndpoint.get().active


def test_each_change_is_one_event_even_across_redis_flushes_and_crashes(
    app, merchant_client, receiver, monkeypatch
):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url)
    upload_csv(merchant_client, NUMBERS)
    # The resolve jobs run, then Redis loses everything queued after them (fan-out included).
    connection = Redis.from_url(app.config["REDIS_URL"])
    real_announce = notify.has_endpoints
    monkeypatch.setattr(notify, "has_endpoints", lambda ids: False)
    run_jobs(app)
    connection.flushdb()
    monkeypatch.setattr(notify, "has_endpoints", real_announce)
    assert WebhookEvent.select().count() == 0
    # Two fan-outs racing, or one re-run, create nothing twice.
    first, second = notify.fan_out(), notify.fan_out()
    assert len(first) == 2 and second == []
    connection.flushdb()  # the delivery jobs are lost too

    # A worker dies after sending but before recording: the receiver has it, the DB does not.
    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(notify, "_record", crash)
    with pytest.raises(SystemExit):
        notify.deliver_event(first[0])
    monkeypatch.undo()
    allow_private(app)
    WebhookEvent.update(claimed_until=utcnow() - timedelta(seconds=1)).execute()  # lease expired
    assert sweep()["webhooks_due"] == 2
    run_jobs(app)
    assert WebhookEvent.select().count() == 2
    assert {e.state for e in WebhookEvent.select()} == {"delivered"}
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(ids) == 3 and len(set(ids)) == 2  # one resend, with the same id to de-duplicate


def test_a_new_endpoint_hears_only_of_later_changes(app, merchant_client, receiver):
    allow_private(app)
    upload_csv(merchant_client, NUMBERS)
    run_jobs(app)
    add_endpoint(merchant_client, receiver.url)
    assert notify.fan_out() == [] and receiver.requests == []


def test_test_event_and_redeliver_from_the_delivery_log(app, merchant_client, receiver):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url)
    endpoint = WebhookEndpoint.get()
    token = csrf_from(merchant_client, "/settings/integrations")
    sent = merchant_client.post(
        f"/settings/integrations/endpoints/{endpoint.id}/test", data={"csrf_token": token}
    )
    assert sent.status_code == 303
    run_jobs(app)
    (request,) = receiver.requests
    assert request.json()["type"] == "test"
    event = WebhookEvent.get()
    page = merchant_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert event.event_id in page and "200" in page and "delivered" in page
    merchant_client.post(
        f"/settings/integrations/events/{event.id}/redeliver", data={"csrf_token": token}
    )
    run_jobs(app)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [event.event_id] * 2


def test_another_merchant_cannot_see_or_use_an_endpoint(app, merchant_client, receiver):
    allow_private(app)
    add_endpoint(merchant_client, receiver.url)
    endpoint = WebhookEndpoint.get()
    other = app.test_client()
    from tests.conftest import sign_up

    sign_up(other, "merchant-b@example.com")
    token = csrf_from(other, "/settings/integrations")
    assert other.get(f"/settings/integrations/endpoints/{endpoint.id}").status_code == 404
    for action in ("test", "delete"):
        url = f"/settings/integrations/endpoints/{endpoint.id}/{action}"
        assert other.post(url, data={"csrf_token": token}).status_code == 404
    assert receiver.url not in other.get("/settings/integrations").get_data(as_text=True)
    assert WebhookEndpoint.select().count() == 1
