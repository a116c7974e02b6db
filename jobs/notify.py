"""Webhooks out: every status change becomes one signed event per matching endpoint, delivered
by RQ jobs with retries for about a day.

The database is the outbox. `fan_out` turns status changes (any code path that wrote a
StatusChange row) into WebhookEvent rows: an endpoint's cursor says which changes it has seen, and
the unique (endpoint, status change) index makes a second fan-out of the same change a no-op, so a
change yields exactly one event per endpoint whatever crashes in between. `deliver_event` leases an
event, POSTs it and records the attempt; the sweep re-enqueues pending events that are due, so a
lost job or a flushed Redis only delays a delivery. Receivers de-duplicate on `webhook-id`, which
stays the same on every retry (Standard Webhooks).
"""

import json
import logging
import random
import secrets
import time
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from jobs import runtime
from jobs.outbound import DELIVERY_ERRORS, post_json
from jobs.provider_keys import decrypt_key, encrypt_key
from jobs.queues import enqueue_webhook_delivery, enqueue_webhook_fan_out, redis_connection
from jobs.store.models import (
    Shipment,
    StatusChange,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    db,
    utcnow,
)
from jobs.tracking.classify import STATUSES, explain

log = logging.getLogger(__name__)

BATCH_SIZE = 2000  # status changes read per endpoint per fan-out
# Waits after the 1st, 2nd, … failed attempt: about 24 hours in all, then the event is failed.
BACKOFF = [
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
    timedelta(hours=8),
]
LEASE = timedelta(minutes=2)
KINDS = ("json", "slack", "teams")
# Statuses that put a parcel in the follow-up queue whatever the reason.
ACTION_STATUSES = {"alert", "undelivered", "returned", "expired"}
STATUS_LABELS = dict(STATUSES)


def new_secret() -> str:
    """A Standard Webhooks signing secret: 32 random bytes, base64, prefixed whsec_."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def store_secret(secret: str, secret_key: str) -> str:
    return encrypt_key(secret, secret_key)


def endpoint_secret(endpoint: WebhookEndpoint, secret_key: str) -> str:
    return decrypt_key(endpoint.secret, secret_key)


def wants(endpoint: WebhookEndpoint, status: str, reason: str) -> bool:
    """Whether a change to (status, reason) is one this endpoint asked for."""
    chosen = {s for s in endpoint.statuses.split(",") if s}
    if chosen:
        return status in chosen or f"{status}/{reason}" in chosen
    if endpoint.needs_action_only:
        return status in ACTION_STATUSES or (status, reason) == (
            "pick_up",
            "collection_deadline_near",
        )
    return True


def base_url(settings) -> str:
    """Where people open this instance, for links in events (PUBLIC_URL, else the default)."""
    return settings.get("PUBLIC_URL") or "http://127.0.0.1:8000"


def has_endpoints(merchant_ids) -> bool:
    """Whether any of these merchants has an active webhook endpoint."""
    return (
        WebhookEndpoint.select()
        .where(
            WebhookEndpoint.merchant.in_(list(merchant_ids)),
            WebhookEndpoint.active == True,  # noqa: E712
        )
        .exists()
    )


def _iso(moment) -> str | None:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z") if moment else None


def event_body(shipment: Shipment, change: StatusChange | None, base_url: str, kind: str) -> dict:
    """The JSON event for a status change (or a test event when `change` is None)."""
    status = change.new_status if change else shipment.status
    reason = change.new_reason if change else shipment.reason
    try:
        explanation, action = explain(status, reason)
    except ValueError:
        explanation, action = "", ""
    return {
        "type": kind,
        "timestamp": _iso(change.at if change else utcnow()),
        "data": {
            "shipment": {
                "id": shipment.id,
                "tracking_number": shipment.tracking_number,
                "carrier": shipment.carrier,
                "order_id": shipment.order_id,
                "customer_name": shipment.customer_name,
                "status": status,
                "reason": reason,
                "explanation": explanation,
                "next_action": action,
                "last_event_text": shipment.last_event_text,
                "last_event_at": _iso(shipment.last_event_at),
                "url": f"{base_url.rstrip('/')}/shipments/{shipment.id}",
            },
            "previous": {
                "status": change.old_status if change else None,
                "reason": change.old_reason if change else None,
            },
        },
    }


def chat_body(event: dict, kind: str) -> dict:
    """A readable Slack or Teams message for an event instead of the raw JSON."""
    s = event["data"]["shipment"]
    label = STATUS_LABELS.get(s["status"], s["status"])
    reason = (s["reason"] or "").replace("_", " ")
    order = f" (order {s['order_id']})" if s["order_id"] else ""
    title = f"{label}: {s['tracking_number']}{order} — {reason}"
    lines = [title, s["explanation"], f"Next: {s['next_action']}" if s["next_action"] else ""]
    if kind == "slack":
        text = "\n".join(line for line in lines if line)
        return {
            "text": f"{text}\n<{s['url']}|Open in Parceldesk>",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "\n".join(lines[1:]).strip() or " "},
                },
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "button",
                            "text": {"type": "plain_text", "text": "Open in Parceldesk"},
                            "url": s["url"],
                        }
                    ],
                },
            ],
        }
    body = [{"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True}]
    body += [{"type": "TextBlock", "text": line, "wrap": True} for line in lines[1:] if line]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "body": body,
                    "actions": [
                        {"type": "Action.OpenUrl", "title": "Open in Parceldesk", "url": s["url"]}
                    ],
                },
            }
        ],
    }


def _payload(endpoint, shipment, change, base_url, kind="shipment.status_changed") -> str:
    event = event_body(shipment, change, base_url, kind)
    body = event if endpoint.kind == "json" else chat_body(event, endpoint.kind)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def fan_out() -> list[int]:
    """Turn new status changes into events for every active endpoint; the new events' ids.

    Safe to re-run: the cursor moves in the same transaction as the inserts, and the unique
    (endpoint, status change) index ignores a change already turned into an event.
    """
    settings = runtime.setup()
    created = []
    for endpoint in WebhookEndpoint.select().where(WebhookEndpoint.active == True):  # noqa: E712
        created += _fan_out_endpoint(endpoint, base_url(settings))
    connection = redis_connection(settings)
    for event_id in created:
        enqueue_webhook_delivery(connection, event_id)
    return created


def _fan_out_endpoint(endpoint, base_url) -> list[int]:
    with db.atomic():
        rows = list(
            StatusChange.select(StatusChange, Shipment)
            .join(Shipment)
            .where(Shipment.merchant == endpoint.merchant_id, StatusChange.id > endpoint.cursor)
            .order_by(StatusChange.id)
            .limit(BATCH_SIZE)
        )
        if not rows:
            return []
        events = [
            {
                "endpoint": endpoint.id,
                "status_change": change.id,
                "event_id": f"msg_{endpoint.id}_{change.id}",
                "payload": _payload(endpoint, change.shipment, change, base_url),
                "next_attempt_at": utcnow(),
            }
            for change in rows
            if wants(endpoint, change.new_status, change.new_reason)
        ]
        if events:
            WebhookEvent.insert_many(events).on_conflict_ignore().execute()
        WebhookEndpoint.update(cursor=rows[-1].id).where(
            WebhookEndpoint.id == endpoint.id
        ).execute()
        ids = [e["event_id"] for e in events]
        return [
            e.id for e in WebhookEvent.select(WebhookEvent.id).where(WebhookEvent.event_id.in_(ids))
        ]


def test_event(endpoint: WebhookEndpoint, base_url: str) -> WebhookEvent:
    """A test event for the endpoint about its merchant's latest shipment (or a made-up one)."""
    shipment = (
        Shipment.select()
        .where(Shipment.merchant == endpoint.merchant_id)
        .order_by(Shipment.id.desc())
        .first()
    ) or Shipment(id=0, tracking_number="TEST0000000000", status="alert", reason="exception")
    return WebhookEvent.create(
        endpoint=endpoint,
        event_id=f"msg_test_{secrets.token_hex(8)}",
        kind="test",
        payload=_payload(endpoint, shipment, None, base_url, "test"),
        next_attempt_at=utcnow(),
    )


def _lease(event_id: int, now: datetime) -> bool:
    return bool(
        WebhookEvent.update(claimed_until=now + LEASE)
        .where(
            WebhookEvent.id == event_id,
            WebhookEvent.state == "pending",
            WebhookEvent.next_attempt_at <= now,
            WebhookEvent.claimed_until.is_null() | (WebhookEvent.claimed_until < now),
        )
        .execute()
    )


def deliver_event(event_id: int) -> str:
    """POST one pending event to its endpoint once; schedule the next try or mark it failed.

    Safe to re-run and to run twice at once: only the job holding the lease sends, and only
    while the event is pending and due.
    """
    settings = runtime.setup()
    now = utcnow()
    if not _lease(event_id, now):
        return "skipped"
    event = WebhookEvent.get_by_id(event_id)
    endpoint = WebhookEndpoint.get_by_id(event.endpoint_id)
    code, excerpt, retry_after, started = None, "", None, time.monotonic()
    try:
        headers = _headers(event, endpoint, settings)
        answer = post_json(
            endpoint.url,
            event.payload.encode("utf-8"),
            headers,
            allow_private=settings.get("ALLOW_PRIVATE_URLS", False),
            timeout=float(settings.get("WEBHOOK_TIMEOUT_SECONDS", 15.0)),
        )
        code, excerpt = answer.status_code, answer.body[:300]
        retry_after = _seconds(answer.headers.get("Retry-After"))
    except DELIVERY_ERRORS as exc:
        excerpt = f"{type(exc).__name__}: {exc}"[:300]
    elapsed = int((time.monotonic() - started) * 1000)
    return _record(event, endpoint, code, excerpt, elapsed, retry_after)


def _headers(event, endpoint, settings) -> dict:
    if endpoint.kind != "json":
        return {}
    secret = endpoint_secret(endpoint, settings["SECRET_KEY"])
    moment = datetime.now(UTC)
    signature = Webhook(secret).sign(event.event_id, moment, event.payload)
    return {
        "webhook-id": event.event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }


def _seconds(value) -> int | None:
    try:
        return max(0, min(int(value), 24 * 3600)) if value is not None else None
    except ValueError:
        return None


def _record(event, endpoint, code, excerpt, elapsed, retry_after) -> str:
    now = utcnow()
    attempts = event.attempts + 1
    ok = code is not None and 200 <= code < 300
    with db.atomic():
        WebhookDelivery.create(
            event=event, at=now, status_code=code, duration_ms=elapsed, excerpt=excerpt
        )
        if ok:
            state, next_at = "delivered", None
        elif code == 410 or attempts > len(BACKOFF):
            state, next_at = "failed", None
            if code == 410:  # Standard Webhooks: the receiver says it is gone for good
                WebhookEndpoint.update(active=False).where(
                    WebhookEndpoint.id == endpoint.id
                ).execute()
        else:
            wait = BACKOFF[attempts - 1] * random.uniform(1.0, 1.2)
            if retry_after is not None:
                wait = max(wait, timedelta(seconds=retry_after))
            state, next_at = "pending", now + wait
        WebhookEvent.update(
            state=state,
            attempts=attempts,
            next_attempt_at=next_at,
            claimed_until=None,
            delivered_at=now if ok else None,
        ).where(WebhookEvent.id == event.id).execute()
    if state == "pending":
        enqueue_webhook_delivery(
            redis_connection(runtime.setup()), event.id, at=next_at.replace(tzinfo=UTC)
        )
    return state


def reset(event: WebhookEvent):
    """Make an event due again now (same webhook-id), whatever became of it before."""
    WebhookEvent.update(state="pending", next_attempt_at=utcnow(), claimed_until=None).where(
        WebhookEvent.id == event.id
    ).execute()


def latest_change_id() -> int:
    """The newest status change id: a new endpoint hears of changes after it, not before."""
    latest = StatusChange.select(StatusChange.id).order_by(StatusChange.id.desc()).first()
    return latest.id if latest else 0


def enqueue_due_deliveries(limit: int = 1000) -> int:
    """Re-enqueue pending events that are due and not leased (the sweep's safety net)."""
    now = utcnow()
    due = (
        WebhookEvent.select(WebhookEvent.id)
        .where(
            WebhookEvent.state == "pending",
            WebhookEvent.next_attempt_at <= now,
            WebhookEvent.claimed_until.is_null() | (WebhookEvent.claimed_until < now),
        )
        .order_by(WebhookEvent.next_attempt_at)
        .limit(limit)
    )
    ids = [row.id for row in due]
    if ids or WebhookEndpoint.select().where(WebhookEndpoint.active == True).exists():  # noqa: E712
        connection = redis_connection(runtime.setup())
        enqueue_webhook_fan_out(connection)
        for event_id in ids:
            enqueue_webhook_delivery(connection, event_id)
    return len(ids)
