"""Pushes are bounded and cheap for the web server: size and event caps, a queue, no replays."""

import copy
import json
import threading
import time
from datetime import UTC, datetime, timedelta

from redis import Redis

from jobs.queues import queue
from jobs.store.models import Shipment, StatusChange, TrackingEvent
from tests.conftest import run_jobs
from tests.test_seventeentrack import _event, track_item
from tests.test_webhooks import (
    AS_NUMBER,
    AS_SECRET,
    NUMBER,
    merchant_with,
    post,
    recent_usps_tracking,
    sign_17track,
    sign_aftership,
)
from tests.waiting import DEADLINE as WAIT_LIMIT

DEADLINE = 5.0  # CPU seconds: a push is answered at once, whatever it carries


def answered_within(seconds, call):
    """The response of `call()`, asserting it cost less than `seconds` of CPU time.

    The request runs in its own thread (test client), so that thread's CPU time is the work
    the server did for it; wall-clock time would also count whatever else the machine runs.
    A wait that burns no CPU (a hang) is caught by WAIT_LIMIT instead."""
    box = {}

    def run():
        started = time.thread_time()
        box["response"] = call()
        box["cpu"] = time.thread_time() - started

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(WAIT_LIMIT)
    assert not worker.is_alive(), f"no answer within {WAIT_LIMIT} s"
    assert box["cpu"] < seconds, f"{box['cpu']:.2f} s of CPU for one push"
    return box["response"]


def huge_item(count):
    """A 17TRACK push item whose one provider lists `count` distinct events."""
    item = track_item(NUMBER)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    item["track_info"]["tracking"]["providers"] = [
        {
            "provider": {"key": 1},
            "events": [
                {"time_utc": (start + timedelta(seconds=i)).isoformat(), "description": f"s{i}"}
                for i in range(count)
            ],
        }
    ]
    return item


def queued(app):
    return queue("resolve", Redis.from_url(app.config["REDIS_URL"])).count


def test_a_push_is_acknowledged_at_once_and_applied_by_a_worker(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    payload = {"event": "TRACKING_UPDATED", "data": track_item(NUMBER)}
    response = post(merchant_client, f"/webhooks/17track/{token}", payload, sign_17track)
    assert response.status_code == 200
    assert TrackingEvent.select().count() == 0 and queued(app) == 1  # not on the request path
    run_jobs(app)
    assert Shipment.get().status == "delivered" and TrackingEvent.select().count() == 3


def test_a_push_of_100000_events_is_refused_at_once(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    payload = {"event": "TRACKING_UPDATED", "data": huge_item(100_000)}
    url = f"/webhooks/17track/{token}"
    response = answered_within(DEADLINE, lambda: post(merchant_client, url, payload, sign_17track))
    assert response.status_code == 413  # over WEBHOOK_MAX_BYTES
    app.config["WEBHOOK_MAX_BYTES"] = 64 << 20  # the events cap holds on its own too
    response = answered_within(DEADLINE, lambda: post(merchant_client, url, payload, sign_17track))
    assert response.status_code == 413 and b"at most 1000 events" in response.get_data()
    assert queued(app) == 0 and TrackingEvent.select().count() == 0
    assert merchant_client.get("/shipments").status_code == 200  # the server is free


def test_an_over_size_body_is_refused_before_its_signature_is_checked(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    app.config["WEBHOOK_MAX_BYTES"] = 1000
    response = merchant_client.post(f"/webhooks/17track/{token}", data=b"x" * 1001)
    assert response.status_code == 413


def test_the_worker_caps_the_events_it_keeps(app, merchant_client):
    from jobs.pushes import apply_push

    merchant_with(merchant_client, "17track", NUMBER)
    merchant_id = Shipment.get().merchant_id
    started = time.thread_time()  # CPU time, which a loaded machine does not inflate
    apply_push(merchant_id, "17track", huge_item(100_000))
    assert time.thread_time() - started < 30  # linear: about a second; quadratic: many minutes
    assert TrackingEvent.select().count() == 1000  # WEBHOOK_MAX_EVENTS, the newest
    assert Shipment.get().last_event_text == "s99999"


def old_in_transit_item():
    """The same parcel as track_item, as 17TRACK described it before delivery."""
    item = copy.deepcopy(track_item(NUMBER))
    item["track_info"]["latest_status"] = {"status": "InTransit", "sub_status": "InTransit_Other"}
    for source in item["track_info"]["tracking"]["providers"]:
        source["events"] = [
            _event(None, "2026-11-01T12:00:00+08:00", "Departed Facility", None, "InTransit_Other")
        ]
    return item


def test_a_replayed_old_push_does_not_move_a_delivered_parcel_back(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    url = f"/webhooks/17track/{token}"
    delivered = {"event": "TRACKING_UPDATED", "data": track_item(NUMBER)}
    assert post(merchant_client, url, delivered, sign_17track).status_code == 200
    run_jobs(app)
    assert Shipment.get().status == "delivered"
    replay = {"event": "TRACKING_UPDATED", "data": old_in_transit_item()}
    assert post(merchant_client, url, replay, sign_17track).status_code == 200
    run_jobs(app)
    assert Shipment.get().status == "delivered"
    assert StatusChange.select().count() == 1 and TrackingEvent.select().count() == 3


def test_an_aftership_push_older_than_the_window_is_refused(app, merchant_client):
    token = merchant_with(merchant_client, "aftership", AS_NUMBER, webhook_secret=AS_SECRET)
    url = f"/webhooks/aftership/{token}"
    now = datetime.now(UTC).timestamp()
    old = {"event": "tracking_update", "ts": int(now - 73 * 3600), "msg": recent_usps_tracking()}
    response = post(merchant_client, url, old, sign_aftership)
    assert response.status_code == 422 and queued(app) == 0
    fresh = {**old, "ts": int(now - 60)}
    assert post(merchant_client, url, fresh, sign_aftership).status_code == 200
    run_jobs(app)
    assert Shipment.get().status == "alert"


def test_a_push_body_is_queued_once_however_often_it_comes(app, merchant_client):
    token = merchant_with(merchant_client, "17track", NUMBER)
    body = json.dumps({"event": "TRACKING_UPDATED", "data": track_item(NUMBER)}).encode()
    for _ in range(3):
        merchant_client.post(f"/webhooks/17track/{token}", data=body, headers=sign_17track(body))
    assert queued(app) == 1
