"""When each shipment is checked again, and enqueueing the shipments that are due."""

import logging
from datetime import timedelta

from playhouse.shortcuts import chunked

from jobs import runtime
from jobs.merchant_provider import choices_for
from jobs.queues import enqueue_resolve, redis_connection
from jobs.store.models import Shipment, utcnow
from jobs.tracking.classify import is_terminal

log = logging.getLogger(__name__)

# Hours between checks by status: moving parcels every 6 h, parcels that need someone
# (pick up, undelivered, alert) every 3 h; delivered, expired and returned-to-sender never.
REFRESH_HOURS = {
    "not_found": 12,
    "in_transit": 6,
    "pick_up": 3,
    "undelivered": 3,
    "alert": 3,
    "returned": 6,  # still on its way back to the sender
}
MIN_RECHECK = timedelta(minutes=1)  # never sooner, whatever the sandbox clock speed
LEASE = timedelta(minutes=15)  # a queued batch not finished by then is due again
SWEEP_LIMIT = 50_000  # per sweep; the next sweep takes the rest


def next_check_at(status, reason, now, settings):
    """The next time a shipment in (status, reason) is due, or None when it is final."""
    if is_terminal(status, reason):  # the classifier owns the rule of what is final
        return None
    hours = REFRESH_HOURS.get(status, 6)
    if settings.get("TRACKING_PROVIDER", "sandbox") == "sandbox":
        hours /= max(float(settings.get("SANDBOX_CLOCK_SPEED", 1.0)), 1e-6)
    return now + max(timedelta(hours=hours), MIN_RECHECK)


def due_shipments(now, upload_id=None, shipment_ids=None):
    """(id, merchant) of the shipments due at `now` and not leased, the most overdue first."""
    due = Shipment.select(Shipment.id, Shipment.merchant).where(
        Shipment.next_check_at <= now,
        Shipment.claimed_until.is_null() | (Shipment.claimed_until < now),
    )
    if upload_id is not None:
        due = due.where(Shipment.upload == upload_id)
    if shipment_ids is not None:
        due = due.where(Shipment.id.in_(shipment_ids))
    return due.order_by(Shipment.next_check_at).limit(SWEEP_LIMIT)


def enqueue_due(upload_id=None, shipment_ids=None, at_front=False) -> int:
    """Lease due shipments (of one upload, some ids, or all) and enqueue them in batches.

    Batches never mix providers or API keys: each is sized to its provider's max_batch and
    counted against that provider+key's RQ rate limit.
    """
    settings = runtime.setup()
    now = utcnow()
    rows = list(due_shipments(now, upload_id, shipment_ids).tuples())
    choices = choices_for({merchant for _, merchant in rows}, settings)
    groups = {}
    for shipment_id, merchant in rows:
        groups.setdefault(choices[merchant], []).append(shipment_id)
    connection = redis_connection(settings)
    for choice, ids in groups.items():
        size = min(settings["RESOLVE_BATCH_SIZE"], choice.max_batch)
        for batch in chunked(ids, size):
            Shipment.update(claimed_until=now + LEASE).where(Shipment.id.in_(batch)).execute()
            enqueue_resolve(connection, batch, choice.rate_key(settings), at_front=at_front)
    return len(rows)
